/**
 * The webhook storm (issue 16): Billfold's production build scaled out on one machine, and a
 * provider's storm of deliveries aimed at it. The stack is a throwaway embedded PostgreSQL the
 * harness can stop and start, the sandbox, N app instances (`next start`) behind a round-robin
 * proxy (the "load balancer"), and M queue workers (scripts/worker.ts), each its own process.
 * The storm is 1,000 distinct events about real sandbox payments of real Billfold orders,
 * Stripe and PayPal mixed, several per payment (paid, then refunded), each delivered three
 * times, shuffled, 50 in flight; like a provider, any delivery not answered 2xx (or refused at
 * the socket, or unanswered in time) is delivered again after a short backoff until accepted.
 * Used by scripts/webhook-storm.storm.ts (CI) and bench/storm.ts (`npm run bench:storm`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, sql as dsql } from 'drizzle-orm';
import type { Sql } from 'postgres';
import Stripe from 'stripe';
import { connect, type Database } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { auditLog, emails, orders, payments, refunds, webhookEvents } from '@/db/schema';
import { WEBHOOK_QUEUE } from '@/lib/jobs/queues';
import { money } from '@/lib/money';
import { paypalClientFor, paypalConnection } from '@/lib/payments/paypal/client';
import type { PaymentProvider } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError, type PaymentProviderName } from '@/lib/payments/types';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { startTemporaryPostgres, type RunningPostgres } from './postgres';
import { deliver, paypalEvent, stripeEvent, type Delivery } from './signed-webhooks';
import { ROOT } from './stack';

const SECRET = 'whsec_billfold_storm_secret';
const AUTH_SECRET = 'storm-secret-that-is-long-enough-for-auth-js-0123456789';

export interface StormPorts {
  postgres: number;
  sandbox: number;
  /** One port per app instance. */
  apps: number[];
  /** The round-robin in front of them: where the provider delivers. */
  proxy: number;
}

export interface StormStackOptions {
  ports: StormPorts;
  workers: number;
  /**
   * Seconds after which a job left running is presumed lost (its worker died) and retried. 60 s
   * in production (lib/jobs/queues.ts); a test of a killed worker sets less, to wait less.
   */
  jobExpirySeconds?: number;
}

/** One running process of the stack, with its log file. */
interface Child {
  name: string;
  process: ChildProcess;
  log: string;
}

export interface StormStack {
  databaseUrl: string;
  proxyPort: number;
  sandboxUrl: string;
  /** The PayPal webhook the app verifies deliveries against (PAYPAL_SANDBOX_WEBHOOK_ID). */
  paypalWebhookId: string;
  db: Database;
  sql: Sql;
  logDir: string;
  /** Workers running now, oldest first. */
  workers: Child[];
  startWorker(): Promise<Child>;
  /** Kills a worker with `signal` (SIGKILL: no shutdown, jobs left running) and waits until it is gone. */
  killWorker(worker: Child, signal: NodeJS.Signals): Promise<void>;
  /** Stops PostgreSQL (fast shutdown: every connection cut), waits `downForMs`, starts it again. */
  restartPostgres(downForMs: number): Promise<{ stoppedAt: number; startedAt: number }>;
  /** Processes of the stack that exited without being asked to (an app or the sandbox crashing). */
  crashed(): string[];
  stop(): Promise<void>;
}

// As npm start runs them (scripts/lib/orchestrator.ts): fewer scavenges under a storm.
const NODE_OPTIONS = '--max-semi-space-size=32';

/**
 * The worker and the sandbox lower their own priority (nice 10) so that, on a machine of their
 * own, the web process answers first. On a host shared with other work that would leave them
 * almost no CPU at all, and the storm would measure the host: they run at the harness's
 * priority instead (as root; otherwise as they set it).
 */
function runAtOurPriority(child: ChildProcess): void {
  try {
    if (child.pid) os.setPriority(child.pid, os.getPriority());
  } catch {
    // Not allowed to raise a priority: they stay at nice 10.
  }
}

function spawnLogged(logDir: string, name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const log = path.join(logDir, `${name}.log`);
  const output = fs.openSync(log, 'a');
  // `node --import tsx` rather than the tsx CLI: one process, so SIGKILL kills the worker itself.
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', output, output], env });
  fs.closeSync(output);
  return { name, process: child, log };
}

