import { eq, inArray, sql as dsql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import postgres, { type Sql } from 'postgres';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type Database } from '@/db/client';
import { emails, orders, payments, refunds, webhookEvents } from '@/db/schema';
import { formatMoney } from '@/lib/money';
import { registryThrough, stripeThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { createBoss, startBoss } from './boss';
import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_QUEUE } from './queues';
import { startWorker } from './worker';
import { processWebhookEvent, processWebhookEvents, type WebhookDeps } from './webhook-worker';

const t = isolatedSandbox();
const SECRET = 'whsec_billfold_webhook_tests';
const ROTATED = 'whsec_billfold_previous_secret';

let sql: Sql;
let db: Database;
let boss: PgBoss;
let closeDb: () => Promise<void>;
let POST: (request: Request) => Promise<Response>;
let webhookEndpoint: typeof import('./webhook-endpoint').webhookEndpoint;
/** What the worker runs with: the sandbox's Stripe behind the payment registry. */
let deps: WebhookDeps;

beforeAll(async () => {
  const connection = connect(databaseUrlOf());
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  deps = { db, payments: registryThrough(t.stripe, { webhookSecrets: [SECRET, ROTATED] }) };
  sql = postgres(databaseUrlOf(), { max: 4, onnotice: () => {} });
  boss = await startBoss(createBoss(databaseUrlOf(), 'producer'));
  // The route handler reads its configuration from the environment, as in production.
  const { port } = new URL(t.server.url);
  Object.assign(process.env, { DATABASE_URL: databaseUrlOf(), STRIPE_WEBHOOK_SECRET: `${SECRET},${ROTATED}`, SANDBOX_PORT: port, NODE_ENV: 'test' });
  vi.resetModules();
  ({ POST } = await import('@/app/api/webhooks/stripe/route'));
  ({ webhookEndpoint } = await import('./webhook-endpoint'));
});

afterAll(async () => {
  const { closeDb: closeGlobal } = await import('@/db/client');
  await closeGlobal();
  await boss.stop({ graceful: false, close: true });
  await sql.end();
  await closeDb();
});

function databaseUrlOf(): string {
  return t.databaseUrl;
}

function signed(payload: string, options: { secret?: string; timestamp?: number } = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'stripe-signature': t.stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp }),
  };
}

function deliver(body: string, headers: Record<string, string>): Promise<Response> {
  return POST(new Request('http://localhost/api/webhooks/stripe', { method: 'POST', body, headers }));
}

