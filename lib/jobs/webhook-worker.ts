import { and, DrizzleQueryError, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { payments, webhookEvents } from '@/db/schema';
import { captureApprovedPayment } from '@/lib/billing/capture';
import { applyBillingChange, applyPaymentChanges, isPaymentKey, type BillingChange, type PaymentKey } from '@/lib/billing/payment-events';
import { webhookEffect, type WebhookEffect } from '@/lib/billing/webhook-actions';
import { log } from '@/lib/log';
import type { PaymentRegistry } from '@/lib/payments';
import { PaymentDeclinedError } from '@/lib/payments/types';
import { processMetrics } from '@/lib/ops/metrics';
import { inSpan, linkFrom } from '@/lib/ops/tracing';
import { WEBHOOK_MAX_ATTEMPTS, type WebhookJob } from './queues';

export interface WebhookDeps {
  db: Database;
  /** The providers whose events are applied: each stored event is its provider's to classify. */
  payments: PaymentRegistry;
}

type EventRow = typeof webhookEvents.$inferSelect;

/** Events about the same provider object: one re-fetch settles them all. */
interface Group {
  effect: WebhookEffect;
  rows: EventRow[];
  /** What its re-fetch read and was applied; captureIfApproved goes by it. */
  applied?: BillingChange;
}

// A batch applies two objects at a time rather than all fifty at once: a burst of re-fetches and
// transactions (each a chain of worker, provider and database work) would take both cores from
// the web process, whose webhook answers must stay fast while a backlog drains. Measured with
// bench:webhooks on 2 cores: two keep the endpoint's p99 lower than four and still drain a
// 200 events/s storm as it comes (the two pg-boss workers make four chains in all).
const GROUPS_AT_ONCE = 2;

function paymentKeyName(key: PaymentKey): string {
  return `${key.provider}:${key.providerPaymentId}`;
}

async function forEachAtMost<T>(limit: number, items: T[], apply: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await apply(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * What a stored event asks for: its provider classifies it, lib/billing decides (null: a type
 * Billfold does not act on). An event of a provider this process has not registered throws
 * (UnknownPaymentProviderError), so it is retried and ends dead for an admin to see, never
 * quietly ignored.
 */
async function effectOf(deps: WebhookDeps, row: EventRow): Promise<WebhookEffect | null> {
  const provider = deps.payments.get(row.provider);
  const action = await provider.webhooks.classify({ type: row.type, payload: row.payload });
  return action ? webhookEffect(provider, action) : null;
}

/**
 * What an admin reads about a failed event. A failed database statement reports PostgreSQL's
 * own words ("violates foreign key constraint …"), not the query text Drizzle wraps them in.
 */
function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof DrizzleQueryError && error.cause instanceof Error) return error.cause.message;
  return error.message;
}

async function markFailed(deps: WebhookDeps, row: EventRow, error: unknown): Promise<Error | null> {
  const dead = row.attempts >= WEBHOOK_MAX_ATTEMPTS;
  const message = errorMessage(error);
  await deps.db
    .update(webhookEvents)
    .set({ status: dead ? 'dead' : 'failed', lastError: message.slice(0, 2000), updatedAt: sql`now()` })
    .where(eq(webhookEvents.id, row.id));
  log.warn({ webhookEventId: row.id, type: row.type, attempt: row.attempts, dead, err: error }, 'webhook event failed');
  // A dead event is settled (parked for an admin); anything else goes back to the queue.
  return dead ? null : error instanceof Error ? error : new Error(message);
}

/**
 * Writes on each classified event the provider payment it is about (a payment's, refund's or
 * dispute's event), so the admin payment page finds a payment's events by an index rather than
 * by searching payloads, whose shapes differ per provider (a PayPal refund names its capture).
 * One statement per batch, and none for events already marked (a retry, a replay).
 */
async function recordPaymentsAbout(deps: WebhookDeps, groups: Group[]): Promise<void> {
  const marks = groups.flatMap(({ effect: { key }, rows }) => {
    if (!isPaymentKey(key)) return [];
    return rows.filter((row) => row.providerPaymentId !== key.providerPaymentId).map((row) => ({ id: row.id, payment: key.providerPaymentId }));
  });
  if (marks.length === 0) return;
  await deps.db.execute(sql`
    update ${webhookEvents} set provider_payment_id = mark.payment
    from jsonb_to_recordset(${JSON.stringify(marks)}::jsonb) as mark(id uuid, payment text)
    where ${webhookEvents.id} = mark.id`);
}

/**
 * Applies stored events. Already processed, ignored or dead events are left alone, so a job
 * that runs twice (a worker killed after applying, before acknowledging) changes nothing more.
 * Events about the same provider object share one re-fetch: the object's current state settles
 * all of them at once. Returns, per event id, the error to retry with (absent: settled). The
 * last allowed attempt parks an event as `dead` with its error, for an admin to replay.
 */
export async function processWebhookEvents(deps: WebhookDeps, ids: string[]): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  if (ids.length === 0) return failures;
  const rows = await deps.db
    .update(webhookEvents)
    .set({ status: 'processing', attempts: sql`${webhookEvents.attempts} + 1`, updatedAt: sql`now()` })
    .where(sql`${inArray(webhookEvents.id, ids)} and ${inArray(webhookEvents.status, ['pending', 'processing', 'failed'])}`)
    .returning();

  const ignored: string[] = [];
  const groups = new Map<string, Group>();
  for (const row of rows) {
    let effect: WebhookEffect | null;
    try {
      effect = await effectOf(deps, row);
    } catch (error) {
      const retry = await markFailed(deps, row, error);
      if (retry) failures.set(row.id, retry);
      continue;
    }
    if (!effect) ignored.push(row.id);
    else {
      const group = groups.get(effect.target) ?? { effect, rows: [] };
      group.rows.push(row);
      groups.set(effect.target, group);
    }
  }
  await recordPaymentsAbout(deps, [...groups.values()]);
  if (ignored.length > 0) {
    await deps.db.update(webhookEvents).set({ status: 'ignored', processedAt: sql`now()`, lastError: null, updatedAt: sql`now()` }).where(inArray(webhookEvents.id, ignored));
    observeApplied(rows, ignored);
  }
  const applied: Group[] = [];
  const applyAlone = async (group: Group) => {
    const { effect, rows: groupRows } = group;
    try {
      await applyBillingChange(deps.db, effect.key, async () => (group.applied = await effect.refetch()));
      applied.push(group);
    } catch (error) {
      for (const row of groupRows) {
        const retry = await markFailed(deps, row, error);
        if (retry) failures.set(row.id, retry);
      }
    }
  };
  // Payments (a storm's usual events) are applied together, under their locks in one
  // transaction (those another batch holds wait for their own turn, alone); subscriptions and
  // anything else one object at a time. A together-batch that
  // fails is applied again one object at a time, so the failure stays with its object.
  const together = [...groups.values()].filter((group) => isPaymentKey(group.effect.key));
  const alone = [...groups.values()].filter((group) => !isPaymentKey(group.effect.key));
  if (together.length > 1) {
    const unread = new Set<Group>();
    try {
      const { busy } = await applyPaymentChanges(
        deps.db,
        together.map((group) => group.effect.key).filter(isPaymentKey),
        async (locked) => {
          const changes: BillingChange[] = [];
          const lockedNames = new Set(locked.map(paymentKeyName));
          await forEachAtMost(GROUPS_AT_ONCE, together.filter((group) => lockedNames.has(paymentKeyName(group.effect.key as PaymentKey))), async (group) => {
            try {
              changes.push((group.applied = await group.effect.refetch()));
            } catch {
              // Not read (the provider failed to answer, say): applied alone below, which retries it.
              unread.add(group);
            }
          });
          return changes;
        },
      );
      // Payments another batch was applying are applied alone below, each waiting for its own
      // lock only, now that this batch's transaction has let go of the others.
      const busyNames = new Set(busy.map(paymentKeyName));
      const waiting = together.filter((group) => busyNames.has(paymentKeyName(group.effect.key as PaymentKey)));
      for (const group of together) if (!unread.has(group) && !waiting.includes(group)) applied.push(group);
      alone.push(...unread, ...waiting);
    } catch (error) {
      log.warn({ err: error, payments: together.length }, 'applying payments together failed; applying each on its own');
      alone.push(...together);
    }
  } else {
    alone.push(...together);
  }
  await forEachAtMost(GROUPS_AT_ONCE, alone, applyAlone);
  const settled: string[] = [];
  await forEachAtMost(GROUPS_AT_ONCE, applied, async (group) => {
    try {
      await captureIfApproved(deps, group);
      settled.push(...group.rows.map((row) => row.id));
    } catch (error) {
      for (const row of group.rows) {
        const retry = await markFailed(deps, row, error);
        if (retry) failures.set(row.id, retry);
      }
    }
  });
  // One write for the whole batch. A worker that dies before it leaves these `processing`; their
  // jobs come back and apply them again, which changes nothing (the effects are idempotent).
  if (settled.length > 0) {
    await deps.db.update(webhookEvents).set({ status: 'processed', processedAt: sql`now()`, lastError: null, updatedAt: sql`now()` }).where(inArray(webhookEvents.id, settled));
    observeApplied(rows, settled);
  }
  return failures;
}

