/**
 * Sandbox throughput: PaymentIntent create + confirm pairs through the official SDK over
 * loopback, against a sandbox running in its own process. Target (issue: the sandbox must
 * never be the bottleneck of a Billfold benchmark): ≥ 300 pairs/s, p99 < 50 ms.
 *
 *   npm run bench:sandbox [-- --seconds 20 --concurrency 16]
 */
import { spawn } from 'node:child_process';
import Stripe from 'stripe';
import { startTemporaryPostgres } from '../scripts/lib/postgres';
import { runCli, say } from '../scripts/lib/stack';
import { option, percentile } from './measure';

runCli(async () => {
  const seconds = option('seconds', 15);
  const concurrency = option('concurrency', 8);
  const port = option('port', 4499);
  const temporary = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres(54332);
  const databaseUrl = process.env.DATABASE_URL ?? temporary!.url;

  // BENCH_PROFILE=<dir> writes a V8 CPU profile of the sandbox there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const sandbox = spawn(process.execPath, ['--import', 'tsx', ...profile, 'scripts/sandbox.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, SANDBOX_PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/health`).then((r) => r.ok).catch(() => false)) break;
      if (i > 200) throw new Error('the sandbox did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stripe = new Stripe('sk_test_bench', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });

    // Warm up connections, JIT and PostgreSQL's caches.
    for (let i = 0; i < 50; i++) {
      const intent = await stripe.paymentIntents.create({ amount: 1999, currency: 'usd' });
      await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    }

    const pairLatencies: number[] = [];
    const requestLatencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let n = 0; performance.now() < deadline; n++) {
          const t0 = performance.now();
          try {
            const intent = await stripe.paymentIntents.create({ amount: 1999, currency: 'usd', metadata: { worker: String(worker), n: String(n) } }, { idempotencyKey: `bench:${worker}:${n}:${started}` });
            const t1 = performance.now();
            await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
            const t2 = performance.now();
            requestLatencies.push(t1 - t0, t2 - t1);
            pairLatencies.push(t2 - t0);
          } catch {
            errors++;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    pairLatencies.sort((a, b) => a - b);
    requestLatencies.sort((a, b) => a - b);
    const rate = pairLatencies.length / elapsed;
    say(`sandbox bench: ${pairLatencies.length} create+confirm pairs in ${elapsed.toFixed(1)} s with ${concurrency} concurrent clients, ${errors} errors`);
    say(`  throughput: ${rate.toFixed(0)} pairs/s (target ≥ 300)`);
    say(`  pair latency ms: p50 ${percentile(pairLatencies, 50).toFixed(1)}, p95 ${percentile(pairLatencies, 95).toFixed(1)}, p99 ${percentile(pairLatencies, 99).toFixed(1)} (target p99 < 50)`);
    say(`  request latency ms: p50 ${percentile(requestLatencies, 50).toFixed(1)}, p99 ${percentile(requestLatencies, 99).toFixed(1)}`);
    if (rate < 300 || percentile(pairLatencies, 99) >= 50 || errors > 0) process.exitCode = 1;
  } finally {
    sandbox.kill('SIGTERM');
    await new Promise((resolve) => sandbox.once('exit', resolve));
    await temporary?.stop();
  }
});
