import { and, eq, inArray, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import { webhookEvents } from '@/db/schema';
import { applyBillingChange } from '@/lib/billing/payment-events';
import { log } from '@/lib/log';
import { stripeEventAction } from '@/lib/payments/stripe/events';
import { WEBHOOK_MAX_ATTEMPTS } from './queues';

export interface WebhookDeps {
  db: Database;
  stripe: Stripe;
}

/** Turns a stored event into the action its provider's mapping asks for (null: ignored type). */
function actionFor(deps: WebhookDeps, row: typeof webhookEvents.$inferSelect) {
  if (row.provider === 'stripe') return stripeEventAction(deps.stripe, row.payload as Stripe.Event);
  return null;
}

/**
 * Applies one stored event. Already processed, ignored or dead events are left alone, so a
 * job that runs twice (a worker killed after applying, before acknowledging) changes nothing
 * more. A failure is recorded and rethrown for pg-boss to retry with backoff; the last allowed
 * attempt parks the event as `dead` with its error, for an admin to replay.
 */
export async function processWebhookEvent(deps: WebhookDeps, webhookEventId: string): Promise<void> {
  const [row] = await deps.db
    .update(webhookEvents)
    .set({ status: 'processing', attempts: sql`${webhookEvents.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(eq(webhookEvents.id, webhookEventId), inArray(webhookEvents.status, ['pending', 'processing', 'failed'])))
    .returning();
  if (!row) return;
  try {
    const action = actionFor(deps, row);
    if (action) await applyBillingChange(deps.db, action.key, action.refetch);
    await deps.db
      .update(webhookEvents)
      .set({ status: action ? 'processed' : 'ignored', processedAt: sql`now()`, lastError: null, updatedAt: sql`now()` })
      .where(eq(webhookEvents.id, row.id));
  } catch (error) {
    const dead = row.attempts >= WEBHOOK_MAX_ATTEMPTS;
    const message = error instanceof Error ? error.message : String(error);
    await deps.db
      .update(webhookEvents)
      .set({ status: dead ? 'dead' : 'failed', lastError: message.slice(0, 2000), updatedAt: sql`now()` })
      .where(eq(webhookEvents.id, row.id));
    log.warn({ webhookEventId, type: row.type, attempt: row.attempts, dead, err: error }, 'webhook event failed');
    if (!dead) throw error;
  }
}
