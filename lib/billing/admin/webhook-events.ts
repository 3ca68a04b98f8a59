import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Transaction } from '@/db/client';
import { auditLog, paymentProvider, payments, webhookEvents, webhookEventStatus } from '@/db/schema';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { sendInTransaction } from '@/lib/jobs/boss';
import { BOSS_SCHEMA, WEBHOOK_QUEUE, type WebhookJob } from '@/lib/jobs/queues';
import { passesLuhn } from '@/lib/luhn';
import type { PaymentRegistry } from '@/lib/payments';
import type { PaymentProviderName, WebhookAction } from '@/lib/payments/types';
import { auditEntriesFor, type AuditEntry } from './audit';
import { beforeCursor, cursorText, dateBounds, encodeCursor, Instant, Limit, parseListQuery, CursorParam, type SearchParams } from './query';

/**
 * The inbound-webhook console: every event a provider sent that verified and was stored
 * (db/schema/webhooks.ts), what became of it, and re-processing one that failed or died.
 */

export type WebhookEventStatus = (typeof webhookEventStatus.enumValues)[number];

export const WebhookEventQuery = z.object({
  status: z.enum(webhookEventStatus.enumValues).optional(),
  provider: z.enum(paymentProvider.enumValues).optional(),
  /** The provider's own event type, exactly (`charge.refunded`, `PAYMENT.CAPTURE.COMPLETED`). */
  type: z
    .string()
    .trim()
    .max(200)
    .regex(/^[A-Za-z0-9_.-]+$/, 'An event type is letters, digits, dots, dashes and underscores, as the provider names it.')
    .optional(),
  /** Received on or after (a date alone: that day's start, UTC). */
  from: Instant.optional(),
  /** Received before (a date alone includes that whole day, UTC). */
  to: Instant.optional(),
  cursor: CursorParam.optional(),
  limit: Limit,
});
export type WebhookEventQuery = z.output<typeof WebhookEventQuery>;

export function parseWebhookEventQuery(params: SearchParams): WebhookEventQuery {
  return parseListQuery(WebhookEventQuery, params);
}

export interface WebhookEventRow {
  id: string;
  provider: PaymentProviderName;
  eventId: string;
  type: string;
  status: WebhookEventStatus;
  attempts: number;
  lastError: string | null;
  receivedAt: Date;
  processedAt: Date | null;
}

export interface WebhookEventPage {
  rows: WebhookEventRow[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const LIST_COLUMNS = {
  id: webhookEvents.id,
  provider: webhookEvents.provider,
  eventId: webhookEvents.eventId,
  type: webhookEvents.type,
  status: webhookEvents.status,
  attempts: webhookEvents.attempts,
  lastError: webhookEvents.lastError,
  receivedAt: webhookEvents.receivedAt,
  processedAt: webhookEvents.processedAt,
};

/** One page of stored events, newest received first, keyset-paged on (received_at, id). */
export async function listWebhookEvents(db: Database, query: WebhookEventQuery): Promise<WebhookEventPage> {
  const where: (SQL | undefined)[] = [
    query.status ? eq(webhookEvents.status, query.status) : undefined,
    query.provider ? eq(webhookEvents.provider, query.provider) : undefined,
    query.type ? eq(webhookEvents.type, query.type) : undefined,
    ...dateBounds(webhookEvents.receivedAt, query.from, query.to),
    query.cursor ? beforeCursor(webhookEvents.receivedAt, webhookEvents.id, query.cursor) : undefined,
  ];
  const rows = await db
    .select({ ...LIST_COLUMNS, cursorAt: cursorText(webhookEvents.receivedAt) })
    .from(webhookEvents)
    .where(and(...where))
    .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
    // One row more than the page tells whether another page follows without counting.
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ cursorAt: _, ...row }) => row),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
  };
}

