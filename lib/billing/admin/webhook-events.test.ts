import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users, webhookEvents } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import type { SessionUser } from '@/lib/auth/users';
import { WEBHOOK_QUEUE } from '@/lib/jobs/queues';
import { recordWebhookEvent } from '@/lib/jobs/webhook-ledger';
import type { PaymentProviderName } from '@/lib/payments/types';
import { isolatedDatabase } from '@/test/database';
import { userFacingError } from '@/test/errors';
import {
  deadEventsByType,
  listWebhookEvents,
  parseWebhookEventQuery,
  REDACTED,
  redactSecrets,
  REPROCESS_ALL_LIMIT,
  reprocessDeadEventsOfType,
  reprocessWebhookEvent,
  webhookHealth,
  type WebhookEventStatus,
} from './webhook-events';

const t = isolatedDatabase();
let admin: SessionUser;
let support: SessionUser;
/** The endpoint's own way in: recordWebhookEvent takes a postgres.js client. */
let ledger: postgres.Sql;

afterAll(async () => {
  await ledger.end();
});

beforeAll(async () => {
  ledger = postgres(t.url, { max: 2, onnotice: () => {} });
  const [a, s] = await t.db
    .insert(users)
    .values([
      { email: 'ops-admin@example.com', role: 'admin' },
      { email: 'ops-support@example.com', role: 'support' },
    ])
    .returning();
  admin = { id: a!.id, email: a!.email, name: null, role: 'admin' };
  support = { id: s!.id, email: s!.email, name: null, role: 'support' };
});

let sequence = 0;
interface Stored {
  id: string;
  eventId: string;
}

/** An event stored the way the endpoint stores it (with its job), then set to `status`. */
async function storedEvent(options: { status?: WebhookEventStatus; type?: string; provider?: PaymentProviderName; receivedAt?: string; attempts?: number } = {}): Promise<Stored> {
  const eventId = `evt_admin_${++sequence}_${crypto.randomUUID().slice(0, 8)}`;
  const type = options.type ?? 'charge.refunded';
  await recordWebhookEvent(ledger, { provider: options.provider ?? 'stripe', eventId, type, payloadJson: JSON.stringify({ id: eventId, type, data: { object: { id: 'ch_1' } } }) });
  const [row] = await t.db
    .update(webhookEvents)
    .set({
      status: options.status ?? 'pending',
      attempts: options.attempts ?? (options.status === 'dead' ? 8 : 0),
      lastError: options.status === 'dead' || options.status === 'failed' ? 'stripe is unavailable' : null,
      ...(options.receivedAt ? { receivedAt: sql`${options.receivedAt}::timestamptz` } : {}),
    })
    .where(eq(webhookEvents.eventId, eventId))
    .returning({ id: webhookEvents.id });
  // A dead event's job has finished: the worker settled it as dead.
  if (options.status === 'dead') await t.db.execute(sql`update pgboss.job set state = 'completed', completed_on = now() where name = ${WEBHOOK_QUEUE} and id = ${row!.id}`);
  return { id: row!.id, eventId };
}

async function liveJobs(eventId: string) {
  return t.db.execute<{ id: string; state: string; due: boolean }>(
    sql`select id, state::text, start_after <= now() as due from pgboss.job where name = ${WEBHOOK_QUEUE} and state in ('created', 'retry', 'active') and data->>'webhookEventId' = ${eventId}`,
  );
}

async function auditOf(subjectId: string) {
  return t.db.select().from(auditLog).where(eq(auditLog.subjectId, subjectId));
}

