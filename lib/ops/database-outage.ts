import { log } from '@/lib/log';

/** Codes of a database that is away: refused, reset, shutting down or restarting, a connection lost. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

/**
 * Whether `error` only says the database is away (a restart, a failover, the server stopping):
 * what a process that reconnects by itself may outlive.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return typeof message === 'string' && /^Connection terminated/.test(message);
}

/**
 * postgres.js 3.4 writes to a connection's socket from a timer it schedules, and when the server
 * closes the connection between the two the write finds no socket: a TypeError thrown from the
 * timer, which ends the process (seen in the storm suite, PostgreSQL restarted mid-storm). The
 * connection is already closed and its queries failed; nothing else is affected.
 */
export function isPostgresJsClosedSocketWrite(error: unknown): boolean {
  return error instanceof TypeError && /reading 'write'/.test(error.message) && /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '');
}

/**
 * Keeps a long-running process (the queue worker, the sandbox) alive through a database restart.
 * pg-boss 10 completes and fails a job without waiting for the database's answer
 * (manager.js, `work`), so a database away at that moment is an unhandled rejection, and Node
 * ends a process on one: the worker died with every restart, and `npm start` with it. The job
 * stays active and is retried once it expires, so nothing is lost by going on. Anything else
 * still ends the process, as Node would.
 */
export function surviveDatabaseRestarts(process: NodeJS.Process): void {
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) {
      log.warn({ err: reason }, 'database unavailable; carrying on, the work is retried');
      return;
    }
    throw reason;
  });
  process.on('uncaughtException', (error) => {
    if (isPostgresJsClosedSocketWrite(error)) {
      log.warn({ err: error }, 'database connection closed while writing to it; carrying on');
      return;
    }
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
}