// Keys whose values are credentials wherever they appear (a PaymentIntent's client_secret lets
// whoever holds it confirm the payment from a browser), and values that are credentials whatever
// their key is called.
const SECRET_KEY = /secret|password|passwd|token|signature|api[-_]?key|authorization|cookie|cvc|cvv|pin$/i;
const SECRET_VALUE = /^(sk|rk|whsec)_(test|live)_|_secret_|^Bearer\s/i;
export const REDACTED = '[redacted]';

/**
 * The stored payload as the console shows it. The ledger stores only the verified body (never
 * the delivery's headers or signature), but a provider's object can carry credentials of its own
 * (Stripe's client_secret) and a card number should never appear anywhere: those are replaced.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) && inner !== null && inner !== '' ? REDACTED : redactSecrets(inner)]));
  }
  if (typeof value === 'string') {
    if (SECRET_VALUE.test(value)) return REDACTED;
    if (/^\d{13,19}$/.test(value) && passesLuhn(value)) return REDACTED;
  }
  return value;
}

export interface WebhookEventDetail extends WebhookEventRow {
  /** Pretty-printed, with credentials replaced (redactSecrets). */
  payloadText: string;
  updatedAt: Date;
  /** Every console action taken on this event (re-processing), oldest first. */
  audit: AuditEntry[];
}

/** Null when no event has this id (or it is not an id at all). */
export async function getWebhookEvent(db: Database, id: string): Promise<WebhookEventDetail | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
  if (!row) return null;
  const audit = await auditEntriesFor(db, 'webhook_event', id);
  const { payload, ...rest } = row;
  return { ...rest, payloadText: JSON.stringify(redactSecrets(payload), null, 2), audit };
}

/** What an event asks Billfold to do, as its provider classifies the stored payload now. */
export type EventClassification =
  | { outcome: 'action'; action: WebhookAction; /** Our payments.id when the action is about a payment Billfold has. */ paymentId: string | null }
  | { outcome: 'ignored' }
  | { outcome: 'unclassifiable'; reason: string };

/**
 * The provider's classification of a stored event: what the worker does with it (lib/jobs/
 * webhook-worker.ts asks the same question). Read-only: classifying changes nothing, though a
 * provider may read from its API to answer (PayPal, for a capture's order).
 */
export async function classifyWebhookEvent(db: Database, registry: PaymentRegistry, event: { provider: string; type: string; id: string }): Promise<EventClassification> {
  const [row] = await db.select({ payload: webhookEvents.payload }).from(webhookEvents).where(eq(webhookEvents.id, event.id));
  if (!row) return { outcome: 'unclassifiable', reason: 'The event is gone.' };
  let action: WebhookAction | null;
  try {
    action = await registry.get(event.provider).webhooks.classify({ type: event.type, payload: row.payload });
  } catch (error) {
    return { outcome: 'unclassifiable', reason: error instanceof Error ? error.message : String(error) };
  }
  if (!action) return { outcome: 'ignored' };
  let paymentId: string | null = null;
  if ('paymentId' in action) {
    const [payment] = await db
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.provider, event.provider as PaymentProviderName), eq(payments.providerPaymentId, action.paymentId)));
    paymentId = payment?.id ?? null;
  }
  return { outcome: 'action', action, paymentId };
}

export interface WebhookHealth {
  dead: number;
  /** When the oldest event still waiting for its first try arrived. */
  oldestPendingAt: Date | null;
  /** How long, in whole seconds, it has waited (0 with none pending). */
  oldestPendingWaitSeconds: number;
  /** Whether that wait is over a minute: the worker is down or far behind. */
  pendingStale: boolean;
}

