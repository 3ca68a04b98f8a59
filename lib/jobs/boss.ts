import { sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import type { Transaction } from '@/db/client';
import { log } from '@/lib/log';
import { BOSS_SCHEMA, JOBS_CHANNEL, QUEUE_OPTIONS, transactionExecutor } from './queues';

/** pg-boss keeps its tables in their own schema beside Billfold's. */
export function createBoss(connectionString: string, role: 'worker' | 'producer', overrides: Partial<PgBoss.ConstructorOptions> = {}): PgBoss {
  return new PgBoss({
    connectionString,
    schema: BOSS_SCHEMA,
    application_name: `billfold-${role}`,
    max: role === 'producer' ? 2 : 4,
    // Only the worker runs maintenance and cron; the web process only sends. Periodic work
    // (the abandoned-checkout sweep) uses pg-boss's own schedules rather than a job that sends
    // its successor: the schedule lives in the database, survives restarts and deploys, and
    // pg-boss sends each tick once however many workers run, where a self-re-sending chain
    // breaks for good if one send is lost and doubles if two workers each start one.
    supervise: role === 'worker',
    schedule: role === 'worker',
    // Maintenance is what finds the jobs of a worker that died (killed, its machine gone) once
    // they expire and puts them back in the queue. pg-boss looks every two minutes by default,
    // so a crashed worker's events waited up to two minutes past their expiry; every 15 s they
    // wait at most that. One worker maintains per interval however many run (pg-boss takes
    // turns through the database), and its statements are indexed lookups.
    maintenanceIntervalSeconds: 15,
    ...overrides,
  });
}

/**
 * A connection the database server itself closed (57P01 admin_shutdown: a restart, a failover,
 * or the server stopping beside us at shutdown). pg-boss opens a new one for its next query, so
 * nobody has to act on it; a database that stays away fails the next queries, which are errors.
 */
function closedByServer(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57P01';
}

/** Starts pg-boss and makes sure every queue exists with its retry policy. */
export async function startBoss(boss: PgBoss): Promise<PgBoss> {
  boss.on('error', (error) => {
    if (closedByServer(error)) log.warn({ err: error }, 'queue connection closed by the database server; pg-boss reconnects');
    else log.error({ err: error }, 'queue error');
  });
  await boss.start();
  for (const [name, options] of Object.entries(QUEUE_OPTIONS)) {
    await boss.createQueue(name, { name, ...options });
  }
  return boss;
}

/**
 * Creates (or upgrades) pg-boss's tables and Billfold's queues. Part of migrating the database:
 * the web process writes jobs in the statements and transactions that store what they are
 * about (webhook-ledger.ts, sendInTransaction), so the queues must exist before it serves.
 */
export async function installQueues(connectionString: string): Promise<void> {
  const boss = await startBoss(createBoss(connectionString, 'producer', { max: 1 }));
  await boss.stop({ graceful: false, close: true });
}

let jobWriter: PgBoss | undefined;

/**
 * Enqueues a job in the caller's Drizzle transaction, so the job commits or rolls back with the
 * rows it is about. It runs pg-boss's own insert on that transaction, through an instance that
 * is never started and has no connection of its own, so domain code (lib/mail) can enqueue
 * without a started pg-boss being passed down to it. Like pg-boss's send, it writes nothing
 * (and returns null) if the queue does not exist: migrating the database creates the queues
 * (installQueues), and whatever sweeps the queue's rows covers a queue that was cleared.
 * It also NOTIFYs the workers (JOBS_CHANNEL) as webhook-ledger.ts does.
 */
export async function sendInTransaction(tx: Transaction, queue: string, data: object, options: Pick<PgBoss.SendOptions, 'singletonKey'> = {}): Promise<string | null> {
  jobWriter ??= new PgBoss({
    schema: BOSS_SCHEMA,
    db: { executeSql: () => Promise.reject(new Error('the job writer only runs on a transaction it is given')) },
    supervise: false,
    schedule: false,
    migrate: false,
  });
  const id = await jobWriter.send(queue, data, { ...options, db: transactionExecutor(tx) });
  // Sent when the transaction commits (never for one rolled back): an idle worker takes the job now.
  if (id) await tx.execute(sql`select pg_notify(${JOBS_CHANNEL}, ${queue})`);
  return id;
}

/**
 * Enqueues a job about one thing (its `key` field names it), unless a job about it is already
 * waiting to run: a nudge sent again while one waits adds nothing. A running job does not count,
 * since it may have read its subject before the change now committing, so another run follows;
 * the jobs are idempotent. Returns what happened, `missing_queue` when the database was not
 * migrated with this release.
 */
export async function sendOnceInTransaction<Job extends object>(
  tx: Transaction,
  queue: string,
  job: Job,
  key: keyof Job & string,
): Promise<'queued' | 'waiting' | 'missing_queue'> {
  const [waiting] = await tx.execute<{ id: string }>(sql`
    select id from ${sql.identifier(BOSS_SCHEMA)}.job
    where name = ${queue} and state in ('created', 'retry') and data->>${key} = ${String(job[key])}::text
    limit 1`);
  if (waiting) return 'waiting';
  return (await sendInTransaction(tx, queue, job)) ? 'queued' : 'missing_queue';
}
