import { eq, inArray, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import { webhookEvents } from '@/db/schema';
import { applyBillingChange } from '@/lib/billing/payment-events';
import { log } from '@/lib/log';
import { stripeEventAction, type StripeEventAction } from '@/lib/payments/stripe/events';
import { WEBHOOK_MAX_ATTEMPTS } from './queues';

export interface WebhookDeps {
  db: Database;
  stripe: Stripe;
}

type EventRow = typeof webhookEvents.$inferSelect;

// A batch applies a few objects at a time rather than all fifty at once: a burst of re-fetches
// and transactions would take the CPU from the web process, whose webhook answers must stay
// fast while a backlog drains. Four keep the drain well above the rate providers send at.
const GROUPS_AT_ONCE = 4;

async function forEachAtMost<T>(limit: number, items: T[], apply: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await apply(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Turns a stored event into the action its provider's mapping asks for (null: ignored type). */
function actionFor(deps: WebhookDeps, row: EventRow): StripeEventAction | null {
  if (row.provider === 'stripe') return stripeEventAction(deps.stripe, row.payload as Stripe.Event);
  return null;
}

async function markFailed(deps: WebhookDeps, row: EventRow, error: unknown): Promise<Error | null> {
  const dead = row.attempts >= WEBHOOK_MAX_ATTEMPTS;
  const message = error instanceof Error ? error.message : String(error);
  await deps.db
    .update(webhookEvents)
    .set({ status: dead ? 'dead' : 'failed', lastError: message.slice(0, 2000), updatedAt: sql`now()` })
    .where(eq(webhookEvents.id, row.id));
  log.warn({ webhookEventId: row.id, type: row.type, attempt: row.attempts, dead, err: error }, 'webhook event failed');
  // A dead event is settled (parked for an admin); anything else goes back to the queue.
  return dead ? null : error instanceof Error ? error : new Error(message);
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
  const groups = new Map<string, { action: StripeEventAction; rows: EventRow[] }>();
  for (const row of rows) {
    let action: StripeEventAction | null;
    try {
      action = actionFor(deps, row);
    } catch (error) {
      const retry = await markFailed(deps, row, error);
      if (retry) failures.set(row.id, retry);
      continue;
    }
    if (!action) ignored.push(row.id);
    else {
      const group = groups.get(action.target) ?? { action, rows: [] };
      group.rows.push(row);
      groups.set(action.target, group);
    }
  }
  if (ignored.length > 0) {
    await deps.db.update(webhookEvents).set({ status: 'ignored', processedAt: sql`now()`, lastError: null, updatedAt: sql`now()` }).where(inArray(webhookEvents.id, ignored));
  }
  const applied: string[] = [];
  await forEachAtMost(GROUPS_AT_ONCE, [...groups.values()], async ({ action, rows: groupRows }) => {
    try {
      await applyBillingChange(deps.db, action.key, action.refetch);
      applied.push(...groupRows.map((row) => row.id));
    } catch (error) {
      for (const row of groupRows) {
        const retry = await markFailed(deps, row, error);
        if (retry) failures.set(row.id, retry);
      }
    }
  });
  // One write for the whole batch. A worker that dies before it leaves these `processing`; their
  // jobs come back and apply them again, which changes nothing (the effects are idempotent).
  if (applied.length > 0) {
    await deps.db.update(webhookEvents).set({ status: 'processed', processedAt: sql`now()`, lastError: null, updatedAt: sql`now()` }).where(inArray(webhookEvents.id, applied));
  }
  return failures;
}

/** Applies one stored event; throws when it should be retried. */
export async function processWebhookEvent(deps: WebhookDeps, webhookEventId: string): Promise<void> {
  const failure = (await processWebhookEvents(deps, [webhookEventId])).get(webhookEventId);
  if (failure) throw failure;
}