/** What the overview's banner says: dead events, and whether pending ones wait too long. Both read through the status index, and both sets stay small. */
export async function webhookHealth(db: Database): Promise<WebhookHealth> {
  const [row] = await db
    .select({
      dead: sql<number>`count(*) filter (where ${webhookEvents.status} = 'dead')::int`,
      oldestPendingAt: sql<Date | null>`min(${webhookEvents.receivedAt}) filter (where ${webhookEvents.status} = 'pending')`.mapWith((value: string | Date | null) => (value === null ? null : new Date(value))),
      oldestPendingWaitSeconds: sql<number>`coalesce(floor(extract(epoch from now() - min(${webhookEvents.receivedAt}) filter (where ${webhookEvents.status} = 'pending'))), 0)::int`,
      pendingStale: sql<boolean>`coalesce(min(${webhookEvents.receivedAt}) filter (where ${webhookEvents.status} = 'pending') < now() - interval '1 minute', false)`,
    })
    .from(webhookEvents)
    .where(inArray(webhookEvents.status, ['dead', 'pending']));
  return { dead: row?.dead ?? 0, oldestPendingAt: row?.oldestPendingAt ?? null, oldestPendingWaitSeconds: row?.oldestPendingWaitSeconds ?? 0, pendingStale: row?.pendingStale ?? false };
}

export interface DeadEventType {
  provider: PaymentProviderName;
  type: string;
  count: number;
}

/** Dead events grouped by provider and type: what "re-process all of a type" offers. */
export async function deadEventsByType(db: Database): Promise<DeadEventType[]> {
  return db
    .select({ provider: webhookEvents.provider, type: webhookEvents.type, count: count() })
    .from(webhookEvents)
    .where(eq(webhookEvents.status, 'dead'))
    .groupBy(webhookEvents.provider, webhookEvents.type)
    .orderBy(desc(count()), asc(webhookEvents.type));
}

/**
 * Gives an event a job again. A failed event still has its own job waiting to retry (with
 * backoff): that job is brought forward rather than a second one added, so the event keeps one
 * job and the queue's retry count stays in step with the event's attempts. One whose job is
 * running now is left to it. A dead event's job has finished: it gets a new one, which pg-boss
 * writes with the queue's retry policy.
 */
async function enqueueAgain(tx: Transaction, eventId: string): Promise<void> {
  const live = await tx.execute<{ id: string; state: string }>(sql`
    with forward as (
      update ${sql.identifier(BOSS_SCHEMA)}.job set start_after = now()
      where name = ${WEBHOOK_QUEUE} and state in ('created', 'retry') and data->>'webhookEventId' = ${eventId}
      returning id, state::text
    )
    select id, state from forward
    union all
    select id, state::text from ${sql.identifier(BOSS_SCHEMA)}.job
    where name = ${WEBHOOK_QUEUE} and state = 'active' and data->>'webhookEventId' = ${eventId}`);
  if (live.length > 0) return;
  const job: WebhookJob = { webhookEventId: eventId };
  const sent = await sendInTransaction(tx, WEBHOOK_QUEUE, job);
  if (!sent) throw new Error(`the ${WEBHOOK_QUEUE} queue does not exist: run the migrations`);
}

const REPROCESSABLE: readonly WebhookEventStatus[] = ['failed', 'dead'];

export type ReprocessOutcome = { outcome: 'queued' } | { outcome: 'unchanged'; status: WebhookEventStatus };

/**
 * Applies a failed or dead event again, from the stored payload (the worker re-fetches the
 * object it names from the provider, as for any event). One effect however often it is asked:
 * the event's row is locked and moves to `pending` with its job, so a second click, or a second
 * admin at the same moment, finds it pending and changes nothing. A dead event starts its
 * attempts afresh (it gets the queue's full retries again); a failed one keeps its count, since
 * its own job, brought forward, keeps counting. Audited as `webhook_event.reprocessed`.
 */
