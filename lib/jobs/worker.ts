import type PgBoss from 'pg-boss';
import type { Database } from '@/db/client';
import { abandonStaleCheckouts } from '@/lib/billing/abandoned-checkouts';
import { log } from '@/lib/log';
import type { MailDelivery } from '@/lib/mail/mailer';
import type { PaymentRegistry } from '@/lib/payments';
import type { PaymentProviderName } from '@/lib/payments/types';
import { createBoss, startBoss } from './boss';
import { processDisownedSubscription } from './disowned-subscription-worker';
import { processDuplicatePayment } from './duplicate-payment-worker';
import { processReconciliation } from './reconciliation-worker';
import { deliverEmail, sweepOutbox } from './email-worker';
import {
  CHECKOUT_SWEEP_CRON,
  CHECKOUT_SWEEP_QUEUE,
  DISOWNED_SUBSCRIPTION_QUEUE,
  DUPLICATE_PAYMENT_QUEUE,
  EMAIL_QUEUE,
  RECONCILIATION_CRON,
  RECONCILIATION_QUEUE,
  SUBSCRIPTION_SWITCH_QUEUE,
  WEBHOOK_QUEUE,
  type DisownedSubscriptionJob,
  type DuplicatePaymentJob,
  type EmailJob,
  type ReconciliationJob,
  type SubscriptionSwitchJob,
  type WebhookJob,
} from './queues';
import { processSubscriptionSwitch } from './subscription-switch-worker';
import { wakeWorkersOnNewJobs } from './wake';
import { applyWebhookJobs } from './webhook-worker';

export interface WorkerDeps {
  db: Database;
  /** From the configuration: `paymentRegistry()`. */
  payments: PaymentRegistry;
  /** Hours without checkout activity after which an unpaid order is abandoned (env CHECKOUT_ABANDON_AFTER_HOURS). */
  abandonCheckoutsAfterHours: number;
  /** From the configuration: `mailDelivery(env().mail)`. */
  mail: MailDelivery;
}

export interface WorkerOptions {
  /** How often each queue is polled for jobs whose NOTIFY was missed (see ./wake.ts). */
  pollingIntervalSeconds?: number;
  /** Where to LISTEN for new jobs: the queue's own database unless given (tests give one that is down). */
  notificationsUrl?: string;
  /** How often unsent email without a job is looked for (also once at start). */
  sweepIntervalSeconds?: number;
  boss?: Partial<PgBoss.ConstructorOptions>;
}

/** One run of the abandoned-checkout sweep, as the scheduled job does it. */
async function sweepAbandonedCheckouts(deps: WorkerDeps): Promise<void> {
  const report = await abandonStaleCheckouts({ db: deps.db, payments: deps.payments.cards().payments }, { afterHours: deps.abandonCheckoutsAfterHours });
  const acted = report.ordersAbandoned + report.ordersClosed + report.paymentsLeft + report.ordersFailed > 0 || report.interrupted;
  if (acted) log.info({ ...report }, 'abandoned checkouts swept');
  else log.debug({ ...report }, 'abandoned checkouts swept');
}

/**
 * `boss.work`, except that a worker whose fetch came back full fetches again at once rather than
 * sleeping its polling interval. pg-boss wakes a notified worker once however many notifications
 * came (a burst committed in one transaction sends one), so without this all but the first
 * batches of a burst waited for the next poll: a minute in the wake tests.
 */
async function workBatches<T extends object>(
  boss: PgBoss,
  queue: string,
  options: PgBoss.WorkOptions & { batchSize: number },
  handler: (jobs: PgBoss.JobWithMetadata<T>[]) => Promise<void>,
): Promise<string> {
  const worker: { id?: string } = {};
  worker.id = await boss.work<T>(queue, { ...options, includeMetadata: true }, async (jobs) => {
    await handler(jobs);
    if (worker.id && jobs.length >= options.batchSize) boss.notifyWorker(worker.id);
  });
  return worker.id;
}