async function counts() {
  const [events] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
  const [jobs] = await sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = 'webhook-events'`;
  return { events: events?.n ?? 0, jobs: jobs?.n ?? 0 };
}

async function newOrder(amount: number, currency = 'USD') {
  const [order] = await db.insert(orders).values({ email: 'buyer@example.com', currency, amountSubtotal: amount, amountTotal: amount }).returning();
  return order!;
}

/** Every event the sandbox raised about one PaymentIntent, as Stripe would deliver them. */
async function eventsFor(intentId: string): Promise<Stripe.Event[]> {
  const all: Stripe.Event[] = [];
  for await (const event of t.stripe.events.list({ limit: 100 })) {
    if (JSON.stringify(event.data.object).includes(intentId)) all.push(event);
  }
  return all;
}

async function ingest(event: Stripe.Event): Promise<void> {
  const body = JSON.stringify(event);
  const response = await deliver(body, signed(body));
  expect(response.status).toBe(200);
}

async function storedIds(): Promise<string[]> {
  return (await db.select({ id: webhookEvents.id }).from(webhookEvents)).map((row) => row.id);
}

describe('the Stripe webhook route', () => {
  const event = { id: 'evt_route_1', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } }, created: 1, livemode: false, api_version: null, pending_webhooks: 0, request: null };
  const body = JSON.stringify(event);

  it('refuses a missing, wrong, stale or altered signature with 400 and writes nothing', async () => {
    const before = await counts();
    const refusals = [
      await deliver(body, { 'content-type': 'application/json' }),
      await deliver(body, signed(body, { secret: 'whsec_someone_else' })),
      await deliver(body, signed(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 })),
      await deliver(body.replace('cus_1', 'cus_2'), signed(body)),
      await deliver(body, { 'content-type': 'application/json', 'stripe-signature': 'garbage' }),
    ];
    expect(refusals.map((response) => response.status)).toEqual([400, 400, 400, 400, 400]);
    expect(await counts()).toEqual(before);
  });

  it('accepts an event signed with either secret during a rotation, stores it once and enqueues one job', async () => {
    const before = await counts();
    const first = await deliver(body, signed(body, { secret: ROTATED }));
    expect(first.status).toBe(200);
    const again = await deliver(body, signed(body));
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(await counts()).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });
  });

  it('stores 50 concurrent deliveries of one event once, with one job', async () => {
    const copy = JSON.stringify({ ...event, id: 'evt_route_storm' });
    const before = await counts();
    const responses = await Promise.all(Array.from({ length: 50 }, () => deliver(copy, signed(copy))));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(await counts()).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });
  });

  it('enqueues the job exactly as pg-boss itself would, with the queue’s retry, expiry and retention policy', async () => {
    const copy = JSON.stringify({ ...event, id: 'evt_route_policy' });
    await deliver(copy, signed(copy));
    const [stored] = await db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.eventId, 'evt_route_policy'));
    const reference = await boss.send(WEBHOOK_QUEUE, { webhookEventId: stored!.id });
    const columns = dsql.raw(
      `data, state, priority, retry_limit, retry_count, retry_delay, retry_backoff, singleton_key, singleton_on, expire_in, dead_letter, policy,
       date_trunc('minute', keep_until - created_on) as retention`,
    );
    const jobs = await db.execute<Record<string, unknown>>(dsql`select id, ${columns} from pgboss.job where name = ${WEBHOOK_QUEUE} and id in (${stored!.id}, ${reference})`);
    const ours = jobs.find((job) => job.id === stored!.id);
    const theirs = jobs.find((job) => job.id === reference);
    expect(ours).toBeDefined();
    expect({ ...ours, id: undefined }).toEqual({ ...theirs, id: undefined });
    await boss.cancel(WEBHOOK_QUEUE, reference!);
  });

  it('answers 404 for a provider this configuration does not enable, and stores nothing', async () => {
    // A configuration that enables Stripe only (test keys, no PayPal credentials). The sandbox
    // mode of this file's route enables PayPal too (the sandbox serves it): see paypal-webhooks.test.ts.
    // The registry module the endpoint was imported with (after vi.resetModules), so its
    // UnknownPaymentProviderError is the class the endpoint recognises.
    const { createPaymentRegistry } = await import('@/lib/payments');
    const stripeOnly = createPaymentRegistry([stripeThrough(t.stripe, [SECRET])]);
    const before = await counts();
    const response = await webhookEndpoint('paypal', () => stripeOnly)(new Request('http://localhost/api/webhooks/paypal', { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    expect(response.status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('stores and acknowledges event types Billfold ignores, then marks them ignored', async () => {
    const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.eventId, 'evt_route_1'));
    await processWebhookEvent(deps, row!.id);
    const [after] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, row!.id));
    expect(after).toMatchObject({ status: 'ignored', attempts: 1 });
  });
});

describe('applying payment events', () => {
  async function payOrder(amount: number, currency = 'usd') {
    const order = await newOrder(amount, currency.toUpperCase());
    const intent = await t.stripe.paymentIntents.create({ amount, currency, metadata: { order_id: order.id } });
    await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclined' }).catch(() => undefined);
    await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    await t.stripe.refunds.create({ payment_intent: intent.id, amount: Math.floor(amount / 4) });
    return { order, intent };
  }

  it('brings an order to the right state whatever order its events arrive in', async () => {
    for (let round = 0; round < 4; round++) {
      const { order, intent } = await payOrder(2000 + round);
      const events = await eventsFor(intent.id);
      expect(events.length).toBeGreaterThanOrEqual(5);
      const shuffled = [...events].sort(() => Math.random() - 0.5);
      const knownBefore = new Set(await storedIds());
      for (const event of shuffled) await ingest(event);
      const fresh = (await storedIds()).filter((id) => !knownBefore.has(id)).sort(() => Math.random() - 0.5);
      // Applied concurrently and in random order, as several workers would.
      await Promise.all(fresh.map((id) => processWebhookEvent(deps, id)));

      const [stored] = await db.select().from(orders).where(eq(orders.id, order.id));
      expect(stored?.status).toBe('partially_refunded');
      expect(stored?.paidAt).not.toBeNull();
      const [payment] = await db.select().from(payments).where(eq(payments.providerPaymentId, intent.id));
      expect(payment).toMatchObject({ status: 'succeeded', amount: 2000 + round, amountCaptured: 2000 + round, amountRefunded: Math.floor((2000 + round) / 4), currency: 'USD', orderId: order.id });
      const paymentRefunds = await db.select().from(refunds).where(eq(refunds.paymentId, payment!.id));
      expect(paymentRefunds).toHaveLength(1);
      const receipts = await db.select().from(emails).where(eq(emails.ref, order.id));
      expect(receipts).toHaveLength(1);
      expect(receipts[0]).toMatchObject({ kind: 'receipt', to: 'buyer@example.com' });
      expect(receipts[0]?.text).toContain(`Total paid: ${formatMoney({ amount: 2000 + round, currency: 'USD' })}`);
    }
  });

  it('writes nothing when a redelivered event finds the payment as it was, and applies the next real change', async () => {
    const order = await newOrder(1200);
    const intent = await t.stripe.paymentIntents.create({ amount: 1200, currency: 'usd', metadata: { order_id: order.id } });
    await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const [succeeded] = (await eventsFor(intent.id)).filter((event) => event.type === 'payment_intent.succeeded');
    const apply = async (event: Stripe.Event, id: string) => {
      await ingest({ ...event, id } as Stripe.Event);
      const [row] = await db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.eventId, id));
      await processWebhookEvent(deps, row!.id);
    };
    // xmin changes with every write of a row, even one that sets the same values.
    const version = async () => (await sql<{ xmin: string; updated_at: Date }[]>`select xmin::text, updated_at from payments where provider_payment_id = ${intent.id}`)[0];
    const orderVersion = async () => (await sql<{ xmin: string }[]>`select xmin::text from orders where id = ${order.id}`)[0]?.xmin;

    await apply(succeeded!, `${succeeded!.id}_first`);
    const first = await version();
    const firstOrder = await orderVersion();
    expect(first).toBeDefined();
    await apply(succeeded!, `${succeeded!.id}_again`);
    expect(await version()).toEqual(first);
    expect(await orderVersion()).toBe(firstOrder);

    await t.stripe.refunds.create({ payment_intent: intent.id, amount: 200 });
    await apply(succeeded!, `${succeeded!.id}_after_refund`);
    const [payment] = await db.select().from(payments).where(eq(payments.providerPaymentId, intent.id));
    expect(payment).toMatchObject({ amountRefunded: 200, orderId: order.id });
    expect((await version())?.xmin).not.toBe(first?.xmin);
    const [stored] = await db.select().from(orders).where(eq(orders.id, order.id));
    expect(stored?.status).toBe('partially_refunded');
    expect(await db.select().from(emails).where(eq(emails.ref, order.id))).toHaveLength(1);
  });

  it('applies a batch of events about many payments in one transaction', async () => {
    const paid = await Promise.all([1400, 1500, 1600, 1700].map((amount) => payOrder(amount)));
    const known = new Set(await storedIds());
    for (const { intent } of paid) for (const event of await eventsFor(intent.id)) await ingest(event);
    const fresh = (await storedIds()).filter((id) => !known.has(id));
    const transactions = vi.spyOn(db, 'transaction');
    try {
      expect((await processWebhookEvents(deps, fresh)).size).toBe(0);
      expect(transactions).toHaveBeenCalledTimes(1);
    } finally {
      transactions.mockRestore();
    }
    for (const { order } of paid) {
      const [stored] = await db.select().from(orders).where(eq(orders.id, order.id));
      expect(stored?.status).toBe('partially_refunded');
      expect(await db.select().from(emails).where(eq(emails.ref, order.id))).toHaveLength(1);
    }
  });

  it('applies a batch about many payments together, and a payment that cannot be applied fails alone', async () => {
    const paid = await Promise.all([1100, 1200, 1300].map((amount) => payOrder(amount)));
    // An intent naming an order that does not exist here: applying it fails (and is retried).
    const strayOrder = '00000000-0000-4000-8000-000000000001';
    const stray = await t.stripe.paymentIntents.create({ amount: 700, currency: 'usd', metadata: { order_id: strayOrder } });
    await t.stripe.paymentIntents.confirm(stray.id, { payment_method: 'pm_card_visa' });
    const known = new Set(await storedIds());
    for (const { intent } of paid) for (const event of await eventsFor(intent.id)) await ingest(event);
    for (const event of await eventsFor(stray.id)) await ingest(event);
    // An event about an intent the provider does not know: its re-fetch fails, the rest go on.
    const unknown = { id: 'evt_batch_unknown_intent', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_batch_unknown', object: 'payment_intent' } }, created: 1, livemode: false, api_version: null, pending_webhooks: 0, request: null };
    await ingest(unknown as unknown as Stripe.Event);
    const fresh = (await storedIds()).filter((id) => !known.has(id));

    // Two workers' batches, overlapping and applied at the same time, as under a storm.
    const half = Math.ceil(fresh.length / 2);
    const [first, second] = await Promise.all([
      processWebhookEvents(deps, fresh.slice(0, half + 2)),
      processWebhookEvents(deps, fresh.slice(half - 2)),
    ]);
    const failed = new Set([...first.keys(), ...second.keys()]);

    for (const [index, { order, intent }] of paid.entries()) {
      const amount = [1100, 1200, 1300][index]!;
      const [stored] = await db.select().from(orders).where(eq(orders.id, order.id));
      expect(stored?.status).toBe('partially_refunded');
      const [payment] = await db.select().from(payments).where(eq(payments.providerPaymentId, intent.id));
      expect(payment).toMatchObject({ status: 'succeeded', amountCaptured: amount, amountRefunded: Math.floor(amount / 4), orderId: order.id });
      expect(await db.select().from(refunds).where(eq(refunds.paymentId, payment!.id))).toHaveLength(1);
      expect(await db.select().from(emails).where(eq(emails.ref, order.id))).toHaveLength(1);
    }
    const rows = await db.select().from(webhookEvents).where(inArray(webhookEvents.id, fresh));
    const byPayment = (id: string) => rows.filter((row) => JSON.stringify(row.payload).includes(id));
    for (const { intent } of paid) {
      const settled = byPayment(intent.id).map((row) => (row.status === 'ignored' ? 'ignored' : `${row.status}:${row.type}`));
      expect(settled.filter((status) => status !== 'ignored').every((status) => status.startsWith('processed:'))).toBe(true);
      expect(settled.filter((status) => status !== 'ignored').length).toBeGreaterThanOrEqual(3);
    }
    // The stray intent's and the unknown intent's events wait for a retry, with their errors.
    const waiting = [...byPayment(stray.id), ...byPayment('pi_batch_unknown')].filter((row) => row.status !== 'ignored');
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    for (const row of waiting) {
      expect(row.status).toBe('failed');
      expect(failed.has(row.id)).toBe(true);
    }
    // The order it names is not ours (yet): PostgreSQL's words, not the query, are kept for an admin.
    expect(byPayment(stray.id).find((row) => row.status === 'failed')?.lastError).toMatch(/^insert or update on table "payments" violates foreign key constraint/);
    expect(await db.select().from(payments).where(eq(payments.providerPaymentId, 'pi_batch_unknown'))).toHaveLength(0);
  });

  it('records a declined payment as payment_failed, and the order stays payable', async () => {
    const order = await newOrder(900);
    const intent = await t.stripe.paymentIntents.create({ amount: 900, currency: 'usd', metadata: { order_id: order.id } });
    await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }).catch(() => undefined);
    const known = new Set(await storedIds());
    for (const event of await eventsFor(intent.id)) await ingest(event);
    for (const id of (await storedIds()).filter((candidate) => !known.has(candidate))) await processWebhookEvent(deps, id);
    const [stored] = await db.select().from(orders).where(eq(orders.id, order.id));
    expect(stored?.status).toBe('payment_failed');
    const [payment] = await db.select().from(payments).where(eq(payments.providerPaymentId, intent.id));
    expect(payment).toMatchObject({ status: 'requires_payment_method', failureCode: 'insufficient_funds' });
  });

  it('records a dispute once its payment is known, retrying until then', async () => {
    const order = await newOrder(1500);
    const intent = await t.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', metadata: { order_id: order.id }, payment_method: 'pm_card_createDispute', confirm: true });
    const events = await eventsFor(intent.id);
    const dispute = events.find((event) => event.type === 'charge.dispute.created')!;
    const known = new Set(await storedIds());
    await ingest(dispute);
    const [disputeRow] = (await storedIds()).filter((id) => !known.has(id));
    await expect(processWebhookEvent(deps, disputeRow!)).rejects.toThrow(/not recorded yet/);
    for (const event of events.filter((candidate) => candidate.type !== 'charge.dispute.created')) await ingest(event);
    for (const id of (await storedIds()).filter((candidate) => !known.has(candidate) && candidate !== disputeRow)) await processWebhookEvent(deps, id);
    await processWebhookEvent(deps, disputeRow!);
    const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, disputeRow!));
    expect(row).toMatchObject({ status: 'processed', attempts: 2 });
    const found = await db.execute(dsql`select status, amount from disputes`);
    expect(found.length).toBeGreaterThanOrEqual(1);
  });

  it('parks an event as dead with its error after the last attempt', async () => {
    const [row] = await db
      .insert(webhookEvents)
      .values({ provider: 'stripe', eventId: 'evt_broken', type: 'payment_intent.succeeded', payload: { id: 'evt_broken', type: 'payment_intent.succeeded', data: { object: { id: 'pi_missing' } } }, attempts: 7, status: 'failed' })
      .returning();
    await processWebhookEvent(deps, row!.id);
    const [after] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, row!.id));
    expect(after?.status).toBe('dead');
    expect(after?.lastError).toContain('pi_missing');
  });
});

describe('an event of a provider nobody registered', () => {
  it('ends dead with a clear error after the last attempt, never ignored', async () => {
    // PayPal is in the payment_provider enum, but this worker's registry has Stripe only.
    const [row] = await db
      .insert(webhookEvents)
      .values({ provider: 'paypal', eventId: 'WH-UNREGISTERED-1', type: 'PAYMENT.CAPTURE.COMPLETED', payload: { id: 'WH-UNREGISTERED-1', event_type: 'PAYMENT.CAPTURE.COMPLETED' } })
      .returning();
    const statuses: string[] = [];
    const retried: (string | undefined)[] = [];
    for (let attempt = 1; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
      const failures = await processWebhookEvents(deps, [row!.id]);
      retried.push(failures.get(row!.id)?.message);
      const [after] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, row!.id));
      statuses.push(after!.status);
    }
    const error = 'no payment provider "paypal" is registered';
    // Each attempt but the last goes back to the queue with the error; the last parks it for an admin.
    expect(retried).toEqual([...Array<string>(WEBHOOK_MAX_ATTEMPTS - 1).fill(error), undefined]);
    expect(statuses).toEqual([...Array<string>(WEBHOOK_MAX_ATTEMPTS - 1).fill('failed'), 'dead']);
    const [dead] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, row!.id));
    expect(dead).toMatchObject({ status: 'dead', attempts: WEBHOOK_MAX_ATTEMPTS, lastError: error, processedAt: null });
  });
});

describe('a worker that dies', () => {
  async function paidOrderEvent() {
    const order = await newOrder(3100);
    const intent = await t.stripe.paymentIntents.create({ amount: 3100, currency: 'usd', metadata: { order_id: order.id }, payment_method: 'pm_card_visa', confirm: true });
    const succeeded = (await eventsFor(intent.id)).find((event) => event.type === 'payment_intent.succeeded')!;
    const known = new Set(await storedIds());
    await ingest(succeeded);
    const [rowId] = (await storedIds()).filter((id) => !known.has(id));
    return { order, intent, rowId: rowId! };
  }

  it('is replaced after a restart, and each event is applied exactly once', async () => {
    // A job left running by a dead worker is presumed lost after a second here (60 s in production).
    await boss.updateQueue(WEBHOOK_QUEUE, { name: WEBHOOK_QUEUE, expireInSeconds: 1, retryLimit: 7, retryDelay: 1, retryBackoff: false });
    // Drain jobs the other tests left queued, as a live worker would have.
    for (let jobs = await boss.fetch(WEBHOOK_QUEUE, { batchSize: 100 }); jobs && jobs.length > 0; jobs = await boss.fetch(WEBHOOK_QUEUE, { batchSize: 100 })) {
      await boss.complete(WEBHOOK_QUEUE, jobs.map((job) => job.id));
    }

    // One worker dies before doing anything; another dies after applying, before acknowledging.
    const untouched = await paidOrderEvent();
    const applied = await paidOrderEvent();
    const taken = await boss.fetch<{ webhookEventId: string }>(WEBHOOK_QUEUE, { batchSize: 10 });
    expect(taken?.map((job) => job.data.webhookEventId).sort()).toEqual([untouched.rowId, applied.rowId].sort());
    await processWebhookEvent(deps, applied.rowId);

    const worker = await startWorker(databaseUrlOf(), { ...deps, abandonCheckoutsAfterHours: 24, mail: { mode: 'off' } }, { pollingIntervalSeconds: 0.5, boss: { maintenanceIntervalSeconds: 1 } });
    try {
      for (const { order } of [untouched, applied]) {
        await expect.poll(async () => (await db.select().from(orders).where(eq(orders.id, order.id)))[0]?.status, { timeout: 20_000, interval: 200 }).toBe('paid');
      }
      await expect
        .poll(async () => (await sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = ${WEBHOOK_QUEUE} and state = 'completed'`)[0]?.n ?? 0, { timeout: 20_000, interval: 200 })
        .toBeGreaterThanOrEqual(2);
    } finally {
      await worker.stop({ graceful: false, close: true });
    }
    const rows = await db.select().from(webhookEvents).where(dsql`${webhookEvents.id} in (${untouched.rowId}, ${applied.rowId})`);
    expect(rows.map((row) => [row.status, row.attempts])).toEqual([
      ['processed', 1],
      ['processed', 1],
    ]);
    for (const { intent, order } of [untouched, applied]) {
      expect(await db.select().from(payments).where(eq(payments.providerPaymentId, intent.id))).toHaveLength(1);
      expect(await db.select().from(emails).where(eq(emails.ref, order.id))).toHaveLength(1);
    }
  }, 60_000);
});
