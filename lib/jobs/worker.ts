import type PgBoss from 'pg-boss';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import { log } from '@/lib/log';
import { createBoss, startBoss } from './boss';
import { WEBHOOK_QUEUE, type WebhookJob } from './queues';
import { processWebhookEvents } from './webhook-worker';

export interface WorkerDeps {
  db: Database;
  stripe: Stripe;
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
  log.info({ queues: [WEBHOOK_QUEUE] }, 'worker started');
  return boss;
}
