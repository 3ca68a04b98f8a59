import { is } from 'drizzle-orm';
import { PostgresJsSession } from 'drizzle-orm/postgres-js';
import type PgBoss from 'pg-boss';
import { z } from 'zod';
import type { Transaction } from '@/db/client';
import type { PaymentProviderName } from '@/lib/payments/types';

/** pg-boss keeps its tables in this schema beside Billfold's. */
export const BOSS_SCHEMA = 'pgboss';

/**
 * The channel a new job NOTIFYs, with its queue's name as the payload, in the transaction that
 * writes it (so the notification goes out when the job is committed, never before): an idle
 * worker fetches it at once instead of at its next poll (lib/jobs/worker.ts, wakeWorkers).
 */
export const JOBS_CHANNEL = 'billfold_jobs';

/** Verified provider events waiting to be applied (one job per stored webhook_events row). */
export const WEBHOOK_QUEUE = 'webhook-events';

/** How many times an event is tried before it is parked as dead for an admin to replay. */
export const WEBHOOK_MAX_ATTEMPTS = 8;

export interface WebhookJob {
  webhookEventId: string;
  /** The W3C traceparent of the endpoint span that stored the event, when tracing is on (lib/ops/tracing.ts). */
  traceparent?: string;
}

/** The sweep of abandoned checkouts (lib/billing/abandoned-checkouts.ts), sent by pg-boss's cron. */
export const CHECKOUT_SWEEP_QUEUE = 'abandoned-checkouts';

/** Every 15 minutes: an abandoned checkout is canceled at most a quarter of an hour past its age. */
export const CHECKOUT_SWEEP_CRON = '*/15 * * * *';

/** Emails waiting to be delivered (one job per `emails` row; the row is the truth, the job a nudge). */
export const EMAIL_QUEUE = 'email-delivery';

/**
 * How many times an email is tried before it is marked failed for an admin. With pg-boss's
 * jittered backoff from a minute, the attempts span 9 to 17 hours: long enough to ride out an
 * SMTP provider's outage, short enough that a receipt is not days late.
 */
export const EMAIL_MAX_ATTEMPTS = 10;

export interface EmailJob {
  emailId: string;
}

/**
 * Payments of an order another payment has already paid: one that took money too (card and
 * PayPal both succeeding on one order) is refunded, one still open is canceled, one job per
 * payment (lib/billing/duplicate-payments.ts).
 */
export const DUPLICATE_PAYMENT_QUEUE = 'duplicate-payments';

/**
 * How many times a duplicate's refund is tried before an operator must refund it by hand. With
 * backoff from 10 s the attempts span about three hours: a provider outage, not a refusal.
 */
export const DUPLICATE_PAYMENT_MAX_ATTEMPTS = 10;

export interface DuplicatePaymentJob {
  /** Our payments.id of the duplicate. */
  paymentId: string;
}

/**
 * Subscriptions moving to another provider whose old subscription has ended: the job starts the
 * new one on the saved card (lib/billing/provider-switch.ts). Backoff from 10 s over about three
 * hours: a provider outage, after which an operator must look (the subscriber has no plan).
 */
export const SUBSCRIPTION_SWITCH_QUEUE = 'subscription-switches';

export const SUBSCRIPTION_SWITCH_MAX_ATTEMPTS = 10;

export interface SubscriptionSwitchJob {
  /** Our subscription_switches.id. */
  switchId: string;
}

/**
 * Subscriptions the buyer approved at the provider after Billfold had given them up (they chose
 * another plan or provider before approving, from a window left open): the job ends each at the
 * provider and gives back what it collected (lib/billing/disowned-subscriptions.ts). Backoff from
 * 10 s over about three hours, after which an operator must refund by hand.
 */
export const DISOWNED_SUBSCRIPTION_QUEUE = 'disowned-subscriptions';

export const DISOWNED_SUBSCRIPTION_MAX_ATTEMPTS = 10;

export interface DisownedSubscriptionJob {
  /** Our subscriptions.id of the given-up subscription. */
  subscriptionId: string;
}

/**
 * Reconciliation runs (lib/billing/reconciliation.ts): daily by pg-boss's cron (every provider
 * that can list), and on demand from the admin console (one provider).
 */
export const RECONCILIATION_QUEUE = 'reconciliation';

/** Daily at 03:30 UTC, a quiet hour for most shops. */
export const RECONCILIATION_CRON = '30 3 * * *';

