/**
 * Sandbox throughput through the official SDKs over loopback, against a sandbox running in its
 * own process, so the sandbox is never the bottleneck of a Billfold benchmark. Stripe:
 * PaymentIntent create + confirm pairs, ≥ 300 pairs/s with p99 < 50 ms. PayPal: order create +
 * the buyer's approval (the approval page's form POST) + capture, ≥ 200 triples/s with p99 < 50 ms.
 *
 *   npm run bench:sandbox [-- --seconds 20 --concurrency 16 --provider stripe|paypal]
 *
 * It prints the CPU each process spent per payment: the bench client (the SDKs) shares the
 * machine's cores with the sandbox and PostgreSQL. After each provider's round it measures the
 * same-run baseline (bench/baseline.ts) at the same concurrency and states the throughput and
 * the p99 as ratios to the baseline's, against targets stated as ratios (see `Run.ratioTargets`).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { CheckoutPaymentIntent, OrdersController } from '@paypal/paypal-server-sdk';
import Stripe from 'stripe';
import { sdkClientFor } from '../sandbox/paypal/sdk';
import { startTemporaryPostgres } from '../scripts/lib/postgres';
import { runCli, say } from '../scripts/lib/stack';
import { measureBaseline, sayBaseline, sayRatio } from './baseline';
import { latencyRatioTarget, throughputRatioTarget } from './reference';
import { cpuByLabel, descendantsOf, option, percentile, processCpu, stopChild } from './measure';

/** One provider's round of the bench: `once` does one whole payment, as a client would. */
interface Run {
  name: string;
  unit: string;
  /** Payments per second the sandbox must at least sustain. */
  target: number;
  /**
   * Clients paying at once. At a given rate each payment takes concurrency ÷ rate on average
   * (Little's law): 8 clients at 200/s would take 40 ms each, leaving no room under a 50 ms p99.
   */
  concurrency: number;
  /**
   * The absolute targets as ratios to the baseline at the run's concurrency: the target ÷ the
   * baseline's figure on the machine the targets were set for (bench/reference.ts).
   */
  ratioTargets: { perSecond: number; p99: number };
  once(tag: string): Promise<void>;
}

/** A target of `perSecond` payments per second with p99 < 50 ms, as ratios to the reference baseline at `concurrency` (bench/reference.ts). */
function ratioTargetsFor(perSecond: number, concurrency: number): Run['ratioTargets'] {
  const load = { concurrency, requests: BASELINE_REQUESTS };
  return { perSecond: throughputRatioTarget(perSecond, load).atLeast, p99: latencyRatioTarget(50, load, 'p99').atMost };
}

/** Requests the baseline answers per round: a few seconds of it, enough for its p99. */
const BASELINE_REQUESTS = 4000;
/** The sandbox's niceness (scripts/sandbox.ts): the baseline server runs at it too, to be scheduled as the sandbox is. */
const SANDBOX_NICENESS = 10;

const WARM_UP_SECONDS = 3;

/** CPU ms so far of the sandbox, of PostgreSQL's backends for its database, and of this client. */
type CpuReading = () => Record<string, number>;

/** Warms up, then runs `concurrency` clients for `seconds`; says what it measured and whether the targets were met. */
async function measure(run: Run, { seconds, concurrency, cpu, databaseUrl }: { seconds: number; concurrency: number; cpu: CpuReading; databaseUrl: string }): Promise<boolean> {
  const started = Date.now();
  // The steady state is what is measured: a few seconds of the same load first let the JIT
  // compile the hot paths of both processes and fill the connection pools.
  const clients = (until: number, each: (worker: number, n: number) => Promise<void>) =>
    Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
      for (let n = 0; performance.now() < until; n++) await each(worker, n);
    }));
  await clients(performance.now() + WARM_UP_SECONDS * 1000, (worker, n) => run.once(`warm:${started}:${worker}:${n}`));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const deadline = performance.now() + seconds * 1000;
  const cpuBefore = cpu();
  const begun = performance.now();
  await clients(deadline, async (worker, n) => {
    const t0 = performance.now();
    try {
      await run.once(`${started}:${worker}:${n}`);
      latencies.push(performance.now() - t0);
    } catch (error) {
      errors++;
      firstError ??= error;
    }
  });
  const elapsed = (performance.now() - begun) / 1000;
  const cpuAfter = cpu();
  latencies.sort((a, b) => a - b);
  const rate = latencies.length / elapsed;
  const p99 = percentile(latencies, 99);
  say(`sandbox bench, ${run.name}: ${latencies.length} ${run.unit} in ${elapsed.toFixed(1)} s with ${concurrency} concurrent clients, ${errors} errors`);
  say(`  throughput: ${rate.toFixed(0)}/s (absolute target ≥ ${run.target} on the reference machine)`);
  say(`  latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${p99.toFixed(1)} (absolute target p99 < 50 on the reference machine)`);
  const perPayment = Object.entries(cpuAfter).map(([label, ms]) => `${label} ${((ms - (cpuBefore[label] ?? 0)) / latencies.length).toFixed(2)}`);
  say(`  CPU ms per payment: ${perPayment.join(', ')} (${os.availableParallelism()} cores = ${((os.availableParallelism() * 1000) / rate).toFixed(1)} ms per payment at this rate)`);
  if (firstError) say(`  first error: ${firstError instanceof Error ? firstError.message : String(firstError)}`);
  const load = { concurrency, requests: BASELINE_REQUESTS };
  const baseline = await measureBaseline({ databaseUrl, mode: load, niceness: SANDBOX_NICENESS });
  sayBaseline(load, baseline, SANDBOX_NICENESS);
  const throughputMet = sayRatio(`${run.unit}/s vs answers/s`, { baseline: baseline.perSecond, bench: rate }, { atLeast: run.ratioTargets.perSecond });
  const p99Met = sayRatio('p99 ms', { baseline: baseline.p99, bench: p99 }, { atMost: run.ratioTargets.p99 });
  return throughputMet && p99Met && errors === 0;
}

