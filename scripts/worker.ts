/** `npm run worker`: the queue worker on its own (the dev orchestrator starts one too). */
import os from 'node:os';
import { db } from '@/db/client';
import { startWorker } from '@/lib/jobs/worker';
import { mailDelivery } from '@/lib/mail/mailer';
import { paymentRegistry } from '@/lib/payments';
import { log } from '@/lib/log';
import { surviveDatabaseRestarts } from '@/lib/ops/database-outage';
import { serveWorkerMetrics } from '@/lib/ops/metrics-server';
import { startTracing, stopTracing } from '@/lib/ops/tracing';
import { loadDotEnv, runCli, validateEnv } from './lib/stack';
import { StartupError } from './lib/ports';

const WORKER_NICENESS = 10;

runCli(async () => {
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const config = validateEnv();
  if (!config.databaseUrl) throw new StartupError('DATABASE_URL is missing: the worker needs the database the app uses (npm run dev sets it).');
  // The worker catches up; the web process answers people and providers. When both want the
  // CPU (a webhook storm on a small machine), the web process goes first.
  os.setPriority(WORKER_NICENESS);
  surviveDatabaseRestarts(process);
  await startTracing({ serviceName: 'billfold-worker' });
  if (config.metrics.workerPort !== undefined && config.metrics.token) await serveWorkerMetrics(config.metrics.workerPort, config.metrics.token);
  const boss = await startWorker(config.databaseUrl, { db, payments: paymentRegistry(), abandonCheckoutsAfterHours: config.checkout.abandonAfterHours, mail: mailDelivery(config.mail) });
  const shutdown = async () => {
    log.info('worker stopping');
    await boss.stop({ graceful: true, timeout: 10_000 });
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
});