/** Apply latency: from the event being stored (its row's received_at) to now, when it is settled. */
function observeApplied(rows: EventRow[], settledIds: string[]): void {
  const settled = new Set(settledIds);
  const { webhookApplyLatency } = processMetrics();
  const now = Date.now();
  for (const row of rows) {
    if (settled.has(row.id)) webhookApplyLatency.observe({ provider: row.provider }, Math.max(0, (now - row.receivedAt.getTime()) / 1000));
  }
}

/**
 * The worker's handling of a batch of webhook jobs, in one span linked to each endpoint span
 * that stored one of its events (the traceparent in the job): a batch applies events many
 * deliveries brought, so they are links rather than one parent. Returns what
 * processWebhookEvents returns.
 */
export function applyWebhookJobs(deps: WebhookDeps, jobs: readonly { data: WebhookJob }[]): Promise<Map<string, Error>> {
  const links = jobs.map((job) => linkFrom(job.data.traceparent)).filter((link) => link !== null);
  return inSpan('webhook apply', { links, attributes: { 'billfold.webhook.events': jobs.length } }, () =>
    processWebhookEvents(deps, jobs.map((job) => job.data.webhookEventId)),
  );
}

/**
 * A payment the buyer approved whose browser never came back to have it captured (PayPal's
 * CHECKOUT.ORDER.APPROVED with no capture after it): the worker captures it, exactly as the
 * checkout would (lib/billing/capture.ts, same key), and applies the result at once rather than
 * waiting for the capture's own webhooks. A declined capture is the payment's new state, applied
 * like any other; a provider that cannot be reached fails the event, to be retried.
 */
