import { inArray } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '@/db/client';
import { webhookEvents } from '@/db/schema';
import type { PaymentRegistry } from '@/lib/payments';
import { registryThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { recordWebhookEvent } from './webhook-ledger';
import { startWorker, type WorkerDeps } from './worker';

const t = isolatedSandbox();
let db: Database;
let sql: Sql;
let closeDb: () => Promise<void>;
let deps: WorkerDeps;
let registry: PaymentRegistry;
let worker: PgBoss | undefined;

// Long enough that anything applied within a second or two was woken, not polled: pg-boss
// fetches once at start, then sleeps this long between empty polls.
const SLOW_POLLING_SECONDS = 60;

beforeAll(async () => {
  const connection = connect(t.databaseUrl);
  db = connection.db;
  sql = connection.sql;
  closeDb = () => connection.sql.end({ timeout: 5 });
  registry = registryThrough(t.stripe);
  deps = { db, payments: registry, abandonCheckoutsAfterHours: 24, mail: { mode: 'off' } };
});

afterAll(async () => {
  await worker?.stop({ graceful: false, close: true });
  await closeDb?.();
});

/** Stores `count` Stripe events of a type Billfold ignores, as the webhook endpoint stores them; their ids. */
async function storeEvents(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `evt_wake_${crypto.randomUUID()}`);
  await Promise.all(
    ids.map((eventId) =>
      recordWebhookEvent(sql, { provider: 'stripe', eventId, type: 'customer.created', payloadJson: JSON.stringify({ id: eventId, type: 'customer.created', data: { object: {} } }) }),
    ),
  );
  return ids;
}

async function settled(eventIds: string[]) {
  return db.select({ status: webhookEvents.status, attempts: webhookEvents.attempts }).from(webhookEvents).where(inArray(webhookEvents.eventId, eventIds));
}

/** Milliseconds until every one of the events is settled (ignored: their type needs nothing). */
async function millisecondsUntilApplied(eventIds: string[], timeoutMs: number): Promise<number> {
  const started = performance.now();
  await expect
    .poll(async () => (await settled(eventIds)).filter((row) => row.status === 'ignored').length, { timeout: timeoutMs, interval: 20 })
    .toBe(eventIds.length);
  return performance.now() - started;
}

/** The worker's LISTEN connection, as PostgreSQL sees it (this file's database is its own). */
async function listenerPid(): Promise<number | undefined> {
  const [row] = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`;
  return row?.pid;
}

describe('the worker woken by NOTIFY', () => {
  it('applies a stored webhook event well within the polling interval: the NOTIFY sent on commit wakes it', async () => {
    worker = await startWorker(t.databaseUrl, deps, { pollingIntervalSeconds: SLOW_POLLING_SECONDS });
    const elapsed = await millisecondsUntilApplied(await storeEvents(1), 5_000);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('applies a burst of 200 events, each exactly once', async () => {
    const ids = await storeEvents(200);
    await millisecondsUntilApplied(ids, 15_000);
    const rows = await settled(ids);
    expect(rows.map((row) => row.attempts)).toEqual(ids.map(() => 1));
  });

  it('applies a burst stored in one transaction, which sends one NOTIFY, batch after batch without waiting for the poll', async () => {
    const ids = Array.from({ length: 180 }, () => `evt_wake_${crypto.randomUUID()}`);
    // PostgreSQL sends a transaction's identical notifications once: one wake for four batches.
    await sql.begin(async (tx) => {
      for (const eventId of ids) {
        await recordWebhookEvent(tx, { provider: 'stripe', eventId, type: 'customer.created', payloadJson: JSON.stringify({ id: eventId, type: 'customer.created', data: { object: {} } }) });
      }
    });
    expect(await millisecondsUntilApplied(ids, 20_000)).toBeLessThan(10_000);
  });

  it('listens again after its connection is killed, and catches up on the jobs stored meanwhile', async () => {
    const before = await listenerPid();
    expect(before).toBeDefined();
    await sql`select pg_terminate_backend(${before!})`;
    // Stored while nobody listens: its NOTIFY is lost, and the worker fetches it once it listens again.
    const missed = await storeEvents(1);
    await millisecondsUntilApplied(missed, 5_000);
    await expect.poll(listenerPid, { timeout: 5_000 }).not.toBe(before);
    await expect.poll(listenerPid, { timeout: 5_000 }).toBeDefined();
    expect(await millisecondsUntilApplied(await storeEvents(1), 5_000)).toBeLessThan(2_000);
  });

  it('still applies jobs by polling when it cannot LISTEN at all', async () => {
    await worker?.stop({ graceful: false, close: true });
    // Nothing listens on port 1: the worker polls every second and keeps trying to listen.
    worker = await startWorker(t.databaseUrl, deps, { pollingIntervalSeconds: 1, notificationsUrl: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(await listenerPid()).toBeUndefined();
    const elapsed = await millisecondsUntilApplied(await storeEvents(1), 10_000);
    // Polled: within about one interval (plus a batch), as before push existed.
    expect(elapsed).toBeLessThan(3_000);
  });
});
