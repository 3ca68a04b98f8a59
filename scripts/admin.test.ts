import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedDatabase } from '@/test/database';
import { seedPerson } from '@/test/personal-data';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Runs `npm run admin -- …` as an operator would, against the test's database. */
function admin(url: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/admin.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run admin -- export / erase', () => {
  const t = isolatedDatabase();

  it('exports a person as JSON on stdout and exits 0', { timeout: 60_000 }, async () => {
    const ada = await seedPerson(t.db);
    const run = await admin(t.url, 'export', ada.email);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const document = JSON.parse(run.stdout) as { email: string; account: { id: string }; orders: unknown[] };
    expect(document).toMatchObject({ email: ada.email, account: { id: ada.userId } });
    expect(document.orders).toHaveLength(2);
  });

  it('writes the export to --out readable by its owner only, and never over an existing file', { timeout: 60_000 }, async () => {
    const ada = await seedPerson(t.db);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-export-')), 'ada.json');
    const run = await admin(t.url, 'export', ada.email, '--out', out);
    expect(run.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ email: ada.email });
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    const again = await admin(t.url, 'export', ada.email, '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('never overwrites');
  });

  it('refuses an unknown email with one clear line and a failing exit code', { timeout: 60_000 }, async () => {
    const run = await admin(t.url, 'export', 'nobody-at-all@example.com');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe('billfold: Billfold holds nothing for nobody-at-all@example.com: no account, order, provider customer or email has that address.');
  });

  it('erases a person, printing the placeholder and the provider customers the operator must see to', { timeout: 60_000 }, async () => {
    const ada = await seedPerson(t.db);
    const run = await admin(t.url, 'erase', ada.email);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/its records now carry erased-[0-9a-f-]{36}@invalid/);
    expect(run.stdout).toContain(`at stripe, check customer cus_${ada.tag} (SECURITY.md`);
    expect(run.stdout).toContain(`at paypal, check customer PAYER${ada.tag} (SECURITY.md`);
  });

  it('says how to use it when the command is unknown', { timeout: 60_000 }, async () => {
    const run = await admin(t.url, 'forget', 'someone@example.com');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('export <email> [--out file]');
  });
});
