import loadEnvPackage from '@next/env';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EnvError, parseEnv, type Env } from '@/lib/env';
import { StartupError } from './ports';
import postgres from 'postgres';
import { embeddedUrl, startEmbeddedPostgres, type RunningPostgres } from './postgres';

export const ROOT = process.cwd();
export const DATA_DIR = path.join(ROOT, '.data');

/** Reads .env files the way Next.js does, so the orchestrator and the app agree. */
export function loadDotEnv(dev: boolean): void {
  loadEnvPackage.loadEnvConfig(ROOT, dev, { info: () => {}, error: console.error });
}

/**
 * A development AUTH_SECRET, generated once and kept in .data/, so sessions survive restarts
 * for someone who set nothing. Production must set its own (lib/env.ts refuses to start without).
 */
export function ensureDevAuthSecret(): void {
  if (process.env.AUTH_SECRET) return;
  const file = path.join(DATA_DIR, 'auth-secret');
  fs.mkdirSync(DATA_DIR, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600 });
  process.env.AUTH_SECRET = fs.readFileSync(file, 'utf8').trim();
}

export function validateEnv(): Env {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) throw new StartupError(error.message);
    throw error;
  }
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under .data/postgres. */
export async function resolveDatabase(): Promise<{ url: string; embedded: RunningPostgres | null }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, embedded: null };
  const port = Number(process.env.EMBEDDED_DATABASE_PORT ?? 54329);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartupError('EMBEDDED_DATABASE_PORT must be a port number.');
  const dataDir = path.join(DATA_DIR, 'postgres');
  // `npm run dev` may already be running this server (say, for `npm run admin` in another
  // terminal): then use it rather than start a second one on the same data.
  const running = await reachableEmbedded(port);
  if (running) {
    process.env.DATABASE_URL = running;
    return { url: running, embedded: null };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir,
    port,
    database: 'billfold',
    logFile: path.join(DATA_DIR, 'postgres.log'),
    persistent: true,
  });
  process.env.DATABASE_URL = embedded.url;
  return { url: embedded.url, embedded };
}

async function reachableEmbedded(port: number): Promise<string | null> {
  if (!fs.existsSync(path.join(DATA_DIR, 'postgres', 'postmaster.pid'))) return null;
  const url = embeddedUrl(port, 'billfold');
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return url;
  } catch {
    return null;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A line for the person at the terminal (not a log record: those go through lib/log.ts). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs `main`, printing a StartupError as its one line (no stack) and exiting 1. */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof StartupError || error instanceof EnvError) {
      console.error(`billfold: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  });
}