/** Starts pg-boss and the handler of every queue. */
export async function startWorker(connectionString: string, deps: WorkerDeps, options: WorkerOptions = {}): Promise<PgBoss> {
  const boss = await startBoss(createBoss(connectionString, 'worker', options.boss));
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;
  // The workers a committed job's NOTIFY wakes, by queue.
  const wakeable = new Map<string, string[]>();
  const woken = (queue: string) => (id: string) => void wakeable.set(queue, [...(wakeable.get(queue) ?? []), id]);
  // pg-boss pauses a worker for its polling interval after every fetch, so throughput comes
  // from batches: each fetch takes up to 50 jobs, applied together (events about the same
  // object share one re-fetch). A job that fails is failed on its own and retried with backoff.
  for (let i = 0; i < 2; i++) {
    await workBatches<WebhookJob>(boss, WEBHOOK_QUEUE, { batchSize: 50, pollingIntervalSeconds }, async (jobs) => {
      const failures = await applyWebhookJobs(deps, jobs);
      for (const job of jobs) {
        const failure = failures.get(job.data.webhookEventId);
        if (failure) await boss.fail(WEBHOOK_QUEUE, job.id, { message: failure.message });
      }
    }).then(woken(WEBHOOK_QUEUE));
  }
  const queues = [WEBHOOK_QUEUE, CHECKOUT_SWEEP_QUEUE, DUPLICATE_PAYMENT_QUEUE];

  // Rare (an order paid twice), one at a time: each job holds its payment's lock over a refund.
  await workBatches<DuplicatePaymentJob>(boss, DUPLICATE_PAYMENT_QUEUE, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
    if (job) await processDuplicatePayment(deps, job.data.paymentId, job);
  }).then(woken(DUPLICATE_PAYMENT_QUEUE));

  // Rare (a subscriber moving to a card, once their old subscription ended), one at a time.
  const switchDeps = {
    db: deps.db,
    depsOf(name: PaymentProviderName) {
      const provider = deps.payments.get(name);
      if (!provider.subscriptions) throw new Error(`${name} bills no subscriptions`);
      return { db: deps.db, payments: provider.payments, subscriptions: provider.subscriptions };
    },
  };
  await workBatches<SubscriptionSwitchJob>(boss, SUBSCRIPTION_SWITCH_QUEUE, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
    if (job) await processSubscriptionSwitch(switchDeps, job.data.switchId, job);
  }).then(woken(SUBSCRIPTION_SWITCH_QUEUE));
  queues.push(SUBSCRIPTION_SWITCH_QUEUE);

  // Rare (a subscription given up, approved later from a window left open), one at a time.
  await workBatches<DisownedSubscriptionJob>(boss, DISOWNED_SUBSCRIPTION_QUEUE, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
    if (job) await processDisownedSubscription(switchDeps, job.data.subscriptionId, job);
  }).then(woken(DISOWNED_SUBSCRIPTION_QUEUE));
  queues.push(DISOWNED_SUBSCRIPTION_QUEUE);

  await boss.work(CHECKOUT_SWEEP_QUEUE, async () => {
    await sweepAbandonedCheckouts(deps);
  });
  // An upsert: every worker start (re)states the one schedule, and pg-boss sends one job a tick.
  await boss.schedule(CHECKOUT_SWEEP_QUEUE, CHECKOUT_SWEEP_CRON);

  await boss.work<ReconciliationJob>(RECONCILIATION_QUEUE, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
    if (job) await processReconciliation(deps, job.data);
  });
  await boss.schedule(RECONCILIATION_QUEUE, RECONCILIATION_CRON);
  queues.push(RECONCILIATION_QUEUE);

  const { mail } = deps;
  if (mail.mode === 'off') {
    // Jobs stay queued and the rows pending: a restart with SMTP_URL set delivers them.
    log.warn('email delivery is off: test mode without SMTP_URL, so email stays unsent in the outbox until SMTP_URL is set');
  } else {
    if (mail.mode === 'outbox') log.info('sandbox mode: email is kept in the outbox (admins read it at /admin/emails) and never delivered');
    // One email per job: each holds its row locked while the SMTP server answers, so two
    // workers keep one slow server from holding up the rest.
    const emailDeps = { db: deps.db, delivery: mail };
    for (let i = 0; i < 2; i++) {
      await workBatches<EmailJob>(boss, EMAIL_QUEUE, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
        if (job) await deliverEmail(emailDeps, job.data.emailId);
      }).then(woken(EMAIL_QUEUE));
    }
    const sweep = () => sweepOutbox(deps.db).catch((error: unknown) => log.error({ err: error }, 'email sweep failed'));
    await sweep();
    const timer = setInterval(() => void sweep(), (options.sweepIntervalSeconds ?? 60) * 1000);
    timer.unref();
    boss.once('stopped', () => clearInterval(timer));
    queues.push(EMAIL_QUEUE);
  }
  const notifications = wakeWorkersOnNewJobs(boss, options.notificationsUrl ?? connectionString, wakeable);
  // Started with LISTEN in place when the database allows it, so the first job's NOTIFY is heard;
  // a server that refuses it does not hold the worker up (it polls, and keeps trying to listen).
  await Promise.race([notifications.ready, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  log.info({ queues, wokenByNotifications: notifications.listening(), mail: mail.mode, abandonCheckoutsAfterHours: deps.abandonCheckoutsAfterHours }, 'worker started');
  return boss;
}