runCli(async () => {
  const seconds = option('seconds', 15);
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
      // Three minutes: a busy 2-core machine takes more than twenty seconds to start it.
      if (i > 1800) throw new Error('the sandbox did not start within 3 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const database = ` ${new URL(databaseUrl).pathname.slice(1)} `;
    const cpu: CpuReading = () => {
      const processes = processCpu();
      const backends = processes.filter((candidate) => candidate.command.startsWith('postgres ') && candidate.command.includes(database));
      return {
        ...cpuByLabel(descendantsOf(sandbox.pid!, processes), { sandbox: /scripts\/sandbox\.ts/ }),
        postgres: backends.reduce((sum, backend) => sum + backend.cpuMs, 0),
        'bench client': (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      };
    };
    const stripe = new Stripe('sk_test_bench', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const paypal = new OrdersController(sdkClientFor(`${base}/paypal`));
    // The buyer's browser keeps its connection to the approval page open, as browsers do.
    const browser = new http.Agent({ keepAlive: true });
    const approve = (orderId: string) =>
      new Promise<void>((resolve, reject) => {
        // The buyer's click on the approval page: a form POST, as a person's browser sends it.
        const form = new URLSearchParams({ decision: 'approve', buyer: 'buyer@example.com' }).toString();
        const request = http.request(`${base}/paypal/checkoutnow?token=${orderId}`, { method: 'POST', agent: browser, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(form) } }, (response) => {
          response.resume();
          response.on('end', () => ((response.statusCode ?? 500) >= 400 ? reject(new Error(`approval refused: ${response.statusCode}`)) : resolve()));
        });
        request.on('error', reject);
        request.end(form);
      });
    const runs: Run[] = [
      {
        name: 'Stripe',
        unit: 'create+confirm pairs',
        target: 300,
        concurrency: 8,
        ratioTargets: ratioTargetsFor(300, 8),
        async once(tag) {
          const intent = await stripe.paymentIntents.create({ amount: 1999, currency: 'usd', metadata: { tag } }, { idempotencyKey: `bench:${tag}` });
          await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
        },
      },
      {
        name: 'PayPal',
        unit: 'create+approve+capture triples',
        target: 200,
        concurrency: 4,
        ratioTargets: ratioTargetsFor(200, 4),
        async once(tag) {
          const { result: order } = await paypal.createOrder({
            body: { intent: CheckoutPaymentIntent.Capture, purchaseUnits: [{ customId: tag, amount: { currencyCode: 'USD', value: '19.99' } }] },
            paypalRequestId: `bench:${tag}:create`,
          });
          await approve(String(order.id));
          await paypal.captureOrder({ id: String(order.id), paypalRequestId: `bench:${tag}:capture` });
        },
      },
    ];
    let failed = false;
    // `--provider paypal` measures one provider alone.
    const only = process.argv.includes('--provider') ? process.argv[process.argv.indexOf('--provider') + 1]?.toLowerCase() : undefined;
    for (const run of runs.filter((candidate) => !only || candidate.name.toLowerCase() === only)) failed = !(await measure(run, { seconds, concurrency: option('concurrency', run.concurrency), cpu, databaseUrl })) || failed;
    if (failed) process.exitCode = 1;
  } finally {
    await stopChild(sandbox);
    await temporary?.stop();
  }
});
