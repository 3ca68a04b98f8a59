import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sql } from 'postgres';

/**
 * Prometheus metrics. Two kinds, because Billfold runs as two processes (web and worker):
 *
 * - In-process counters and histograms, in `metricsRegistry`, one per process: the web process
 *   counts the webhooks it receives, verifies and rejects (lib/jobs/webhook-endpoint.ts); the
 *   worker times how long an event waited until it was applied and counts failed email
 *   attempts. Each process serves its own: the web process at /api/metrics, the worker on
 *   WORKER_METRICS_PORT (lib/ops/metrics-server.ts). Prometheus scrapes both; `job`/`instance`
 *   tell them apart.
 * - Gauges read from PostgreSQL when /api/metrics is scraped (`databaseMetrics`): queue depth and
 *   the oldest pending job's age, dead events, failed emails, and the last 15 minutes' payment
 *   outcomes. They are the database's truth, the same whichever process asks and across
 *   restarts, and cost nothing on the hot paths: no extra statement per webhook.
 *
 * ops/alerts/billfold.rules.yml alerts on these names; metrics.test.ts checks every name it uses
 * is exported here.
 */

// Kept on globalThis: Next may evaluate this module more than once in one process (route
// bundles, dev reloads), and prom-client refuses a metric name registered twice.
const globalForMetrics = globalThis as unknown as { billfoldMetrics?: ReturnType<typeof createProcessMetrics> };

function createProcessMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'billfold_' });
  return {
    registry,
    webhooksReceived: new Counter({
      name: 'billfold_webhook_events_received_total',
      help: 'Webhook deliveries that reached the endpoint of an enabled provider.',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    webhooksVerified: new Counter({
      name: 'billfold_webhook_events_verified_total',
      help: 'Webhook deliveries whose signature verified (stored, or a duplicate of a stored event).',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
    webhooksRejected: new Counter({
      name: 'billfold_webhook_events_rejected_total',
      help: 'Webhook deliveries refused: signature (did not verify), too_large, not_enabled (provider off in this configuration), store_unavailable (the database did not store it in time: 503, delivered again).',
      labelNames: ['provider', 'reason'] as const,
      registers: [registry],
    }),
    webhookApplyLatency: new Histogram({
      name: 'billfold_webhook_apply_latency_seconds',
      help: 'Worker: seconds from a webhook event being stored to its effect being applied (processed or ignored).',
      labelNames: ['provider'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    }),
    emailAttemptsFailed: new Counter({
      name: 'billfold_email_delivery_failures_total',
      help: 'Worker: email delivery attempts that failed; final="true" when the email was given up (marked failed).',
      labelNames: ['final'] as const,
      registers: [registry],
    }),
  };
}

/** This process's metrics; the web and the worker process each have their own. */
export function processMetrics(): ReturnType<typeof createProcessMetrics> {
  globalForMetrics.billfoldMetrics ??= createProcessMetrics();
  return globalForMetrics.billfoldMetrics;
}

export type WebhookRejection = 'signature' | 'too_large' | 'not_enabled';

/** How far back the payment outcome gauges look: long enough to hold a few payments on a quiet shop, short enough to alert within minutes. */
export const PAYMENT_WINDOW_MINUTES = 15;

/**
 * Decline reasons kept as they are in the `reason` label; any other code is `other`, so a
 * provider inventing codes cannot blow up the series count. Stripe's decline and error codes
 * most shops see, and PayPal's capture refusals.
 */
export const KNOWN_DECLINE_REASONS: ReadonlySet<string> = new Set([
  'authentication_required',
  'card_declined',
  'card_velocity_exceeded',
  'do_not_honor',
  'expired_card',
  'fraudulent',
  'generic_decline',
  'incorrect_cvc',
  'incorrect_number',
  'insufficient_funds',
  'invalid_account',
  'lost_card',
  'pickup_card',
  'processing_error',
  'stolen_card',
  'test_mode_live_card',
  'transaction_not_allowed',
  'payment_failed',
  'INSTRUMENT_DECLINED',
  'PAYER_ACTION_REQUIRED',
  'PAYER_CANNOT_PAY',
  'TRANSACTION_REFUSED',
  'DECLINED',
]);

export function declineReason(code: string): string {
  return KNOWN_DECLINE_REASONS.has(code) ? code : 'other';
}

/** What `databaseMetrics` reads, in one round trip. */
export interface DatabaseReadings {
  queues: { queue: string; depth: number; oldestSeconds: number }[];
  deadEvents: { provider: string; count: number }[];
  failedEmails: number;
  payments: { provider: string; outcome: 'succeeded' | 'declined'; reason: string | null; count: number }[];
}

export const NO_READINGS: DatabaseReadings = { queues: [], deadEvents: [], failedEmails: 0, payments: [] };

/**
 * The database's gauges as a registry of their own, made per scrape (`Registry.merge` joins it
 * to the process's). With `NO_READINGS` it names every gauge without values.
 */
export function databaseRegistry(readings: DatabaseReadings): Registry {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const depth = gauge('billfold_queue_depth', 'Jobs waiting to run (created, or waiting to retry), per queue.', ['queue']);
  const oldest = gauge('billfold_queue_oldest_pending_seconds', 'Age in seconds of the oldest job waiting to run, per queue (0 when none waits).', ['queue']);
  const dead = gauge('billfold_webhook_events_dead', 'Webhook events parked as dead after their last attempt, waiting for an admin to re-process them.', ['provider']);
  const failedEmails = gauge('billfold_emails_failed', 'Emails given up after their last delivery attempt (an admin can resend them).', []);
  const outcomes = gauge('billfold_payments_recent', `Payments created in the last ${PAYMENT_WINDOW_MINUTES} minutes that succeeded or were declined, per provider.`, ['provider', 'outcome']);
  const declines = gauge('billfold_payment_declines_recent', `Declined payments created in the last ${PAYMENT_WINDOW_MINUTES} minutes, per provider and reason (unknown codes: other).`, ['provider', 'reason']);

  for (const row of readings.queues) {
    depth.set({ queue: row.queue }, row.depth);
    oldest.set({ queue: row.queue }, row.oldestSeconds);
  }
  for (const row of readings.deadEvents) dead.set({ provider: row.provider }, row.count);
  failedEmails.set(readings.failedEmails);
  for (const row of readings.payments) {
    outcomes.inc({ provider: row.provider, outcome: row.outcome }, row.count);
    if (row.outcome === 'declined') declines.inc({ provider: row.provider, reason: declineReason(row.reason ?? 'other') }, row.count);
  }
  return registry;
}

interface ReadingRow {
  kind: 'queue' | 'dead' | 'emails' | 'payment';
  label: string | null;
  extra: string | null;
  count: number;
  seconds: number;
}

/**
 * Reads the gauges' values in one statement. Each part uses an index: pg-boss's waiting-jobs
 * index (name, start_after where state < active), webhook_events' status, payments' created_at.
 * A queue's age counts from when its oldest waiting job became due (`start_after`: its creation,
 * or the time of its next retry), so a job scheduled for later or backing off is not "behind".
 */
export async function readDatabaseMetrics(sql: Sql): Promise<DatabaseReadings> {
  const rows = await sql<ReadingRow[]>`
    select 'queue' as kind, queue.name as label, null as extra, count(job.id)::int as count,
      coalesce(extract(epoch from now() - min(job.start_after) filter (where job.start_after <= now())), 0)::float8 as seconds
    from pgboss.queue queue left join pgboss.job job on job.name = queue.name and job.state < 'active'
    group by queue.name
    union all
    select 'dead', provider::text, null, count(*)::int, 0 from webhook_events where status = 'dead' group by provider
    union all
    select 'emails', null, null, count(*)::int, 0 from emails where status = 'failed'
    union all
    select 'payment', provider::text, case when status = 'succeeded' then null else failure_code end, count(*)::int, 0
    from payments
    where created_at >= now() - ${PAYMENT_WINDOW_MINUTES} * interval '1 minute'
      and (status = 'succeeded' or failure_code is not null)
    group by provider, status = 'succeeded', 3`;
  const readings: DatabaseReadings = { queues: [], deadEvents: [], failedEmails: 0, payments: [] };
  for (const row of rows) {
    if (row.kind === 'queue') readings.queues.push({ queue: row.label!, depth: row.count, oldestSeconds: Math.max(0, row.seconds) });
    else if (row.kind === 'dead') readings.deadEvents.push({ provider: row.label!, count: row.count });
    else if (row.kind === 'emails') readings.failedEmails = row.count;
    else readings.payments.push({ provider: row.label!, outcome: row.extra === null ? 'succeeded' : 'declined', reason: row.extra, count: row.count });
  }
  return readings;
}

/** The text exposition of this process's metrics and the database's gauges (/api/metrics). */
export async function exposition(sql: Sql): Promise<{ contentType: string; body: string }> {
  const merged = Registry.merge([processMetrics().registry, databaseRegistry(await readDatabaseMetrics(sql))]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}
