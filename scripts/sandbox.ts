/** `npm run sandbox`: the local Stripe/PayPal emulator on SANDBOX_PORT (default 4242). */
import os from 'node:os';
import { log } from '@/lib/log';
import { surviveDatabaseRestarts } from '@/lib/ops/database-outage';
import { startSandbox } from '@/sandbox/server';
import { assertPortFree } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli } from './lib/stack';

// The sandbox stands in for a provider that is normally far away on its own machines: here it
// shares the CPU with Billfold, whose web process goes first when both want it.
const SANDBOX_NICENESS = 10;

runCli(async () => {
  loadDotEnv(process.env.NODE_ENV !== 'production');
  os.setPriority(SANDBOX_NICENESS);
  surviveDatabaseRestarts(process);
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
