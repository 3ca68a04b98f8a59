/**
 * Webhook ingestion under load (issue target: at 200 signed events/s for 60 s, the endpoint's
 * p99 < 50 ms with no non-2xx answer, and the worker's backlog drained within 10 s of the end).
 * Runs the production stack (`npm run build` first) on its own database and ports, sends
 * `payment_intent.succeeded` events for real sandbox PaymentIntents at a fixed rate (open loop),
 * then waits for the worker to apply them all.
 *
 *   npm run bench:webhooks [-- --rate 200 --seconds 60]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import postgres from 'postgres';
import Stripe from 'stripe';
import { startTemporaryPostgres } from '../scripts/lib/postgres';
import { ROOT, runCli, say } from '../scripts/lib/stack';
import { cpuByLabel, descendantsOf, option, percentile, processCpu } from './measure';

const SECRET = 'whsec_billfold_bench_secret';

/** POSTs one signed event to the webhook route; resolves with the HTTP status. */
function deliver(agent: http.Agent, port: number, payload: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: '127.0.0.1', port, path: '/api/webhooks/stripe', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), 'Stripe-Signature': signature } },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.once('error', reject);
    request.end(payload);
  });
}

runCli(async () => {
  if (!fs.existsSync(`${ROOT}/.next/BUILD_ID`)) throw new Error('Run `npm run build` first: the benchmark measures the production server.');
  const rate = option('rate', 200);
  const seconds = option('seconds', 60);
  const port = option('port', 3400);
  const sandboxPort = option('sandbox-port', 4600);
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
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  try {
    const app = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${app}/api/health`).then((r) => r.ok).catch(() => false)) break;
      if (i > 600) throw new Error('the stack did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stripe = new Stripe('sk_test_bench', { host: '127.0.0.1', port: sandboxPort, protocol: 'http', telemetry: false });
    const intents: string[] = [];
    for (let i = 0; i < 200; i++) intents.push((await stripe.paymentIntents.create({ amount: 1000 + i, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })).id);
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

    // Events are signed before the clock starts, so the measurement is of the endpoint, not of
    // this client's HMACs (Stripe's tolerance of 5 minutes covers the run).
    const total = rate * seconds;
    const deliveries = Array.from({ length: total }, (_, n) => {
      const payload = JSON.stringify({
        id: `evt_bench_${n}`,
        object: 'event',
        api_version: Stripe.API_VERSION,
        created: Math.floor(Date.now() / 1000),
        type: 'payment_intent.succeeded',
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object: { id: intents[n % intents.length]!, object: 'payment_intent' } },
      });
      return { payload, header: stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }) };
    });
    const cpuOfStack = () => {
      const processes = processCpu();
      const stackProcesses = descendantsOf(stack.pid!, processes);
      const database = processes.filter((candidate) => candidate.command.includes(' billfold_bench '));
      return {
        ...cpuByLabel(stackProcesses, { web: /next-server|next start/, worker: /scripts\/worker\.ts/, sandbox: /scripts\/sandbox\.ts/ }),
        postgres: database.reduce((sum, candidate) => sum + candidate.cpuMs, 0),
        'bench client': process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
      };
    };

    // node:http with keep-alive costs this client a third of what fetch does, leaving the CPU to
    // the stack being measured.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const latencies: number[] = [];
    let failures = 0;
    const cpuBefore = cpuOfStack();
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { payload, header } = deliveries[n]!;
      const sent = performance.now();
      inFlight.push(
        deliver(agent, port, payload, header).then(
          (status) => {
            latencies.push(performance.now() - sent);
            if (status < 200 || status >= 300) failures++;
          },
          () => {
            failures++;
          },
        ),
      );
    }
    await Promise.all(inFlight);
    const loadEnded = performance.now();
    const cpuAfter = cpuOfStack();
    let drainedAfter = Number.NaN;
    for (;;) {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events where event_id like 'evt_bench_%' and status not in ('processed', 'ignored', 'dead')`;
      if ((row?.n ?? 1) === 0) {
        drainedAfter = (performance.now() - loadEnded) / 1000;
        break;
      }
      if (performance.now() - loadEnded > 120_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [dead] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events where status = 'dead'`;
    latencies.sort((a, b) => a - b);
    say(`webhook bench: ${total} signed events at ${rate}/s for ${seconds} s`);
    say(`  endpoint latency ms: p50 ${percentile(latencies, 50).toFixed(1)}, p95 ${percentile(latencies, 95).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)} (target p99 < 50)`);
    say(`  non-2xx or failed: ${failures} (target 0); dead events: ${dead?.n ?? 0}`);
    say(`  backlog drained ${Number.isNaN(drainedAfter) ? 'NOT within 120 s' : `${drainedAfter.toFixed(1)} s`} after the load stopped (target ≤ 10 s)`);
    const perEvent = Object.entries(cpuAfter).map(([label, ms]) => `${label} ${((ms - cpuBefore[label as keyof typeof cpuBefore]) / total).toFixed(2)}`);
    say(`  CPU ms per event during the load: ${perEvent.join(', ')} (${((loadEnded - started) / 1000).toFixed(1)} s, 2 cores = ${(2000 / rate).toFixed(1)} ms per event)`);
    if (failures > 0 || percentile(latencies, 99) >= 50 || !(drainedAfter <= 10)) process.exitCode = 1;
  } finally {
    await sql.end();
    stack.kill('SIGTERM');
    await new Promise((resolve) => stack.once('exit', resolve));
    await temporary?.stop();
  }
});