describe('the webhook events list', () => {
  it('filters by status, provider, type and received date, newest first', async () => {
    const type = `filter.${sequence}`;
    const old = await storedEvent({ type, status: 'processed', receivedAt: '2026-01-10T12:00:00Z' });
    const dead = await storedEvent({ type, status: 'dead', receivedAt: '2026-01-11T12:00:00Z' });
    const paypal = await storedEvent({ type, provider: 'paypal', status: 'dead', receivedAt: '2026-01-12T12:00:00Z' });
    const ids = async (params: Record<string, string>) => (await listWebhookEvents(t.db, parseWebhookEventQuery({ type, ...params }))).rows.map((row) => row.id);

    expect(await ids({})).toEqual([paypal.id, dead.id, old.id]);
    expect(await ids({ status: 'dead' })).toEqual([paypal.id, dead.id]);
    expect(await ids({ status: 'dead', provider: 'stripe' })).toEqual([dead.id]);
    expect(await ids({ from: '2026-01-11', to: '2026-01-11' })).toEqual([dead.id]);
    expect(await ids({ to: '2026-01-10T23:59:59Z' })).toEqual([old.id]);
  });

  it('pages by keyset: events received while someone pages neither repeat nor push older ones out of sight', async () => {
    const type = `keyset.${sequence}`;
    const first: Stored[] = [];
    // Five at the very same instant: the id breaks the tie.
    for (let i = 0; i < 5; i++) first.push(await storedEvent({ type, receivedAt: '2026-02-01T00:00:00.123456Z' }));
    for (let i = 0; i < 3; i++) first.push(await storedEvent({ type, receivedAt: `2026-02-0${i + 2}T00:00:00Z` }));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listWebhookEvents(t.db, parseWebhookEventQuery({ type, limit: '3', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.rows.map((row) => row.id));
      cursor = page.nextCursor;
      // Newer events arrive between pages.
      await storedEvent({ type });
      pages++;
    } while (cursor && pages < 10);

    expect(seen).toHaveLength(first.length);
    expect(new Set(seen)).toEqual(new Set(first.map((event) => event.id)));
  });

  it('refuses a damaged page link or an unknown status with a message, not a crash', async () => {
    expect((await userFacingError(Promise.resolve().then(() => parseWebhookEventQuery({ cursor: 'bm90IGEgY3Vyc29y' })))).code).toBe('invalid_cursor');
    expect((await userFacingError(Promise.resolve().then(() => parseWebhookEventQuery({ status: 'exploded' })))).code).toBe('invalid_filter');
  });
});

describe('what the console shows of a payload', () => {
  it('replaces credentials and card numbers wherever they are, and keeps everything else', () => {
    const payload = {
      id: 'evt_1',
      data: { object: { id: 'pi_1', client_secret: 'pi_1_secret_abc', amount: 3600, latest_charge: { payment_method_details: { card: { last4: '4242' } } }, note: '4242424242424242' } },
      nested: [{ api_key: 'sk_test_123' }, 'whsec_test_abc', 'sk_live_zzz'],
      empty_token: null,
    };
    expect(redactSecrets(payload)).toEqual({
      id: 'evt_1',
      data: { object: { id: 'pi_1', client_secret: REDACTED, amount: 3600, latest_charge: { payment_method_details: { card: { last4: '4242' } } }, note: REDACTED } },
      nested: [{ api_key: REDACTED }, REDACTED, REDACTED],
      empty_token: null,
    });
  });
});

describe('re-processing one event', () => {
  it('re-enqueues a dead event once even when clicked twice at the same moment, and audits it once', async () => {
    const dead = await storedEvent({ status: 'dead' });
    const results = await Promise.all([reprocessWebhookEvent(t.db, admin, dead.id), reprocessWebhookEvent(t.db, admin, dead.id)]);
    expect(results.map((result) => result.outcome).sort()).toEqual(['queued', 'unchanged']);
    // And again after it is queued: nothing more.
    expect(await reprocessWebhookEvent(t.db, admin, dead.id)).toEqual({ outcome: 'unchanged', status: 'pending' });

    const jobs = await liveJobs(dead.id);
    expect(jobs).toHaveLength(1);
    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, dead.id));
    // Its attempts start afresh, so the new job's retries and the event's count agree.
    expect(row).toMatchObject({ status: 'pending', attempts: 0, lastError: 'stripe is unavailable' });
    const audit = await auditOf(dead.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'webhook_event.reprocessed',
      actorKind: 'user',
      actorUserId: admin.id,
      subjectType: 'webhook_event',
      data: { provider: 'stripe', eventId: dead.eventId, type: 'charge.refunded', before: { status: 'dead', attempts: 8, lastError: 'stripe is unavailable' }, after: { status: 'pending', attempts: 0 } },
    });
  });

  it('brings a failed event’s own retry forward instead of adding a second job, keeping its attempts', async () => {
    const failed = await storedEvent({ status: 'failed', attempts: 3 });
    await t.db.execute(sql`update pgboss.job set state = 'retry', retry_count = 2, start_after = now() + interval '1 hour' where name = ${WEBHOOK_QUEUE} and id = ${failed.id}`);
    expect(await reprocessWebhookEvent(t.db, admin, failed.id)).toEqual({ outcome: 'queued' });
    const jobs = await liveJobs(failed.id);
    expect(jobs).toEqual([{ id: failed.id, state: 'retry', due: true }]);
    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, failed.id));
    expect(row).toMatchObject({ status: 'pending', attempts: 3 });
  });

  it('leaves a pending, processing, processed or ignored event as it is, with no job and no audit entry', async () => {
    for (const status of ['processed', 'ignored'] as const) {
      const event = await storedEvent({ status });
      await t.db.execute(sql`update pgboss.job set state = 'completed' where name = ${WEBHOOK_QUEUE} and id = ${event.id}`);
      expect(await reprocessWebhookEvent(t.db, admin, event.id)).toEqual({ outcome: 'unchanged', status });
      expect(await liveJobs(event.id)).toHaveLength(0);
      expect(await auditOf(event.id)).toHaveLength(0);
    }
  });

  it('refuses support, whatever a page or action forgot, and changes nothing', async () => {
    const dead = await storedEvent({ status: 'dead' });
    await expect(reprocessWebhookEvent(t.db, support, dead.id)).rejects.toBeInstanceOf(AuthorizationError);
    await expect(reprocessDeadEventsOfType(t.db, support, { provider: 'stripe', type: 'charge.refunded' })).rejects.toBeInstanceOf(AuthorizationError);
    const [row] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, dead.id));
    expect(row?.status).toBe('dead');
    expect(await liveJobs(dead.id)).toHaveLength(0);
    expect(await auditOf(dead.id)).toHaveLength(0);
  });

  it('says an unknown event does not exist', async () => {
    expect((await userFacingError(reprocessWebhookEvent(t.db, admin, crypto.randomUUID()))).code).toBe('not_found');
    expect((await userFacingError(reprocessWebhookEvent(t.db, admin, 'not-an-id'))).code).toBe('not_found');
  });
});

