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
 *
 * BENCH_TRACE=<file> writes each event's send time and latency, to see when slow answers happen.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import postgres from 'postgres';
import { CheckoutPaymentIntent, OrdersController } from '@paypal/paypal-server-sdk';
import Stripe from 'stripe';
import { sdkClientFor } from '../sandbox/paypal/sdk';
import { startTemporaryPostgres } from '../scripts/lib/postgres';
import { deliver, paypalEvent, registeredPaypalWebhook, stripeEvent, type Delivery } from '../scripts/lib/signed-webhooks';
import { ROOT, runCli, say } from '../scripts/lib/stack';
import { cpuByLabel, descendantsOf, option, percentile, processCpu } from './measure';

const SECRET = 'whsec_billfold_bench_secret';

/** A PAYMENT.CAPTURE.COMPLETED event for `subject` (`<order id>:<capture id>`). */
function capturedEvent(paypalUrl: string, webhookId: string, id: string, subject: string): Delivery {
  const [orderId, captureId] = subject.split(':');
  return paypalEvent(paypalUrl, webhookId, id, 'PAYMENT.CAPTURE.COMPLETED', { id: captureId, status: 'COMPLETED', supplementary_data: { related_ids: { order_id: orderId } } });
}

runCli(async () => {
  if (!fs.existsSync(`${ROOT}/.next/BUILD_ID`)) throw new Error('Run `npm run build` first: the benchmark measures the production server.');
  const rate = option('rate', 200);
  const seconds = option('seconds', 60);
  const warmupSeconds = option('warmup', 5);
  const port = option('port', 3400);
  const sandboxPort = option('sandbox-port', 4600);
  const provider = process.argv.includes('--provider') ? process.argv[process.argv.indexOf('--provider') + 1] : 'stripe';
  if (provider !== 'stripe' && provider !== 'paypal') throw new Error(`--provider is stripe or paypal, not ${provider}`);
  const temporary = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres(54333);
  const base = new URL(process.env.DATABASE_URL ?? temporary!.url);
  const admin = postgres(base.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe('drop database if exists billfold_bench with (force)');
  await admin.unsafe('create database billfold_bench');
  await admin.end();
  base.pathname = '/billfold_bench';
  const databaseUrl = base.toString();

  const stack = spawn(`${ROOT}/node_modules/.bin/tsx`, ['scripts/dev.ts', '--production'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      AUTH_SECRET: 'bench-secret-that-is-long-enough-for-auth-js-0123456789',
      BILLFOLD_ALLOW_TEST_MODE: '1',
      STRIPE_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'error',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connection: { application_name: 'billfold-bench' } });
  try {
    const app = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${app}/api/health`).then((r) => r.ok).catch(() => false)) break;
      if (i > 600) throw new Error('the stack did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
    const sendAtRate = async (deliveries: Delivery[]) => {
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
        select pid, application_name from pg_stat_activity where datname = 'billfold_bench'`;
      const servedBy = new Map(backends.map((backend) => [backend.pid, backend.application_name.replace(/^billfold-?/, '') || 'other']));
      const processes = processCpu();
      const database: Record<string, number> = {};
      for (const candidate of processes) {
        if (!candidate.command.includes(' billfold_bench ')) continue;
        const label = `postgres (${servedBy.get(candidate.pid) ?? 'other'})`;
        database[label] = (database[label] ?? 0) + candidate.cpuMs;
      }
      return {
        ...cpuByLabel(descendantsOf(stack.pid!, processes), { web: /next-server|next start/, worker: /scripts\/worker\.ts/, sandbox: /scripts\/sandbox\.ts/ }),
        ...database,
        'bench client': process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
      };
    };

    // The steady state is what is measured: a few seconds of the same load first let the JIT
    // compile the hot paths of every process and fill the connection pools, then drain.
    if (warmupSeconds > 0) {
      const warm = await sendAtRate(signEvents('warmup', rate * warmupSeconds));
      const drained = await secondsToDrain('warmup');
      say(`warm-up: ${rate * warmupSeconds} events in ${warm.seconds.toFixed(1)} s, p99 ${percentile(warm.latencies, 99).toFixed(1)} ms, drained in ${drained.toFixed(1)} s`);
    }

    const total = rate * seconds;
    const deliveries = signEvents('bench', total);
    const cpuBefore = await cpuOfStack();
    const load = await sendAtRate(deliveries);
    const cpuAfter = await cpuOfStack();
    const drainedAfter = await secondsToDrain('bench');
    if (process.env.BENCH_TRACE) fs.writeFileSync(process.env.BENCH_TRACE, `# started at ${load.startedAt} (epoch ms)\n${load.trace.join('\n')}\n`);
    const [dead] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events where status = 'dead'`;
    const { latencies } = load;
    const failures = [...load.failures.values()].reduce((sum, n) => sum + n, 0);
    say(`webhook bench: ${total} signed events at ${rate}/s for ${seconds} s`);
    say(`  endpoint latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${(latencies.at(-1) ?? 0).toFixed(1)} (target p99 < 50)`);
    say(`  non-2xx or failed: ${failures}${failures > 0 ? ` (${[...load.failures].map(([reason, n]) => `${reason}: ${n}`).join(', ')})` : ''} (target 0); dead events: ${dead?.n ?? 0}`);
    say(`  backlog drained ${Number.isNaN(drainedAfter) ? 'NOT within 120 s' : `${drainedAfter.toFixed(1)} s`} after the load stopped (target ≤ 10 s)`);
    const perEvent = Object.entries(cpuAfter).map(([label, ms]) => `${label} ${((ms - (cpuBefore[label] ?? 0)) / total).toFixed(2)}`);
    say(`  CPU ms per event during the load: ${perEvent.join(', ')} (${load.seconds.toFixed(1)} s, ${os.availableParallelism()} cores = ${((os.availableParallelism() * 1000) / rate).toFixed(1)} ms per event)`);
    if (failures > 0 || percentile(latencies, 99) >= 50 || !(drainedAfter <= 10)) process.exitCode = 1;
  } finally {
    await sql.end();
    stack.kill('SIGTERM');
    await new Promise((resolve) => stack.once('exit', resolve));
    await temporary?.stop();
  }
});
