/**
 * The server Playwright starts: a fresh database (on DATABASE_URL's server, or a throwaway
 * embedded one), then the production stack on it, exactly as `npm start` runs it, except that
 * the app, the worker and the sandbox write to files for the server-log gate.
 */
import path from 'node:path';
import postgres from 'postgres';
import { runStack } from './lib/orchestrator';
import { startTemporaryPostgres } from './lib/postgres';
import { SERVER_LOG_DIR } from './lib/server-log-gate';
import { ROOT, runCli, say } from './lib/stack';

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

runCli(async () => {
  let baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    const temporary = await startTemporaryPostgres(Number(process.env.E2E_DATABASE_PORT ?? 54331));
    process.on('exit', () => void temporary.stop());
    baseUrl = temporary.url;
  }
  const database = `billfold_e2e_${process.pid}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    // Each run's database is named after its process: those of processes that are gone are
    // stale, those of a live run (another checkout on other ports) are left alone.
    const earlier = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'billfold\_e2e\_%'`;
    for (const { datname } of earlier) {
      if (!processAlive(Number(datname.slice('billfold_e2e_'.length)))) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    }
    await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  process.env.DATABASE_URL = url.toString();
  const logDir = path.join(ROOT, SERVER_LOG_DIR);
  say(`billfold: the app's, the worker's and the sandbox's logs go to ${path.relative(ROOT, logDir)}/`);
  await runStack({ production: true, logDir });
});
