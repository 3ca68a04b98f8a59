import type PgBoss from 'pg-boss';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import { abandonStaleCheckouts } from '@/lib/billing/abandoned-checkouts';
import { log } from '@/lib/log';
import { stripeCardPayments } from '@/lib/payments/stripe/card-payments';
import { createBoss, startBoss } from './boss';
import { CHECKOUT_SWEEP_CRON, CHECKOUT_SWEEP_QUEUE, WEBHOOK_QUEUE, type WebhookJob } from './queues';
import { processWebhookEvents } from './webhook-worker';

export interface WorkerDeps {
  db: Database;
  stripe: Stripe;
  /** Hours without checkout activity after which an unpaid order is abandoned (env CHECKOUT_ABANDON_AFTER_HOURS). */
  abandonCheckoutsAfterHours: number;
}

/** One run of the abandoned-checkout sweep, as the scheduled job does it. */
async function sweepAbandonedCheckouts(deps: WorkerDeps): Promise<void> {
  const report = await abandonStaleCheckouts({ db: deps.db, payments: stripeCardPayments(deps.stripe) }, { afterHours: deps.abandonCheckoutsAfterHours });
  const acted = report.ordersAbandoned + report.ordersClosed + report.intentsLeft + report.ordersFailed > 0 || report.interrupted;
  if (acted) log.info({ ...report }, 'abandoned checkouts swept');
  else log.debug({ ...report }, 'abandoned checkouts swept');
}

/** Starts pg-boss and the handler of every queue. */
export async function startWorker(
  connectionString: string,
  deps: WorkerDeps,
  options: { pollingIntervalSeconds?: number; boss?: Partial<PgBoss.ConstructorOptions> } = {},
): Promise<PgBoss> {
  const boss = await startBoss(createBoss(connectionString, 'worker', options.boss));
  // pg-boss pauses a worker for its polling interval after every fetch, so throughput comes
  // from batches: each fetch takes up to 50 jobs, applied together (events about the same
  // object share one re-fetch). A job that fails is failed on its own and retried with backoff.
  for (let i = 0; i < 2; i++) {
    await boss.work<WebhookJob>(WEBHOOK_QUEUE, { batchSize: 50, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 }, async (jobs) => {
      const failures = await processWebhookEvents(deps, jobs.map((job) => job.data.webhookEventId));
      for (const job of jobs) {
        const failure = failures.get(job.data.webhookEventId);
        if (failure) await boss.fail(WEBHOOK_QUEUE, job.id, { message: failure.message });
      }
    });
  }
  await boss.work(CHECKOUT_SWEEP_QUEUE, async () => {
    await sweepAbandonedCheckouts(deps);
  });
  // An upsert: every worker start (re)states the one schedule, and pg-boss sends one job a tick.
  await boss.schedule(CHECKOUT_SWEEP_QUEUE, CHECKOUT_SWEEP_CRON);
  log.info({ queues: [WEBHOOK_QUEUE, CHECKOUT_SWEEP_QUEUE], abandonCheckoutsAfterHours: deps.abandonCheckoutsAfterHours }, 'worker started');
  return boss;
}
