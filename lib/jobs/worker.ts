import type PgBoss from 'pg-boss';
import type Stripe from 'stripe';
import type { Database } from '@/db/client';
import { log } from '@/lib/log';
import { createBoss, startBoss } from './boss';
import { WEBHOOK_QUEUE, type WebhookJob } from './queues';
import { processWebhookEvent } from './webhook-worker';

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
  // Four workers with one job each: events are applied concurrently, and a failing one is
  // retried on its own (pg-boss retries with backoff whatever the handler throws).
  for (let i = 0; i < 4; i++) {
    await boss.work<WebhookJob>(WEBHOOK_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 }, async ([job]) => {
      if (job) await processWebhookEvent(deps, job.data.webhookEventId);
    });
  }
  log.info({ queues: [WEBHOOK_QUEUE] }, 'worker started');
  return boss;
}
