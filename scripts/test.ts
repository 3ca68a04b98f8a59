/**
 * `npm test`: typecheck, lint, vitest (unit + integration on real PostgreSQL), a production
 * build, the webhook storm suite and Playwright against it. PostgreSQL is DATABASE_URL's server when set, otherwise a
 * throwaway embedded one. Stops at the first failing step and exits non-zero.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { findBrowser } from './lib/browser';
import { startTemporaryPostgres, type RunningPostgres } from './lib/postgres';
import { ROOT, runCli, say } from './lib/stack';
import { StartupError } from './lib/ports';

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

function run(label: string, command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const started = Date.now();
  say(`\n▶ ${label}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (code === 0) {
        say(`✔ ${label} (${seconds} s)`);
        resolve();
      } else {
        reject(new StartupError(`${label} failed (${signal ?? `exit code ${code}`}) after ${seconds} s.`));
      }
    });
  });
}

runCli(async () => {
  // Fail before the long steps if no browser can run the e2e suite.
  try {
    findBrowser();
  } catch (error) {
    throw new StartupError((error as Error).message);
  }

  await run('lock file complete for npm ci', bin('tsx'), ['scripts/complete-lockfile.ts', '--check']);
  await run('typecheck', bin('tsc'), ['--noEmit']);
  await run('lint', bin('eslint'), ['--max-warnings=0', '.']);

  let embedded: RunningPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startTemporaryPostgres(Number(process.env.TEST_DATABASE_PORT ?? 54330));
    databaseUrl = embedded.url;
    say('(no DATABASE_URL: using a throwaway embedded PostgreSQL)');
  }
  try {
    const env = { DATABASE_URL: databaseUrl, NEXT_TELEMETRY_DISABLED: '1' };
    await run('vitest: unit and integration', bin('vitest'), ['run'], env);
    await run('production build', bin('next'), ['build'], { ...env, NODE_ENV: 'production' });
    // The storm starts its own throwaway PostgreSQL, which it restarts mid-storm.
    await run('vitest: webhook storm on the production build', bin('vitest'), ['run', '--config', 'vitest.storm.config.ts'], { NEXT_TELEMETRY_DISABLED: '1' });
    await run('playwright: browser journeys', bin('playwright'), ['test'], env);
  } finally {
    await embedded?.stop();
  }
});
