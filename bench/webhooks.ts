/**
 * Webhook ingestion under load (issue target: at 200 signed events/s for 60 s, the endpoint's
 * p99 < 50 ms with no non-2xx answer, and the worker's backlog drained within 10 s of the end).
 * Runs the production stack (`npm run build` first) on its own database and ports, sends
 * `payment_intent.succeeded` events for real sandbox PaymentIntents at a fixed rate (open loop),
 * then waits for the worker to apply them all. `--provider paypal` sends PAYMENT.CAPTURE.COMPLETED
 * events for real sandbox PayPal captures instead, signed as PayPal signs them (RSA-SHA256 with
 * the sandbox's key, for the webhook the stack registered): the endpoint fetches the certificate
 * once, then each delivery costs it one RSA verify.
 *
 *   npm run bench:webhooks [-- --rate 200 --seconds 60 --warmup 5 --provider stripe|paypal]
 *   npm run bench:webhooks -- --find-max [--rate 200 --step 50 --max-rate 800 --seconds 20]
 *
 * It then measures the same-run baseline (bench/baseline.ts) at the same rate and states the
 * endpoint's p99 as a ratio to the baseline's. `--find-max` steps the rate up from `--rate` and
 * reports the highest rate at which the endpoint's p99 stays under 50 ms with no non-2xx answer.
 *
 * BENCH_TRACE=<file> writes each event's send time and latency, to see when slow answers happen.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import postgres from 'postgres';
import { CheckoutPaymentIntent, OrdersController } from '@paypal/paypal-server-sdk';
import Stripe from 'stripe';
import { sdkClientFor } from '../sandbox/paypal/sdk';
import { deliver, paypalEvent, registeredPaypalWebhook, stripeEvent, type Delivery } from '../scripts/lib/signed-webhooks';
import { ROOT, runCli, say } from '../scripts/lib/stack';
import { measureBaseline, sayBaseline, sayRatio } from './baseline';
import { latencyRatioTarget } from './reference';
import { cpuByLabel, descendantsOf, option, percentile, processCpu, stopChild, waitForHealth } from './measure';
import { dropBenchDatabase, freshBenchDatabase, startBenchStack } from './stack';

const SECRET = 'whsec_billfold_bench_secret';

/**
 * The issue's target, p99 < 50 ms at 200 events/s, as a ratio to the baseline's p99 at 200/s
 * (bench/reference.ts); `--find-max` holds each rate to the same ratio.
 */
const P99_RATIO_TARGET = latencyRatioTarget(50, { rate: 200, seconds: 15 }, 'p99');
/** Long enough for a p99 of a few thousand answers at 200/s. */
const BASELINE_SECONDS = 15;
/** The absolute limit `--find-max` holds each rate to, as the issue states it. */
const MAX_P99_MS = 50;

/** What one run at a fixed rate saw. */
interface LoadResult {
  rate: number;
  seconds: number;
  total: number;
  /** Ascending, ms. */
  latencies: number[];
  /** Non-2xx answers and failed requests, by reason. */
  failures: Map<string, number>;
  trace: string[];
  startedAt: number;
  sendSeconds: number;
  /** Seconds from the end of the load until the worker had applied every event; NaN: not within 120 s. */
  drained: number;
  cpuPerEvent: Record<string, number>;
}

function failureCount(result: LoadResult): number {
  return [...result.failures.values()].reduce((sum, n) => sum + n, 0);
}

/** Whether the endpoint held this rate: p99 under the issue's 50 ms and every answer 2xx. */
function holds(result: LoadResult): boolean {
  return failureCount(result) === 0 && percentile(result.latencies, 99) < MAX_P99_MS;
}

/** One line per `--find-max` step. */
function sayStep(result: LoadResult): void {
  const { latencies } = result;
  say(`  ${result.rate}/s for ${result.seconds} s: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms; non-2xx ${failureCount(result)}; drained in ${result.drained.toFixed(1)} s${holds(result) ? '' : '  (not held)'}`);
}

/** A PAYMENT.CAPTURE.COMPLETED event for `subject` (`<order id>:<capture id>`). */
function capturedEvent(paypalUrl: string, webhookId: string, id: string, subject: string): Delivery {
  const [orderId, captureId] = subject.split(':');
  return paypalEvent(paypalUrl, webhookId, id, 'PAYMENT.CAPTURE.COMPLETED', { id: captureId, status: 'COMPLETED', supplementary_data: { related_ids: { order_id: orderId } } });
}