describe('re-processing every dead event of a type', () => {
  it('re-enqueues the dead events of that provider and type only, and audits once with the count', async () => {
    const type = `bulk.${sequence}`;
    const dead = [await storedEvent({ type, status: 'dead' }), await storedEvent({ type, status: 'dead' })];
    const otherProvider = await storedEvent({ type, provider: 'paypal', status: 'dead' });
    const alive = await storedEvent({ type, status: 'processed' });

    expect(await reprocessDeadEventsOfType(t.db, admin, { provider: 'stripe', type })).toEqual({ count: 2, remaining: 0 });
    for (const event of dead) expect(await liveJobs(event.id)).toHaveLength(1);
    const statuses = await t.db.select({ id: webhookEvents.id, status: webhookEvents.status }).from(webhookEvents).where(eq(webhookEvents.type, type));
    expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({ [dead[0]!.id]: 'pending', [dead[1]!.id]: 'pending', [otherProvider.id]: 'dead', [alive.id]: 'processed' });
    const audit = await auditOf(`stripe:${type}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'webhook_event.bulk_reprocessed', subjectType: 'webhook_event_type', actorUserId: admin.id, data: { provider: 'stripe', type, count: 2, remaining: 0 } });
    expect(new Set((audit[0]!.data as { eventIds: string[] }).eventIds)).toEqual(new Set(dead.map((event) => event.id)));

    // Again: nothing is dead, nothing is done, nothing is audited.
    expect(await reprocessDeadEventsOfType(t.db, admin, { provider: 'stripe', type })).toEqual({ count: 0, remaining: 0 });
    expect(await auditOf(`stripe:${type}`)).toHaveLength(1);
  });

  it('takes a bounded number at a time and says how many remain', async () => {
    const type = `bounded.${sequence}`;
    await t.db.execute(sql`
      insert into webhook_events (provider, event_id, type, payload, status, attempts)
      select 'stripe', 'evt_bounded_' || n, ${type}, '{}'::jsonb, 'dead', 8 from generate_series(1, ${REPROCESS_ALL_LIMIT + 3}) n`);
    expect(await reprocessDeadEventsOfType(t.db, admin, { provider: 'stripe', type })).toEqual({ count: REPROCESS_ALL_LIMIT, remaining: 3 });
    expect(await reprocessDeadEventsOfType(t.db, admin, { provider: 'stripe', type })).toEqual({ count: 3, remaining: 0 });
  });
});

describe('the overview’s webhook health', () => {
  it('counts dead events and flags a pending event waiting over a minute', async () => {
    const before = await webhookHealth(t.db);
    await storedEvent({ status: 'dead', type: 'health.dead' });
    const withDead = await webhookHealth(t.db);
    expect(withDead.dead).toBe(before.dead + 1);
    await storedEvent({ receivedAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    const stale = await webhookHealth(t.db);
    expect(stale.pendingStale).toBe(true);
    expect(stale.oldestPendingWaitSeconds).toBeGreaterThanOrEqual(299);
    expect((await deadEventsByType(t.db)).find((group) => group.type === 'health.dead')).toEqual({ provider: 'stripe', type: 'health.dead', count: 1 });
  });
});
