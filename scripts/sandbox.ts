/** `npm run sandbox`: the local Stripe/PayPal emulator on SANDBOX_PORT (default 4242). */
import { log } from '@/lib/log';
import { startSandbox } from '@/sandbox/server';
import { assertPortFree } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli } from './lib/stack';

runCli(async () => {
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const port = Number(process.env.SANDBOX_PORT || 4242);
  await assertPortFree(port, 'the sandbox', 'SANDBOX_PORT');
  const { url: databaseUrl, embedded } = await resolveDatabase();
  const sandbox = await startSandbox({
    port,
    databaseUrl,
    // Resetting wipes every sandbox object: for tests and development only.
    allowReset: process.env.NODE_ENV !== 'production',
  });
  log.info({ url: sandbox.url }, 'sandbox listening');
  const shutdown = async () => {
    await sandbox.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
});