runCli(async () => {
  if (!fs.existsSync(`${ROOT}/.next/BUILD_ID`)) throw new Error('Run `npm run build` first: the benchmark measures the production server.');
  const rate = option('rate', 200);
  const seconds = option('seconds', process.argv.includes('--find-max') ? 20 : 60);
  const warmupSeconds = option('warmup', 5);
  const port = option('port', 3400);
  const sandboxPort = option('sandbox-port', 4600);
  const findMax = process.argv.includes('--find-max');
  const rateStep = option('step', 50);
  const maxRate = option('max-rate', 800);
  const provider = process.argv.includes('--provider') ? process.argv[process.argv.indexOf('--provider') + 1] : 'stripe';
  if (provider !== 'stripe' && provider !== 'paypal') throw new Error(`--provider is stripe or paypal, not ${provider}`);
  // Named by the port, so two runs on one PostgreSQL server (one per provider, say) do not drop each other's.
  const databaseName = `billfold_bench_${port}`;
  const { url: databaseUrl, temporary } = await freshBenchDatabase(databaseName, 54333);
  const stack = startBenchStack({ databaseUrl, port, sandboxPort, env: { STRIPE_WEBHOOK_SECRET: SECRET } });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connection: { application_name: 'billfold-bench' } });
  try {
    const app = `http://127.0.0.1:${port}`;
    await waitForHealth(app);
    const stripe = new Stripe('sk_test_bench', { host: '127.0.0.1', port: sandboxPort, protocol: 'http', telemetry: false });
    const paypalUrl = `http://127.0.0.1:${sandboxPort}/paypal`;
    // What the events are about: real payments at the sandbox, which the worker re-fetches.
    const subjects: string[] = [];
    if (provider === 'stripe') {
      for (let i = 0; i < 200; i++) subjects.push((await stripe.paymentIntents.create({ amount: 1000 + i, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })).id);
    } else {
      const orders = new OrdersController(sdkClientFor(paypalUrl));
      for (let i = 0; i < 200; i++) {
        const { result: order } = await orders.createOrder({ body: { intent: CheckoutPaymentIntent.Capture, purchaseUnits: [{ amount: { currencyCode: 'USD', value: `${10 + i}.00` } }] } });
        await fetch(`${paypalUrl}/checkoutnow?token=${order.id}`, { method: 'POST', body: new URLSearchParams({ decision: 'approve', buyer: 'buyer@example.com' }), redirect: 'manual' }).then((response) => response.arrayBuffer());
        const { result: captured } = await orders.captureOrder({ id: String(order.id) });
        subjects.push(`${captured.id}:${captured.purchaseUnits?.[0]?.payments?.captures?.[0]?.id}`);
      }
    }
    // Measure the steady state: wait until the sandbox has delivered its own events about those
    // payments and the worker has applied them.
    for (let i = 0; ; i++) {
      const [pending] = await sql<{ n: number }[]>`
        select ((select count(*) from sandbox.deliveries where status = 'pending')
              + (select count(*) from webhook_events where status not in ('processed', 'ignored', 'dead')))::int as n`;
      if (pending?.n === 0) break;
      if (i > 600) throw new Error('the warm-up events were not applied within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const webhookId = provider === 'paypal' ? await registeredPaypalWebhook(`http://127.0.0.1:${sandboxPort}`, `http://127.0.0.1:${port}/api/webhooks/paypal`) : '';
    // Events are signed before the clock starts, so the measurement is of the endpoint, not of
    // this client's signing (Stripe's tolerance and Billfold's PayPal window, 5 minutes each, cover the run).
    const signEvents = (prefix: string, count: number): Delivery[] =>
      Array.from({ length: count }, (_, n) => (provider === 'stripe' ? stripeEvent(SECRET, `evt_${prefix}_${n}`, 'payment_intent.succeeded', { id: subjects[n % subjects.length]!, object: 'payment_intent' }) : capturedEvent(paypalUrl, webhookId, `WH-${prefix}-${n}`, subjects[n % subjects.length]!)));

    // node:http with keep-alive costs this client a third of what fetch does, leaving the CPU to
    // the stack being measured.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'fifo' });
    // A provider's webhook sender runs on its own machines; here it shares two cores with the
    // stack it measures. Ahead of the stack (whose processes have all started, so none inherits
    // this), the client reads each answer when it arrives rather than when the scheduler gets to
    // it, so its own waiting is not counted as the endpoint's. Needs the right to raise priority
    // (root, or CAP_SYS_NICE); without it the run says so and goes on.
    try {
      os.setPriority(-5);
    } catch {
      say('note: the bench client could not raise its priority; its scheduling delays count in the latencies');
    }
    /** Sends the events at `rate` per second (open loop: on schedule, whatever the answers). */
    const sendAtRate = async (deliveries: Delivery[], rate: number) => {
      const latencies: number[] = [];
      // "sent at (ms since start),latency (ms)" per event, for BENCH_TRACE.
      const trace: string[] = [];
      const failures = new Map<string, number>();
      const fail = (reason: string) => {
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      };
      const started = performance.now();
      const startedAt = Date.now();
      const inFlight: Promise<void>[] = [];
      for (let n = 0; n < deliveries.length; n++) {
        const wait = started + (n * 1000) / rate - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const delivery = deliveries[n]!;
        const sent = performance.now();
        inFlight.push(
          deliver(agent, port, delivery).then(
            (status) => {
              const latency = performance.now() - sent;
              latencies.push(latency);
              trace.push(`${(sent - started).toFixed(1)},${latency.toFixed(1)}`);
              if (status < 200 || status >= 300) fail(`HTTP ${status}`);
            },
            (error: unknown) => fail(error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)),
          ),
        );
      }
      await Promise.all(inFlight);
      latencies.sort((a, b) => a - b);
      return { latencies, failures, trace, startedAt, seconds: (performance.now() - started) / 1000 };
    };
    /** Seconds until every event whose id starts with `evt_<prefix>_` is settled (NaN: not within 120 s). */
    const secondsToDrain = async (prefix: string) => {
      const since = performance.now();
      for (;;) {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from webhook_events
          where event_id like ${provider === 'stripe' ? `evt_${prefix}_%` : `WH-${prefix}-%`} and status not in ('processed', 'ignored', 'dead')`;
        if ((row?.n ?? 1) === 0) return (performance.now() - since) / 1000;
        if (performance.now() - since > 120_000) return Number.NaN;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    /** CPU ms so far of each process of the stack, and of PostgreSQL's backends by who they serve. */
    const cpuOfStack = async (): Promise<Record<string, number>> => {
      const backends = await sql<{ pid: number; application_name: string }[]>`
        select pid, application_name from pg_stat_activity where datname = ${databaseName}`;
      const servedBy = new Map(backends.map((backend) => [backend.pid, backend.application_name.replace(/^billfold-?/, '') || 'other']));
      const processes = processCpu();
      const database: Record<string, number> = {};
      for (const candidate of processes) {
        if (!candidate.command.includes(` ${databaseName} `)) continue;
        const label = `postgres (${servedBy.get(candidate.pid) ?? 'other'})`;
        database[label] = (database[label] ?? 0) + candidate.cpuMs;
      }
      return {
        ...cpuByLabel(descendantsOf(stack.pid!, processes), { web: /next-server|next start/, worker: /scripts\/worker\.ts/, sandbox: /scripts\/sandbox\.ts/ }),
        ...database,
        'bench client': process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
      };
    };

    /** One measured run at `rate`: sends, waits for the backlog to drain, and returns what it saw. */
    const runAt = async (rate: number, seconds: number, prefix: string): Promise<LoadResult> => {
      const total = rate * seconds;
      const deliveries = signEvents(prefix, total);
      const cpuBefore = await cpuOfStack();
      const load = await sendAtRate(deliveries, rate);
      const cpuAfter = await cpuOfStack();
      const drained = await secondsToDrain(prefix);
      const cpuPerEvent = Object.fromEntries(Object.entries(cpuAfter).map(([label, ms]) => [label, (ms - (cpuBefore[label] ?? 0)) / total]));
      return { rate, seconds, total, latencies: load.latencies, failures: load.failures, trace: load.trace, startedAt: load.startedAt, sendSeconds: load.seconds, drained, cpuPerEvent };
    };
    /** The steady state is what is measured: a few seconds of the same load first let the JIT compile every process's hot paths and fill the pools, then drain. */
    const warmUp = async (rate: number, prefix: string) => {
      if (warmupSeconds <= 0) return;
      const warm = await sendAtRate(signEvents(prefix, rate * warmupSeconds), rate);
      const drained = await secondsToDrain(prefix);
      say(`warm-up at ${rate}/s: ${rate * warmupSeconds} events in ${warm.seconds.toFixed(1)} s, p99 ${percentile(warm.latencies, 99).toFixed(1)} ms, drained in ${drained.toFixed(1)} s`);
    };

    if (findMax) {
      // Each step is one rate, measured after the previous one's backlog drained; a step that
      // misses is tried once more, so one burst of another process's work on a shared machine
      // does not end the search.
      await warmUp(rate, 'warmup');
      let best: LoadResult | undefined;
      let first: LoadResult | undefined;
      for (let step = rate; step <= maxRate; step += rateStep) {
        let result = await runAt(step, seconds, `max${step}`);
        sayStep(result);
        if (!holds(result)) {
          result = await runAt(step, seconds, `retry${step}`);
          sayStep(result);
        }
        first ??= result;
        if (!holds(result)) break;
        best = result;
      }
      say(`webhook bench (${provider}), highest rate held: ${best ? `${best.rate}/s (p99 ${percentile(best.latencies, 99).toFixed(1)} ms, no non-2xx)` : `none from ${rate}/s`} of ${rate}–${maxRate}/s in steps of ${rateStep}, ${seconds} s each`);
      // The baseline at the first rate and at the highest held, for their ratios.
      for (const [label, held] of [['first step', first], ['highest held', best]] as const) {
        if (!held || (label === 'highest held' && held === first)) continue;
        const load = { rate: held.rate, seconds: BASELINE_SECONDS };
        const baseline = await measureBaseline({ databaseUrl, mode: load });
        sayBaseline(load, baseline);
        sayRatio(`endpoint p99 ms at ${held.rate}/s (${label})`, { baseline: baseline.p99, bench: percentile(held.latencies, 99) }, P99_RATIO_TARGET);
      }
      if (!best) process.exitCode = 1;
      return;
    }

    await warmUp(rate, 'warmup');
    const result = await runAt(rate, seconds, 'bench');
    if (process.env.BENCH_TRACE) fs.writeFileSync(process.env.BENCH_TRACE, `# started at ${result.startedAt} (epoch ms)\n${result.trace.join('\n')}\n`);
    const [dead] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events where status = 'dead'`;
    const { latencies } = result;
    const failures = failureCount(result);
    say(`webhook bench (${provider}): ${result.total} signed events at ${rate}/s for ${seconds} s`);
    say(`  endpoint latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${(latencies.at(-1) ?? 0).toFixed(1)} (the issue's absolute target p99 < 50)`);
    say(`  non-2xx or failed: ${failures}${failures > 0 ? ` (${[...result.failures].map(([reason, n]) => `${reason}: ${n}`).join(', ')})` : ''} (target 0); dead events: ${dead?.n ?? 0}`);
    say(`  backlog drained ${Number.isNaN(result.drained) ? 'NOT within 120 s' : `${result.drained.toFixed(1)} s`} after the load stopped (target ≤ 10 s)`);
    const perEvent = Object.entries(result.cpuPerEvent).map(([label, ms]) => `${label} ${ms.toFixed(2)}`);
    say(`  CPU ms per event during the load: ${perEvent.join(', ')} (${result.sendSeconds.toFixed(1)} s, ${os.availableParallelism()} cores = ${((os.availableParallelism() * 1000) / rate).toFixed(1)} ms per event)`);
    const load = { rate, seconds: BASELINE_SECONDS };
    const baseline = await measureBaseline({ databaseUrl, mode: load });
    sayBaseline(load, baseline);
    const ratioMet = sayRatio('endpoint p99 ms', { baseline: baseline.p99, bench: percentile(latencies, 99) }, P99_RATIO_TARGET);
    if (failures > 0 || !ratioMet || !(result.drained <= 10)) process.exitCode = 1;
  } finally {
    await sql.end();
    await stopChild(stack);
    await dropBenchDatabase(databaseUrl);
    await temporary?.stop();
  }
});