async function captureIfApproved(deps: WebhookDeps, { effect, applied }: Group): Promise<void> {
  if (!isPaymentKey(effect.key)) return;
  const provider = deps.payments.get(effect.key.provider);
  if (!provider.capturesApprovedPayments) return;
  // The payment was just written as read (the upsert stores the provider's status), so only one
  // read as waiting for its capture can be recorded so: a storm of captured payments' events
  // costs no statement here. The recorded status is still checked for those few.
  if (applied?.kind !== 'payment' || applied.payment.status !== 'requires_capture') return;
  const [recorded] = await deps.db
    .select({ status: payments.status })
    .from(payments)
    .where(and(eq(payments.provider, effect.key.provider), eq(payments.providerPaymentId, effect.key.providerPaymentId)));
  if (recorded?.status !== 'requires_capture') return;
  try {
    const captured = await captureApprovedPayment({ db: deps.db, payments: provider.payments }, effect.key.providerPaymentId);
    if (captured.outcome === 'superseded') log.info({ provider: provider.name, paymentId: effect.key.providerPaymentId, why: captured.why }, 'approved payment left uncaptured');
  } catch (error) {
    if (!(error instanceof PaymentDeclinedError)) throw error;
    log.warn({ provider: provider.name, paymentId: effect.key.providerPaymentId, code: error.code }, 'approved payment declined at capture');
  }
  await applyBillingChange(deps.db, effect.key, effect.refetch);
}

/** Applies one stored event; throws when it should be retried. */
export async function processWebhookEvent(deps: WebhookDeps, webhookEventId: string): Promise<void> {
  const failure = (await processWebhookEvents(deps, [webhookEventId])).get(webhookEventId);
  if (failure) throw failure;
}