export interface ReconciliationJob {
  /** One provider (an admin's "Run now"); every provider that can list when left out (the cron's job is `{}`). */
  provider?: PaymentProviderName;
  /** The admin's user id; the cron's jobs say nothing and are the schedule's. */
  requestedBy?: string;
}

/**
 * WEBHOOK_RETRY_FIXED_DELAY_SECONDS, when set, retries a failed webhook event every that many
 * seconds instead of with backoff from 2 s: the same number of attempts, over seconds rather
 * than minutes, so the browser tests can see an event die (and be re-processed) within a test's
 * time. Read where the queue is created (migrations and the worker's start), not per job.
 */
const WebhookRetryEnv = z.object({ WEBHOOK_RETRY_FIXED_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).optional() });

function webhookRetry(): Pick<PgBoss.Queue, 'retryDelay' | 'retryBackoff'> {
  const parsed = WebhookRetryEnv.safeParse(process.env);
  if (!parsed.success) throw new Error('WEBHOOK_RETRY_FIXED_DELAY_SECONDS must be a whole number of seconds from 1 to 3600');
  const fixed = parsed.data.WEBHOOK_RETRY_FIXED_DELAY_SECONDS;
  return fixed ? { retryDelay: fixed, retryBackoff: false } : { retryDelay: 2, retryBackoff: true };
}

/**
 * Retry policy per queue. Webhook events: exponential backoff from 2 s; a job running 60 s is
 * presumed dead. The sweep: `stately` keeps at most one run waiting and one running, so a slow
 * run never piles up ticks behind it; a failed run is not retried, the next tick is the retry.
 * Email: backoff from 60 s (an SMTP outage lasts minutes to hours); the SMTP client gives up well
 * within the 120 s after which a job is presumed dead (lib/mail/smtp.ts). Duplicate payments:
 * backoff from 10 s; a job holds its payment's lock over a few provider calls, so 120 s is dead.
 */
export const QUEUE_OPTIONS: Record<string, Omit<PgBoss.Queue, 'name'>> = {
  [WEBHOOK_QUEUE]: { retryLimit: WEBHOOK_MAX_ATTEMPTS - 1, ...webhookRetry(), expireInSeconds: 60 },
  [CHECKOUT_SWEEP_QUEUE]: { policy: 'stately', retryLimit: 0, expireInSeconds: 60 * 60 },
  [EMAIL_QUEUE]: { retryLimit: EMAIL_MAX_ATTEMPTS - 1, retryDelay: 60, retryBackoff: true, expireInSeconds: 120 },
  [DUPLICATE_PAYMENT_QUEUE]: { retryLimit: DUPLICATE_PAYMENT_MAX_ATTEMPTS - 1, retryDelay: 10, retryBackoff: true, expireInSeconds: 120 },
  [SUBSCRIPTION_SWITCH_QUEUE]: { retryLimit: SUBSCRIPTION_SWITCH_MAX_ATTEMPTS - 1, retryDelay: 10, retryBackoff: true, expireInSeconds: 120 },
  [DISOWNED_SUBSCRIPTION_QUEUE]: { retryLimit: DISOWNED_SUBSCRIPTION_MAX_ATTEMPTS - 1, retryDelay: 10, retryBackoff: true, expireInSeconds: 120 },
  // Like the sweep: one waiting and one running at most; a failed run waits for the next day or an admin.
  [RECONCILIATION_QUEUE]: { policy: 'stately', retryLimit: 0, expireInSeconds: 2 * 60 * 60 },
};

/** Executes pg-boss's SQL inside a postgres.js transaction, so a job commits with the row it is about. */
function bossExecutor(tx: { unsafe(query: string, parameters?: never[], options?: { prepare?: boolean }): Promise<unknown> }): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      // pg-boss is written for node-postgres, which sends undefined as null and plain objects as
      // JSON; postgres.js wants both spelled out.
      const parameters = values.map((value) => {
        if (value === undefined) return null;
        if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
        return value;
      });
      // Prepared: pg-boss sends the same few statements over and over, and planning its job
      // insert anew each time cost more than the rest of a webhook's ingestion.
      const rows = (await tx.unsafe(text, parameters as never[], { prepare: true })) as unknown[];
      return { rows };
    },
  };
}

/**
 * Executes pg-boss's SQL inside a Drizzle transaction: Drizzle runs each transaction on a
 * postgres.js transaction of its own, and pg-boss's statements join it there.
 */
export function transactionExecutor(tx: Transaction): PgBoss.Db {
  const session = tx._.session;
  if (!is(session, PostgresJsSession)) throw new Error('a job can only join a transaction of the postgres.js Drizzle client');
  return bossExecutor(session.client);
}