async function until<T>(what: string, check: () => Promise<T | false | null | undefined> | T | false | null | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const answersOk = (url: string) => fetch(url).then((response) => response.ok, () => false);

function stopChild({ process: child }: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * A local round-robin load balancer: each request goes to the next app instance. Nothing sticks
 * to an instance (Billfold keeps no state in a web process), and an instance that cannot be
 * reached answers 502, as a load balancer would.
 */
function roundRobin(port: number, targets: number[]): Promise<http.Server> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const server = http.createServer((request, response) => {
    const target = targets[next++ % targets.length]!;
    const upstream = http.request({ agent, host: '127.0.0.1', port: target, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.once('error', () => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
    // A client that gives up (a provider's timeout) gives up on the instance too.
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Registers the PayPal webhook the app verifies deliveries for, subscribed to an event type no
 * storm payment raises: the sandbox's own deliveries would add events the storm did not send.
 */
async function registerPaypalWebhook(sandboxUrl: string, url: string): Promise<string> {
  const { rest } = paypalClientFor(paypalConnection({ paymentsMode: 'sandbox', sandboxUrl, paypal: null }));
  const created = await rest.request<{ id: string }>('POST', '/v1/notifications/webhooks', { body: { url, event_types: [{ name: 'BILLING.PLAN.CREATED' }] } });
  return created.id;
}

/** Starts the whole stack; `stop()` ends every process and deletes the database. */
export async function startStormStack({ ports, workers: workerCount, jobExpirySeconds }: StormStackOptions): Promise<StormStack> {
  if (!fs.existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) throw new Error('There is no production build: run `npm run build` first (the storm runs `next start`).');
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-storm-'));
  const postgres: RunningPostgres = await startTemporaryPostgres(ports.postgres);
  const children: Child[] = [];
  const expectedExits = new Set<ChildProcess>();
  const workers: Child[] = [];
  let proxy: http.Server | undefined;
  let connection: ReturnType<typeof connect> | undefined;
  const stop = async () => {
    for (const child of children) expectedExits.add(child.process);
    proxy?.closeAllConnections();
    await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
    await Promise.all(children.map((child) => stopChild(child)));
    await connection?.sql.end({ timeout: 5 });
    await postgres.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
  };
  try {
    const databaseUrl = postgres.url;
    await migrateDatabase(databaseUrl);
    if (jobExpirySeconds) {
      connection = connect(databaseUrl, { max: 1 });
      await connection.sql`update pgboss.queue set expire_seconds = ${jobExpirySeconds} where name = ${WEBHOOK_QUEUE}`;
    }
    const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      SANDBOX_PORT: String(ports.sandbox),
      AUTH_SECRET,
      BILLFOLD_ALLOW_TEST_MODE: '1',
      STRIPE_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_OPTIONS: NODE_OPTIONS,
    };
    const sandbox = spawnLogged(logDir, 'sandbox', ['--import', 'tsx', 'scripts/sandbox.ts'], { ...env, PGAPPNAME: 'billfold-sandbox' });
    children.push(sandbox);
    await until('the sandbox answering', () => answersOk(`${sandboxUrl}/health`), 120_000);
    runAtOurPriority(sandbox.process);
    const paypalWebhookId = await registerPaypalWebhook(sandboxUrl, `http://127.0.0.1:${ports.proxy}/api/webhooks/paypal`);
    env.PAYPAL_SANDBOX_WEBHOOK_ID = paypalWebhookId;

    const next = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
    for (const [n, port] of ports.apps.entries()) children.push(spawnLogged(logDir, `web-${n + 1}`, [next, 'start', '--port', String(port)], { ...env, PGAPPNAME: 'billfold-web' }));
    for (const port of ports.apps) await until(`the app on port ${port} answering`, () => answersOk(`http://127.0.0.1:${port}/api/health`), 120_000, 250);
    proxy = await roundRobin(ports.proxy, ports.apps);

    let started = 0;
    const startWorker = async () => {
      const worker = spawnLogged(logDir, `worker-${++started}`, ['--import', 'tsx', 'scripts/worker.ts'], { ...env, LOG_LEVEL: 'info', PGAPPNAME: 'billfold-worker' });
      children.push(worker);
      workers.push(worker);
      await until(`${worker.name} starting`, () => fs.readFileSync(worker.log, 'utf8').includes('"msg":"worker started"') || worker.process.exitCode !== null, 300_000, 200);
      if (worker.process.exitCode !== null) throw new Error(`${worker.name} exited at start: ${fs.readFileSync(worker.log, 'utf8').slice(-2000)}`);
      runAtOurPriority(worker.process);
      return worker;
    };
    for (let i = 0; i < workerCount; i++) await startWorker();

    connection ??= connect(databaseUrl, { max: 1 });
    const { db, sql } = connection;
    return {
      databaseUrl,
      proxyPort: ports.proxy,
      sandboxUrl,
      paypalWebhookId,
      db,
      sql,
      logDir,
      workers,
      startWorker,
      async killWorker(worker, signal) {
        expectedExits.add(worker.process);
        workers.splice(workers.indexOf(worker), 1);
        await stopChild(worker, signal);
      },
      async restartPostgres(downForMs) {
        const stoppedAt = Date.now();
        await postgres.stopServer();
        await new Promise((resolve) => setTimeout(resolve, downForMs));
        await postgres.startServer();
        return { stoppedAt, startedAt: Date.now() };
      },
      crashed: () => children.filter((child) => (child.process.exitCode !== null || child.process.signalCode !== null) && !expectedExits.has(child.process)).map((child) => child.name),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One event of the storm, before it is signed. */
interface StormEvent {
  provider: PaymentProviderName;
  id: string;
  type: string;
  object: Record<string, unknown>;
}

/** A Billfold order paid through the sandbox, and what Billfold must end up knowing about it. */
export interface PlannedPayment {
  provider: PaymentProviderName;
  orderId: string;
  providerPaymentId: string;
  amount: number;
  refundIds: string[];
  expected: { orderStatus: 'paid' | 'partially_refunded' | 'refunded'; amountCaptured: number; amountRefunded: number };
}

export interface StormPlan {
  payments: PlannedPayment[];
  events: StormEvent[];
}

/** How many payments of each kind, and the events each raises: 1,000 events in all. */
const MIX = {
  // created, succeeded, charge succeeded, charge updated: 50 × 4
  stripePaid: 50,
  // … then refunded in full: charge refunded, refund created and updated: 50 × 6
  stripeRefunded: 50,
  // approved, capture completed, order completed: 100 × 3
  paypalPaid: 100,
  // … then two partial refunds, each PAYMENT.CAPTURE.REFUNDED: 40 × 5
  paypalRefunded: 40,
} as const;

/**
 * Whether a planning call may simply be sent again: the sandbox was unavailable (a busy host can
 * keep it from answering in time), or it is still running the first request with the same
 * Idempotency-Key (409, idempotency_error: the SDK's own retry came while the first was running).
 */
function worthRetrying(error: unknown): boolean {
  if (error instanceof PaymentProviderUnavailableError) return true;
  const { type, code } = error as { type?: string; code?: string };
  return type === 'StripeConnectionError' || code === 'idempotency_key_in_use';
}

/** A call to the sandbox while planning, tried again while worthRetrying: every call carries an idempotency key, so a retry repeats nothing. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 5 || !worthRetrying(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

async function forEachAtMost<T>(limit: number, items: T[], apply: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await apply(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Makes the storm's payments as a shop's customers would: an order in Billfold, its payment at
 * the provider (carrying the order, as the checkout creates it), paid by the buyer (a test card
 * confirmed; a PayPal order approved on PayPal's page and captured), some refunded through the
 * provider. Then the events the providers raise about them, with ids of this storm (`tag`).
 */
export async function planStorm(stack: StormStack, tag: string): Promise<StormPlan> {
  const stripeSdk = new Stripe('sk_test_billfold_storm', { host: '127.0.0.1', port: Number(new URL(stack.sandboxUrl).port), protocol: 'http', telemetry: false, maxNetworkRetries: 2 });
  const stripe: PaymentProvider = stripeThrough(stripeSdk);
  const paypal: PaymentProvider = paypalThrough(stack.sandboxUrl);
  const kinds = [
    ...Array.from({ length: MIX.stripePaid }, () => ({ provider: 'stripe' as const, refunded: false })),
    ...Array.from({ length: MIX.stripeRefunded }, () => ({ provider: 'stripe' as const, refunded: true })),
    ...Array.from({ length: MIX.paypalPaid }, () => ({ provider: 'paypal' as const, refunded: false })),
    ...Array.from({ length: MIX.paypalRefunded }, () => ({ provider: 'paypal' as const, refunded: true })),
  ];
  const planned: PlannedPayment[] = [];
  const events: StormEvent[] = [];
  let n = 0;
  const eventId = (provider: PaymentProviderName) => (provider === 'stripe' ? `evt_storm_${tag}_${++n}` : `WH-STORM-${tag}-${++n}`);
  await forEachAtMost(6, kinds, async ({ provider, refunded }) => {
    const amount = 1000 + Math.floor(Math.random() * 9000);
    const [order] = await stack.db.insert(orders).values({ email: `storm-${tag}-${crypto.randomUUID()}@example.com`, currency: 'USD', amountSubtotal: amount, amountTotal: amount }).returning({ id: orders.id });
    const orderId = order!.id;
    const add = (type: string, object: Record<string, unknown>) => events.push({ provider, id: eventId(provider), type, object });
    if (provider === 'stripe') {
      const intent = await retried(() =>
        stripeSdk.paymentIntents.create(
          { amount, currency: 'usd', metadata: { order_id: orderId }, receipt_email: 'buyer@example.com', payment_method: 'pm_card_visa', confirm: true },
          { idempotencyKey: `checkout:${orderId}:intent:0` },
        ),
      );
      const charge = String(intent.latest_charge);
      const pi = { id: intent.id, object: 'payment_intent' };
      add('payment_intent.created', pi);
      add('payment_intent.succeeded', pi);
      add('charge.succeeded', { id: charge, object: 'charge', payment_intent: intent.id });
      const refundIds: string[] = [];
      if (refunded) {
        const refund = await retried(() => stripe.payments.refundPayment({ paymentId: intent.id, amount: money(amount, 'USD'), reason: 'requested_by_customer', metadata: {} }, `refund:${intent.id}:0`));
        refundIds.push(refund.id);
        add('charge.refunded', { id: charge, object: 'charge', payment_intent: intent.id });
        add('refund.created', { id: refund.id, object: 'refund', payment_intent: intent.id });
        add('refund.updated', { id: refund.id, object: 'refund', payment_intent: intent.id });
      } else {
        add('charge.updated', { id: charge, object: 'charge', payment_intent: intent.id });
      }
      planned.push({
        provider,
        orderId,
        providerPaymentId: intent.id,
        amount,
        refundIds,
        expected: { orderStatus: refunded ? 'refunded' : 'paid', amountCaptured: amount, amountRefunded: refunded ? amount : 0 },
      });
      return;
    }
    const created = await retried(() =>
      paypal.payments.createPayment({ amount: money(amount, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId, metadata: { order_id: orderId } }, `checkout:${orderId}:intent:0`),
    );
    // Recorded as the checkout records the attempt it hands to the browser.
    await stack.db.insert(payments).values({ orderId, provider: 'paypal', providerPaymentId: created.id, status: created.status, amount, currency: 'USD' });
    const approval = await fetch(`${stack.sandboxUrl}/paypal/checkoutnow?token=${encodeURIComponent(created.id)}`, { method: 'POST', body: new URLSearchParams({ decision: 'approve', buyer: 'buyer@example.com' }), redirect: 'manual' });
    await approval.arrayBuffer();
    if (approval.status >= 400) throw new Error(`PayPal's approval page answered ${approval.status}`);
    const captured = await retried(() => paypal.payments.capturePayment(created.id, `capture:${orderId}:0`));
    const captureId = captured.chargeId!;
    const capture = { id: captureId, status: 'COMPLETED', supplementary_data: { related_ids: { order_id: created.id } } };
    add('CHECKOUT.ORDER.APPROVED', { id: created.id, status: 'APPROVED' });
    add('PAYMENT.CAPTURE.COMPLETED', capture);
    add('CHECKOUT.ORDER.COMPLETED', { id: created.id, status: 'COMPLETED' });
    const refundIds: string[] = [];
    if (refunded) {
      for (const [i, part] of [100, 200].entries()) {
        const refund = await retried(() => paypal.payments.refundPayment({ paymentId: created.id, amount: money(part, 'USD'), reason: 'requested_by_customer', metadata: {} }, `refund:${orderId}:${i}`));
        refundIds.push(refund.id);
        add('PAYMENT.CAPTURE.REFUNDED', { id: refund.id, status: 'COMPLETED', links: [{ rel: 'up', href: `${stack.sandboxUrl}/paypal/v2/payments/captures/${captureId}` }] });
      }
    }
    planned.push({
      provider,
      orderId,
      providerPaymentId: created.id,
      amount,
      refundIds,
      expected: { orderStatus: refunded ? 'partially_refunded' : 'paid', amountCaptured: amount, amountRefunded: refunded ? 300 : 0 },
    });
  });
  return { payments: planned, events };
}

/** How the deliveries went, as the provider saw them. */
export interface DeliveryReport {
  deliveries: number;
  /** POSTs made, redeliveries included. */
  attempts: number;
  /** Answers other than 2xx, and failures at the socket, by reason ("HTTP 500", "ECONNRESET", …). */
  refused: Record<string, number>;
  /** When each non-2xx answer came (ms since the epoch), with its status. */
  refusals: { at: number; status: number; ms: number }[];
  /** The slowest answer, in ms. */
  slowestMs: number;
  startedAt: number;
  seconds: number;
}

export interface RunningStorm {
  progress: { accepted: number; attempts: number };
  done: Promise<DeliveryReport>;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Delivers every event of `plan` `copies` times, shuffled, `inFlight` at a time, at the proxy.
 * A delivery answered other than 2xx, refused at the socket or unanswered within 20 s (Stripe's
 * own limit) is signed again and redelivered after a short backoff, until it is accepted, as a
 * provider retries; a provider's backoff is minutes to hours, this one a fraction of a second so
 * the test waits for Billfold rather than for the sender.
 */
export function startStorm(stack: StormStack, plan: StormPlan, { copies = 3, inFlight = 50 } = {}): RunningStorm {
  const paypalUrl = `${stack.sandboxUrl}/paypal`;
  const sign = (event: StormEvent, paypalWebhookId: string): Delivery =>
    event.provider === 'stripe' ? stripeEvent(SECRET, event.id, event.type, event.object) : paypalEvent(paypalUrl, paypalWebhookId, event.id, event.type, event.object);
  const progress = { accepted: 0, attempts: 0 };
  const done = (async (): Promise<DeliveryReport> => {
    const paypalWebhookId = stack.paypalWebhookId;
    // Signed before the clock starts, as in bench:webhooks: the storm measures Billfold, not this client.
    const queue = shuffled(plan.events.flatMap((event) => Array.from({ length: copies }, () => ({ event, delivery: sign(event, paypalWebhookId) }))));
    const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
    const refused: Record<string, number> = {};
    const refusals: DeliveryReport['refusals'] = [];
    let slowestMs = 0;
    const startedAt = Date.now();
    let next = 0;
    const lane = async () => {
      while (next < queue.length) {
        const item = queue[next++]!;
        let delivery = item.delivery;
        for (let attempt = 1; ; attempt++) {
          progress.attempts++;
          const sent = performance.now();
          let reason: string | null;
          let status = 0;
          try {
            status = await deliver(agent, stack.proxyPort, delivery, 20_000);
            reason = status >= 200 && status < 300 ? null : `HTTP ${status}`;
          } catch (error) {
            reason = (error as NodeJS.ErrnoException).code ?? String(error);
          }
          const ms = performance.now() - sent;
          slowestMs = Math.max(slowestMs, ms);
          if (reason === null) break;
          refused[reason] = (refused[reason] ?? 0) + 1;
          refusals.push({ at: Date.now(), status, ms });
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
          delivery = sign(item.event, paypalWebhookId);
        }
        progress.accepted++;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    agent.destroy();
    return { deliveries: queue.length, attempts: progress.attempts, refused, refusals, slowestMs, startedAt, seconds: (Date.now() - startedAt) / 1000 };
  })();
  return { progress, done };
}

/** True once every event of the plan is settled, the webhook queue is empty and every order is in its final state with its receipt. */
async function drained(stack: StormStack, plan: StormPlan): Promise<boolean> {
  const ids = plan.events.map((event) => event.id);
  const [row] = await stack.sql<{ settled: number; queued: number; final: number; receipts: number }[]>`
    select
      (select count(*)::int from webhook_events where event_id = any(${ids}) and status in ('processed', 'ignored', 'dead')) as settled,
      (select count(*)::int from pgboss.job where name = ${WEBHOOK_QUEUE} and state in ('created', 'retry', 'active')) as queued,
      (select count(*)::int from orders o join jsonb_to_recordset(${JSON.stringify(plan.payments.map((p) => ({ id: p.orderId, status: p.expected.orderStatus })))}::jsonb) as e(id uuid, status text)
         on o.id = e.id and o.status::text = e.status) as final,
      (select count(*)::int from emails where kind = 'receipt' and ref = any(${plan.payments.map((p) => p.orderId)})) as receipts`;
  return row?.settled === ids.length && row.queued === 0 && row.final === plan.payments.length && row.receipts === plan.payments.length;
}

/** Seconds from `since` (ms since the epoch) until the storm is drained (polled every 100 ms); throws after `timeoutMs`. */
export async function secondsToDrain(stack: StormStack, plan: StormPlan, since: number, timeoutMs = 600_000): Promise<number> {
  await until('the backlog draining', async () => (await drained(stack, plan).catch(() => false)) || null, timeoutMs, 100);
  return (Date.now() - since) / 1000;
}

/**
 * Everything a storm must leave exactly once, as a list of what is wrong (empty: exactly once).
 * Effects, not only the event rows: each order's state, one payment row per payment with the
 * amounts captured and refunded, each refund once, one receipt per order and no other email,
 * no duplicate-payment audit entry, each event stored once, none dead, the queue empty.
 */
export async function exactlyOnceViolations(stack: StormStack, plan: StormPlan): Promise<string[]> {
  const problems: string[] = [];
  const { db } = stack;
  const orderIds = plan.payments.map((payment) => payment.orderId);
  const eventIds = plan.events.map((event) => event.id);

  const stored = await db.select({ eventId: webhookEvents.eventId, status: webhookEvents.status }).from(webhookEvents).where(inArray(webhookEvents.eventId, eventIds));
  if (stored.length !== eventIds.length) problems.push(`${stored.length} events stored for ${eventIds.length} sent`);
  const byStatus: Record<string, number> = {};
  for (const row of stored) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
  for (const [status, count] of Object.entries(byStatus)) if (status !== 'processed' && status !== 'ignored') problems.push(`${count} events ${status}`);
  const [queue] = await stack.sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = ${WEBHOOK_QUEUE} and state in ('created', 'retry', 'active')`;
  if (queue?.n) problems.push(`${queue.n} webhook jobs still queued`);

  const orderRows = new Map((await db.select({ id: orders.id, status: orders.status, paidByPaymentId: orders.paidByPaymentId }).from(orders).where(inArray(orders.id, orderIds))).map((row) => [row.id, row]));
  const paymentRows = await db.select().from(payments).where(inArray(payments.orderId, orderIds));
  const refundRows = await db.select({ paymentId: refunds.paymentId, providerRefundId: refunds.providerRefundId, amount: refunds.amount }).from(refunds).where(inArray(refunds.paymentId, paymentRows.map((payment) => payment.id)));
  const emailRows = await db.select({ kind: emails.kind, ref: emails.ref }).from(emails).where(inArray(emails.ref, orderIds));
  for (const planned of plan.payments) {
    const what = `${planned.provider} payment ${planned.providerPaymentId} (order ${planned.orderId})`;
    const order = orderRows.get(planned.orderId);
    if (order?.status !== planned.expected.orderStatus) problems.push(`${what}: order ${order?.status ?? 'missing'}, expected ${planned.expected.orderStatus}`);
    const rows = paymentRows.filter((row) => row.orderId === planned.orderId);
    if (rows.length !== 1) {
      problems.push(`${what}: ${rows.length} payment rows`);
      continue;
    }
    const [payment] = rows;
    if (payment!.providerPaymentId !== planned.providerPaymentId || payment!.status !== 'succeeded') problems.push(`${what}: payment row ${payment!.providerPaymentId} ${payment!.status}`);
    if (payment!.amountCaptured !== planned.expected.amountCaptured || payment!.amountRefunded !== planned.expected.amountRefunded) {
      problems.push(`${what}: captured ${payment!.amountCaptured} refunded ${payment!.amountRefunded}, expected ${planned.expected.amountCaptured} and ${planned.expected.amountRefunded}`);
    }
    if (order?.paidByPaymentId !== payment!.id) problems.push(`${what}: order paid by ${order?.paidByPaymentId ?? 'nothing'}`);
    const itsRefunds = refundRows.filter((refund) => refund.paymentId === payment!.id).map((refund) => refund.providerRefundId).sort();
    if (JSON.stringify(itsRefunds) !== JSON.stringify([...planned.refundIds].sort())) problems.push(`${what}: refunds ${itsRefunds.join(', ') || 'none'}, expected ${planned.refundIds.join(', ') || 'none'}`);
    const itsEmails = emailRows.filter((email) => email.ref === planned.orderId).map((email) => email.kind);
    if (JSON.stringify(itsEmails) !== JSON.stringify(['receipt'])) problems.push(`${what}: emails ${itsEmails.join(', ') || 'none'}, expected one receipt`);
  }
  const duplicates = await db
    .select({ n: dsql<number>`count(*)::int` })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'payment.duplicate_detected'), inArray(auditLog.subjectId, paymentRows.map((payment) => payment.id))));
  if (duplicates[0]?.n) problems.push(`${duplicates[0].n} payments audited as paid twice`);
  return problems;
}
