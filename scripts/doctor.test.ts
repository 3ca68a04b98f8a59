import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type PgBoss from 'pg-boss';
import { afterAll, expect, it } from 'vitest';
import { connect } from '@/db/client';
import { users } from '@/db/schema';
import { createBoss, startBoss } from '@/lib/jobs/boss';
import { paypalClientFor } from '@/lib/payments/paypal/client';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@/lib/payments/paypal/sandbox-credentials';
import { isolatedSandbox } from '@/test/sandbox';

const ROOT = path.resolve(import.meta.dirname, '..');
const t = isolatedSandbox();
// The port the app would serve on: only the webhook URLs are made from it.
const APP_PORT = 43_117;
// Each run starts a tsx process that loads the SDKs: seconds apiece on a busy 2-core machine.
const RUN_TIMEOUT_MS = 40_000;
const SCRIPT_TIMEOUT_MS = 2 * RUN_TIMEOUT_MS + 10_000;

let boss: PgBoss | undefined;
afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
});

/** `npm run doctor` as an operator runs it, in sandbox mode against this file's sandbox and database; async, so the sandbox in this process keeps answering. */
async function doctor(extraEnv: Record<string, string> = {}, args: string[] = []): Promise<{ code: number; stdout: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test' as const, DATABASE_URL: t.databaseUrl, PORT: String(APP_PORT), SANDBOX_PORT: new URL(t.server.url).port, ...extraEnv };
  try {
    const { stdout } = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), ['scripts/doctor.ts', ...args], { cwd: ROOT, env, timeout: RUN_TIMEOUT_MS });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

it('exits 1 and says what blocks going live, then 0 once the webhooks are registered, an admin exists and the worker runs', async () => {
  const before = await doctor({}, ['--expect', 'sandbox']);
  expect(before.code).toBe(1);
  expect(before.stdout).toContain(`BLOCKER  stripe webhooks: nothing is registered at stripe for http://127.0.0.1:${APP_PORT}/api/webhooks/stripe`);
  expect(before.stdout).toContain(`BLOCKER  paypal webhooks: nothing is registered at paypal for http://127.0.0.1:${APP_PORT}/api/webhooks/paypal`);
  expect(before.stdout).toContain('BLOCKER  admins: nobody is an admin');
  expect(before.stdout).toContain('BLOCKER  worker: no worker has ever run against this database');
  expect(before.stdout).toContain('ok       database: migrated');
  expect(before.stdout).toMatch(/billfold doctor: 4 blockers(, \d+ warnings?)?: not ready to go live\n$/);

  // What `npm run dev` registers at every start (scripts/lib/orchestrator.ts), and what an operator does.
  await t.stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${APP_PORT}/api/webhooks/stripe`, enabled_events: ['*'] });
  const { rest } = paypalClientFor({ apiBase: `${t.server.url}/paypal`, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
  const webhook = await rest.request<{ id: string }>('POST', '/v1/notifications/webhooks', { body: { url: `http://127.0.0.1:${APP_PORT}/api/webhooks/paypal`, event_types: [{ name: '*' }] } });
  const { sql, db } = connect(t.databaseUrl, { max: 1 });
  await db.insert(users).values({ email: `doctor-script-${crypto.randomUUID()}@example.com`, role: 'admin' });
  await sql.end();
  boss = await startBoss(createBoss(t.databaseUrl, 'worker', { max: 1 }));

  const after = await doctor({ PAYPAL_SANDBOX_WEBHOOK_ID: webhook.id }, ['--expect', 'sandbox']);
  expect(after.stdout).not.toContain('BLOCKER');
  expect(after.stdout).toContain(`ok       paypal webhooks: ${webhook.id} for http://127.0.0.1:${APP_PORT}/api/webhooks/paypal is sent every event type Billfold acts on`);
  expect(after.stdout).toMatch(/billfold doctor: no blockers( \(\d+ warnings?\))?: ready\n$/);
  expect(after.code).toBe(0);
}, SCRIPT_TIMEOUT_MS);

it('exits 1 with one line when the configuration itself is one the app refuses to start with', async () => {
  const refused = await doctor({ STRIPE_SECRET_KEY: 'sk_live_doctor', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_live_doctor', STRIPE_WEBHOOK_SECRET: 'whsec_doctor' });
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('BLOCKER  configuration: Configuration error: STRIPE_SECRET_KEY selects live mode, which is refused outside production');
}, SCRIPT_TIMEOUT_MS);

it('says within seconds that the database cannot be reached when its host accepts and never answers, once for every database check', async () => {
  // A firewall that swallows packets looks like this: the connection opens and nothing comes back.
  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    const started = Date.now();
    const result = await doctor({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/billfold` }, ['--expect', 'sandbox']);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(1);
    for (const check of ['database', 'admins', 'worker', 'queue']) {
      expect(result.stdout).toContain(`BLOCKER  ${check}: could not be checked: the database cannot be reached (write CONNECT_TIMEOUT 127.0.0.1:${port})`);
    }
    // One 5-second connection timeout plus starting tsx and the SDKs, not four of postgres.js's 30 s.
    expect(seconds).toBeLessThan(30);
  } finally {
    silent.close();
  }
}, SCRIPT_TIMEOUT_MS);