export async function reprocessWebhookEvent(db: Database, staff: SessionUser, eventId: string): Promise<ReprocessOutcome> {
  assertCan(staff, 'webhooks.reprocess');
  if (!z.uuid().safeParse(eventId).success) throw new UserFacingError('No webhook event has this id.', 'not_found');
  return db.transaction(async (tx) => {
    const [event] = await tx.select().from(webhookEvents).where(eq(webhookEvents.id, eventId)).for('update');
    if (!event) throw new UserFacingError('No webhook event has this id.', 'not_found');
    if (!REPROCESSABLE.includes(event.status)) return { outcome: 'unchanged', status: event.status };
    const attempts = event.status === 'dead' ? 0 : event.attempts;
    await tx.update(webhookEvents).set({ status: 'pending', attempts, updatedAt: sql`now()` }).where(eq(webhookEvents.id, event.id));
    await enqueueAgain(tx, event.id);
    await tx.insert(auditLog).values({
      actorKind: 'user',
      actorUserId: staff.id,
      action: 'webhook_event.reprocessed',
      subjectType: 'webhook_event',
      subjectId: event.id,
      data: {
        provider: event.provider,
        eventId: event.eventId,
        type: event.type,
        before: { status: event.status, attempts: event.attempts, lastError: event.lastError },
        after: { status: 'pending', attempts },
      },
    });
    return { outcome: 'queued' };
  });
}

/** How many dead events one "re-process all" takes: a bounded transaction; the rest wait for the next click. */
export const REPROCESS_ALL_LIMIT = 500;

export const DeadEventsOfType = z.object({
  provider: z.enum(paymentProvider.enumValues),
  type: WebhookEventQuery.shape.type.unwrap(),
});

/**
 * After a fix: every dead event of one provider's type back to `pending` with a new job each (at
 * most REPROCESS_ALL_LIMIT, oldest first; `remaining` says how many dead ones are left). Events
 * another admin is re-processing at this moment are skipped, not waited for. Audited once, as
 * `webhook_event.bulk_reprocessed` with the count and the events' ids.
 */
export async function reprocessDeadEventsOfType(db: Database, staff: SessionUser, input: z.input<typeof DeadEventsOfType>): Promise<{ count: number; remaining: number }> {
  assertCan(staff, 'webhooks.reprocess');
  const parsed = DeadEventsOfType.safeParse(input);
  if (!parsed.success) throw new UserFacingError('Choose a provider and an event type.', 'invalid_input');
  const { provider, type } = parsed.data;
  const ofType = and(eq(webhookEvents.status, 'dead'), eq(webhookEvents.provider, provider), eq(webhookEvents.type, type));
  return db.transaction(async (tx) => {
    // Chosen and locked first, then updated by id: the bound is exact (a LIMIT inside the
    // UPDATE's own WHERE is not guaranteed to be applied once).
    const chosen = await tx
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(ofType)
      .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.id))
      .limit(REPROCESS_ALL_LIMIT)
      .for('update', { skipLocked: true });
    const requeued =
      chosen.length === 0
        ? []
        : await tx
            .update(webhookEvents)
            .set({ status: 'pending', attempts: 0, updatedAt: sql`now()` })
            .where(inArray(webhookEvents.id, chosen.map(({ id }) => id)))
            .returning({ id: webhookEvents.id });
    for (const { id } of requeued) {
      const job: WebhookJob = { webhookEventId: id };
      if (!(await sendInTransaction(tx, WEBHOOK_QUEUE, job))) throw new Error(`the ${WEBHOOK_QUEUE} queue does not exist: run the migrations`);
    }
    const [left] = await tx.select({ n: count() }).from(webhookEvents).where(ofType);
    const remaining = left?.n ?? 0;
    if (requeued.length > 0) {
      await tx.insert(auditLog).values({
        actorKind: 'user',
        actorUserId: staff.id,
        action: 'webhook_event.bulk_reprocessed',
        subjectType: 'webhook_event_type',
        subjectId: `${provider}:${type}`,
        data: { provider, type, count: requeued.length, remaining, eventIds: requeued.map(({ id }) => id) },
      });
    }
    return { count: requeued.length, remaining };
  });
}
