/** `npm run worker`: the queue worker on its own (the dev orchestrator starts one too). */
import { db } from '@/db/client';
import { startWorker } from '@/lib/jobs/worker';
import { mailDelivery } from '@/lib/mail/mailer';
import { stripe } from '@/lib/payments/stripe/client';
import { log } from '@/lib/log';
import { loadDotEnv, runCli, validateEnv } from './lib/stack';
import { StartupError } from './lib/ports';

runCli(async () => {
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const config = validateEnv();
  if (!config.databaseUrl) throw new StartupError('DATABASE_URL is missing: the worker needs the database the app uses (npm run dev sets it).');
  const boss = await startWorker(config.databaseUrl, { db, stripe: stripe(), mail: mailDelivery(config.mail) });
  const shutdown = async () => {
    log.info('worker stopping');
    await boss.stop({ graceful: true, timeout: 10_000 });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
});
