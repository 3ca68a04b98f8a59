import { spawn, type ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { startTemporaryPostgres, type RunningPostgres } from '../scripts/lib/postgres';
import { ROOT } from '../scripts/lib/stack';

/** The AUTH_SECRET of every bench's stack, so a bench can sign its own session cookies. */
export const BENCH_AUTH_SECRET = 'bench-secret-that-is-long-enough-for-auth-js-0123456789';

export interface BenchDatabase {
  url: string;
  /** The throwaway server made when DATABASE_URL was not set; stop it when done. */
  temporary?: RunningPostgres;
}

/**
 * An empty database `name` (dropped first if a run left one) on DATABASE_URL's server, or on a
 * throwaway server on `temporaryPort` when DATABASE_URL is not set.
 */
export async function freshBenchDatabase(name: string, temporaryPort: number): Promise<BenchDatabase> {
  const temporary = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres(temporaryPort);
  const base = new URL(process.env.DATABASE_URL ?? temporary!.url);
  const server = postgres(base.toString(), { max: 1, onnotice: () => {} });
  try {
    await server.unsafe(`drop database if exists ${name} with (force)`);
    await server.unsafe(`create database ${name}`);
  } finally {
    await server.end();
  }
  base.pathname = `/${name}`;
  return { url: base.toString(), ...(temporary ? { temporary } : {}) };
}

/**
 * The whole stack in production mode (scripts/dev.ts --production: migrations and seed, the
 * sandbox delivering its webhooks to the app, the worker, the production build) on `databaseUrl`,
 * quiet but for errors. `env` adds to or overrides the bench defaults.
 */
export function startBenchStack({ databaseUrl, port, sandboxPort, env = {} }: { databaseUrl: string; port: number; sandboxPort: number; env?: Record<string, string> }): ChildProcess {
  return spawn(`${ROOT}/node_modules/.bin/tsx`, ['scripts/dev.ts', '--production'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      AUTH_SECRET: BENCH_AUTH_SECRET,
      BILLFOLD_ALLOW_TEST_MODE: '1',
      LOG_LEVEL: 'error',
      NEXT_TELEMETRY_DISABLED: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Drops the database `databaseUrl` names (a bench's own, made by freshBenchDatabase); never fails the run. */
export async function dropBenchDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const server = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await server.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
  await server.end();
}
