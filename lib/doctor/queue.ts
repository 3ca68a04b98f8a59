import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { BOSS_SCHEMA, WEBHOOK_QUEUE } from '@/lib/jobs/queues';
import { blocker, ok, warn, type Finding } from './finding';

/**
 * The worker's heartbeat is pg-boss's own: a worker's pg-boss (started with `schedule`, which
 * only the worker is: lib/jobs/boss.ts) stamps `cron_on` in its version table when it starts and
 * every 30 s after. Four missed stamps and the worker is taken for stopped.
 */
export const WORKER_STALE_AFTER_SECONDS = 120;

/** A verified event not yet applied this long: payments are being updated late. */
export const WEBHOOK_WAIT_WARN_SECONDS = 5 * 60;
/**
 * Not yet applied this long: the worker is not keeping up or not working (an event's retries
 * with backoff from 2 s are over in under 10 minutes, after which it is dead, not waiting).
 */
export const WEBHOOK_WAIT_BLOCKER_SECONDS = 30 * 60;
/** This many webhook jobs waiting: a backlog worth a look even when the oldest is young. */
export const WEBHOOK_DEPTH_WARN = 1000;

function ago(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** Whether a worker is running against this database: its last heartbeat is recent. */
export async function checkWorker(db: Database): Promise<Finding> {
  const name = 'worker';
  const [table] = await db.execute<{ exists: boolean }>(sql`select to_regclass(${`${BOSS_SCHEMA}.version`}) is not null as exists`);
  if (!table?.exists) return blocker(name, 'the job queue is not installed, so no worker can run: run `npm run db:migrate`');
  const [beat] = await db.execute<{ age: number | null }>(sql`select extract(epoch from now() - cron_on)::float8 as age from ${sql.identifier(BOSS_SCHEMA)}.version`);
  const age = beat?.age ?? null;
  const start = 'start it (npm start runs one beside the web server; or npm run worker)';
  if (age === null) return blocker(name, `no worker has ever run against this database: ${start}`);
  if (age > WORKER_STALE_AFTER_SECONDS) return blocker(name, `not running: last seen ${ago(age)} (a running worker is seen every 30 s); ${start}`);
  return ok(name, `running: last seen ${ago(Math.max(age, 0))}`);
}

/**
 * Whether webhooks are being applied: how many verified events wait and for how long (from the
 * ledger), how deep the webhook queue is, and what needs an admin (dead events, failed jobs).
 */
export async function checkQueue(db: Database): Promise<Finding> {
  const name = 'queue';
  const [waiting] = await db.execute<{ events: number; oldest: number | null }>(sql`
    select count(*)::int as events, extract(epoch from now() - min(received_at))::float8 as oldest
    from webhook_events where status in ('pending', 'processing', 'failed')`);
  const [dead] = await db.execute<{ events: number }>(sql`select count(*)::int as events from webhook_events where status = 'dead'`);
  const [depth] = await db.execute<{ jobs: number }>(sql`
    select count(*)::int as jobs from ${sql.identifier(BOSS_SCHEMA)}.job where name = ${WEBHOOK_QUEUE} and state in ('created', 'retry', 'active')`);
  const failed = await db.execute<{ name: string; jobs: number }>(sql`
    select name, count(*)::int as jobs from ${sql.identifier(BOSS_SCHEMA)}.job where state = 'failed' and name <> ${WEBHOOK_QUEUE} group by name order by name`);

  const oldest = waiting?.oldest ?? null;
  const facts = [
    `${waiting?.events ?? 0} webhook event(s) waiting${oldest === null ? '' : `, the oldest received ${ago(oldest)}`}`,
    `${depth?.jobs ?? 0} webhook job(s) queued`,
  ];
  if (oldest !== null && oldest > WEBHOOK_WAIT_BLOCKER_SECONDS) return blocker(name, `${facts.join(', ')}: events are not being applied; look at the worker's log`);

  const attention: string[] = [];
  if (oldest !== null && oldest > WEBHOOK_WAIT_WARN_SECONDS) attention.push('events are applied late');
  if ((depth?.jobs ?? 0) > WEBHOOK_DEPTH_WARN) attention.push(`more than ${WEBHOOK_DEPTH_WARN} webhook jobs queued`);
  if ((dead?.events ?? 0) > 0) attention.push(`${dead!.events} dead webhook event(s) to re-process at /admin/webhooks`);
  if (failed.length > 0) attention.push(`failed jobs: ${failed.map((row) => `${row.jobs} in ${row.name}`).join(', ')}`);
  if (attention.length > 0) return warn(name, `${facts.join(', ')}; ${attention.join('; ')}`);
  return ok(name, `healthy: ${facts.join(', ')}, none dead`);
}
