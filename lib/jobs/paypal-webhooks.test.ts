import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, inArray } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type Database } from '@/db/client';
import { disputes, emails, orders, payments, refunds, webhookEvents } from '@/db/schema';
import { formatMoney, money } from '@/lib/money';
import { createPaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import { openDispute, paypalReceiver, registerWebhook, type PaypalDelivery, type PaypalReceiver } from '@/sandbox/paypal/tests/hooks-support';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { signTransmission } from '@/sandbox/paypal/signing';
import { paypalThrough } from '@/test/payments';
import { eventually } from '@/test/sandbox';
import { createBoss, startBoss } from './boss';
import { WEBHOOK_QUEUE } from './queues';
import { processWebhookEvent, type WebhookDeps } from './webhook-worker';
import { captureApprovedPayment } from '@/lib/billing/capture';

/**
 * PayPal's webhooks end to end: real deliveries the sandbox signed for a webhook registered with
 * it (raw body and headers as received), posted to the app's route (app/api/webhooks/paypal),
 * stored and enqueued, then applied by the worker through the PayPal provider, which re-reads
 * the sandbox's orders, captures, refunds and disputes. The PayPal counterpart of webhooks.test.ts.
 */

const t = paypalSandbox();

let sql: Sql;
let db: Database;
let boss: PgBoss;
let closeDb: () => Promise<void>;
let POST: (request: Request) => Promise<Response>;
/** What the worker runs with: the sandbox's PayPal behind the payment registry. */
let deps: WebhookDeps;
let paypal: PaymentProvider;
/** The endpoint of the webhook the app verifies for (PAYPAL_SANDBOX_WEBHOOK_ID). */
let receiver: PaypalReceiver;
/** Another webhook at the same sandbox: its deliveries are signed for its own id. */
let elsewhere: PaypalReceiver;
let webhookId: string;

beforeAll(async () => {
  receiver = await paypalReceiver('/paypal/webhooks');
  elsewhere = await paypalReceiver('/someone-else/webhooks');
  webhookId = await registerWebhook(t, receiver.url, ['*']);
  await registerWebhook(t, elsewhere.url, ['*']);

  const connection = connect(t.databaseUrl);
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  paypal = paypalThrough(t.server.url, webhookId);
  deps = { db, payments: createPaymentRegistry([paypal]) };
  sql = postgres(t.databaseUrl, { max: 4, onnotice: () => {} });
  boss = await startBoss(createBoss(t.databaseUrl, 'producer'));
  // The route reads its configuration from the environment, as in production: sandbox mode, with
  // the id of the webhook `npm run dev` would have registered.
  const { port } = new URL(t.server.url);
  Object.assign(process.env, { DATABASE_URL: t.databaseUrl, SANDBOX_PORT: port, PAYPAL_SANDBOX_WEBHOOK_ID: webhookId, NODE_ENV: 'test' });
  vi.resetModules();
  ({ POST } = await import('@/app/api/webhooks/paypal/route'));
});

afterAll(async () => {
  const { closeDb: closeGlobal } = await import('@/db/client');
  await closeGlobal();
  await boss?.stop({ graceful: false, close: true });
  await sql?.end();
  await closeDb?.();
  await receiver?.close();
  await elsewhere?.close();
});

/** The headers PayPal sent with a delivery, as strings. */
function headersOf(delivery: PaypalDelivery): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(delivery.headers)) if (name.startsWith('paypal-') && typeof value === 'string') headers[name] = value;
  return headers;
}

/**
 * The delivery's body as the sandbox would sign a transmission of it sent `ago` milliseconds
 * ago (its own signer and key, for the app's webhook): how a delivery captured and replayed later
 * looks, which only the transmission time gives away.
 */
function transmittedAgo(delivery: PaypalDelivery, ago: number): Record<string, string> {
  const transmissionId = crypto.randomUUID();
  const transmissionTime = new Date(Date.now() - ago).toISOString();
  const signature = signTransmission({ transmissionId, transmissionTime, webhookId, body: delivery.body });
  return { ...headersOf(delivery), 'paypal-transmission-id': transmissionId, 'paypal-transmission-time': transmissionTime, 'paypal-transmission-sig': signature };
}

function post(body: string, headers: Record<string, string>): Promise<Response> {
  return POST(new Request('http://localhost/api/webhooks/paypal', { method: 'POST', body, headers }));
}

function deliver(delivery: PaypalDelivery): Promise<Response> {
  return post(delivery.body, headersOf(delivery));
}

async function counts() {
  const [events] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
  const [jobs] = await sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = ${WEBHOOK_QUEUE}`;
  return { events: events?.n ?? 0, jobs: jobs?.n ?? 0 };
}

async function newOrder(amount: number) {
  const [order] = await db.insert(orders).values({ email: 'buyer@example.com', currency: 'USD', amountSubtotal: amount, amountTotal: amount }).returning();
  return order!;
}

/** The deliveries to `to` that mention any of `ids`, one per event, once every type in `types` has come. */
function deliveriesAbout(to: PaypalReceiver, ids: string[], types: string[]): Promise<PaypalDelivery[]> {
  return eventually(() => {
    const byEvent = new Map<string, PaypalDelivery>();
    for (const delivery of to.received) if (ids.some((id) => delivery.body.includes(id)) && !byEvent.has(delivery.event.id)) byEvent.set(delivery.event.id, delivery);
    const found = [...byEvent.values()];
    return types.every((type) => found.some((delivery) => delivery.event.event_type === type)) && found;
  });
}

function ofType(deliveries: PaypalDelivery[], type: string): PaypalDelivery {
  const found = deliveries.find((delivery) => delivery.event.event_type === type);
  if (!found) throw new Error(`no ${type} among ${deliveries.map((delivery) => delivery.event.event_type).join(', ')}`);
  return found;
}

const PAID_EVENTS = ['CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'CHECKOUT.ORDER.COMPLETED'];

/**
 * An order paid with PayPal as the checkout pays it: a PayPal order created through the provider
 * for our order (and recorded as the checkout records it), approved by buyer@ on PayPal's
 * approval page, captured on the server. Returns the deliveries of its events so far.
 */
async function paidWithPaypal(amount: number) {
  const order = await newOrder(amount);
  const created = await paypal.payments.createPayment(
    { amount: money(amount, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId: order.id, metadata: { order_id: order.id } },
    `checkout:${order.id}:intent:0`,
  );
  await db.insert(payments).values({ orderId: order.id, provider: 'paypal', providerPaymentId: created.id, status: created.status, amount: created.amount.amount, currency: created.amount.currency });
  const page = await decide(`${t.paypalUrl}/checkoutnow?token=${encodeURIComponent(created.id)}`, 'approve', 'buyer@example.com');
  expect(page.status).toBeLessThan(400);
  const captured = await paypal.payments.capturePayment(created.id, `capture:${order.id}:0`);
  expect(captured).toMatchObject({ status: 'succeeded', amountCaptured: { amount, currency: 'USD' } });
  const deliveries = await deliveriesAbout(receiver, [created.id], PAID_EVENTS);
  const captureId = (ofType(deliveries, 'PAYMENT.CAPTURE.COMPLETED').event.resource as { id: string }).id;
  return { order, paymentId: created.id, captureId, deliveries };
}

/** An order with a PayPal order recorded as its attempt (as the checkout records it), approved by buyer@ and not captured: the browser went away. */
async function approvedWithPaypal(amount: number, order?: Awaited<ReturnType<typeof newOrder>>) {
  const ours = order ?? (await newOrder(amount));
  const attempt = await db.select().from(payments).where(eq(payments.orderId, ours.id));
  const created = await paypal.payments.createPayment(
    { amount: money(amount, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId: ours.id, metadata: { order_id: ours.id } },
    `checkout:${ours.id}:intent:${attempt.length}`,
  );
  await db.insert(payments).values({ orderId: ours.id, provider: 'paypal', providerPaymentId: created.id, status: created.status, amount: created.amount.amount, currency: created.amount.currency });
  expect((await decide(`${t.paypalUrl}/checkoutnow?token=${encodeURIComponent(created.id)}`, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
  const [approved] = await deliveriesAbout(receiver, [created.id], ['CHECKOUT.ORDER.APPROVED']);
  return { order: ours, paymentId: created.id, approved: approved! };
}

/** The captures PayPal holds for one of its orders. */
async function capturesAtPaypal(paymentId: string): Promise<unknown[]> {
  const order = await t.rest<{ purchase_units?: { payments?: { captures?: unknown[] } }[] }>('GET', `/v2/checkout/orders/${paymentId}`);
  return order.body.purchase_units?.[0]?.payments?.captures ?? [];
}

/** A partial refund through the provider, and the deliveries about the order once it is announced. */
async function refunded(paid: Awaited<ReturnType<typeof paidWithPaypal>>, amount: number) {
  await paypal.payments.refundPayment({ paymentId: paid.paymentId, amount: money(amount, 'USD'), reason: 'requested_by_customer', metadata: {} }, `refund:${paid.order.id}:0`);
  return deliveriesAbout(receiver, [paid.paymentId, paid.captureId], [...PAID_EVENTS, 'PAYMENT.CAPTURE.REFUNDED']);
}

/** Posts deliveries to the route (each must be accepted) and returns the stored events' ids, in delivery order. */
async function ingest(deliveries: PaypalDelivery[]): Promise<string[]> {
  const ids: string[] = [];
  for (const delivery of deliveries) {
    const response = await deliver(delivery);
    expect(response.status).toBe(200);
    const [row] = await db
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(and(eq(webhookEvents.provider, 'paypal'), eq(webhookEvents.eventId, delivery.event.id)));
    ids.push(row!.id);
  }
  return ids;
}

function shuffled<T>(items: T[]): T[] {
  return [...items].sort(() => Math.random() - 0.5);
}

async function paymentRow(paymentId: string) {
  const rows = await db
    .select()
    .from(payments)
    .where(and(eq(payments.provider, 'paypal'), eq(payments.providerPaymentId, paymentId)));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function orderRow(orderId: string) {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  return order!;
}

describe('the PayPal webhook route', () => {
  it('refuses every delivery whose signature fails (missing headers, a certificate off the allowed hosts, an altered body, another webhook’s, a stale one) with 400 and writes nothing', async () => {
    const paid = await paidWithPaypal(2500);
    const genuine = ofType(paid.deliveries, 'PAYMENT.CAPTURE.COMPLETED');
    const headers = headersOf(genuine);
    // The same event, delivered to the other webhook: signed for that webhook's id.
    const [forAnotherWebhook] = await deliveriesAbout(elsewhere, [paid.captureId], ['PAYMENT.CAPTURE.COMPLETED']).then((found) => found.filter((delivery) => delivery.event.id === genuine.event.id));
    expect(forAnotherWebhook?.headers['paypal-transmission-sig']).toBeDefined();

    // A host that is not the sandbox's certificate location, serving the sandbox's genuine
    // certificate: were it fetched, the signature would verify. It must never be asked.
    const pem = await (await fetch(headers['paypal-cert-url']!)).text();
    let certificateRequests = 0;
    const foreign = http.createServer((_request, response) => {
      certificateRequests++;
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end(pem);
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const foreignCertUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}${new URL(headers['paypal-cert-url']!).pathname}`;

    const altered = genuine.body.replace('"status":"COMPLETED"', '"status":"PENDING"');
    expect(altered).not.toBe(genuine.body);
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([header]) => header !== name));

    const before = await counts();
    const statuses: number[] = [];
    try {
      statuses.push((await post(genuine.body, { 'content-type': 'application/json' })).status);
      for (const name of ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo']) {
        statuses.push((await post(genuine.body, without(name))).status);
      }
      statuses.push((await post(genuine.body, { ...headers, 'paypal-cert-url': foreignCertUrl })).status);
      statuses.push((await post(altered, headers)).status);
      statuses.push((await post(`${genuine.body} `, headers)).status);
      statuses.push((await deliver(forAnotherWebhook!)).status);
      statuses.push((await post(genuine.body, transmittedAgo(genuine, 10 * 60 * 1000))).status);
    } finally {
      await new Promise<void>((resolve) => foreign.close(() => resolve()));
    }
    expect(statuses).toEqual(Array<number>(11).fill(400));
    expect(certificateRequests).toBe(0);
    expect(await counts()).toEqual(before);

    // The same transmission a minute old is accepted (so the stale one failed for its age alone),
    // and the genuine delivery itself is then a duplicate: each refusal above was for its one change.
    const recent = await post(genuine.body, transmittedAgo(genuine, 60 * 1000));
    expect(recent.status).toBe(200);
    const accepted = await deliver(genuine);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ received: true, duplicate: true });
    expect(await counts()).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });
  });

  it('stores a real signed delivery once by (provider, event id) and enqueues it; 50 concurrent deliveries of one event make one event, one job and one effect', async () => {
    const paid = await paidWithPaypal(3300);
    const completed = ofType(paid.deliveries, 'PAYMENT.CAPTURE.COMPLETED');
    const before = await counts();
    const responses = await Promise.all(Array.from({ length: 50 }, () => deliver(completed)));
    expect(responses.map((response) => response.status)).toEqual(Array<number>(50).fill(200));
    const answers = (await Promise.all(responses.map((response) => response.json()))) as { received: boolean; duplicate: boolean }[];
    expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
    expect(await counts()).toEqual({ events: before.events + 1, jobs: before.jobs + 1 });

    const stored = await db
      .select()
      .from(webhookEvents)
      .where(and(eq(webhookEvents.provider, 'paypal'), eq(webhookEvents.eventId, completed.event.id)));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ type: 'PAYMENT.CAPTURE.COMPLETED', status: 'pending' });
    expect(stored[0]?.payload).toEqual(JSON.parse(completed.body));
    const jobs = await sql<{ data: { webhookEventId: string } }[]>`select data from pgboss.job where name = ${WEBHOOK_QUEUE} and data->>'webhookEventId' = ${stored[0]!.id}`;
    expect(jobs).toHaveLength(1);

    // Applied (and applied again, as a redelivered job would be): one payment, one paid order, one receipt.
    await processWebhookEvent(deps, stored[0]!.id);
    await processWebhookEvent(deps, stored[0]!.id);
    const [after] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, stored[0]!.id));
    expect(after).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await paymentRow(paid.paymentId)).toMatchObject({ status: 'succeeded', amountCaptured: 3300, orderId: paid.order.id });
    expect((await orderRow(paid.order.id)).status).toBe('paid');
    expect(await db.select().from(emails).where(eq(emails.ref, paid.order.id))).toHaveLength(1);
  });
});

describe('applying PayPal payment events', () => {
  it('pays an order through the real flow (approve, capture) from the sandbox’s own events, then records a partial refund', async () => {
    const paid = await paidWithPaypal(2500);
    expect((await orderRow(paid.order.id)).status).toBe('open');
    const paidEvents = PAID_EVENTS.map((type) => ofType(paid.deliveries, type));
    for (const id of await ingest(paidEvents)) await processWebhookEvent(deps, id);

    const order = await orderRow(paid.order.id);
    expect(order.status).toBe('paid');
    expect(order.paidAt).not.toBeNull();
    expect(await paymentRow(paid.paymentId)).toMatchObject({ status: 'succeeded', amount: 2500, amountCaptured: 2500, amountRefunded: 0, currency: 'USD', orderId: paid.order.id });
    const receipts = await db.select().from(emails).where(eq(emails.ref, paid.order.id));
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ kind: 'receipt', to: 'buyer@example.com' });
    expect(receipts[0]?.text).toContain(`Total paid: ${formatMoney({ amount: 2500, currency: 'USD' })}`);

    const afterRefund = await refunded(paid, 600);
    const refundEvent = ofType(afterRefund, 'PAYMENT.CAPTURE.REFUNDED');
    const [refundRow] = await ingest([refundEvent]);
    await processWebhookEvent(deps, refundRow!);

    const payment = await paymentRow(paid.paymentId);
    expect(payment).toMatchObject({ status: 'succeeded', amountCaptured: 2500, amountRefunded: 600 });
    const paymentRefunds = await db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
    expect(paymentRefunds).toHaveLength(1);
    expect(paymentRefunds[0]).toMatchObject({ provider: 'paypal', providerRefundId: (refundEvent.event.resource as { id: string }).id, status: 'succeeded', amount: 600, currency: 'USD' });
    expect((await orderRow(paid.order.id)).status).toBe('partially_refunded');
    const [processed] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, refundRow!));
    expect(processed).toMatchObject({ status: 'processed', attempts: 1 });
    expect(await db.select().from(emails).where(eq(emails.ref, paid.order.id))).toHaveLength(1);
  });

  it('brings an order to the same right state whatever order its order, capture and refund events arrive and are applied in', async () => {
    const arrangements: ((deliveries: PaypalDelivery[]) => PaypalDelivery[])[] = [(all) => [...all].reverse(), shuffled, shuffled, shuffled];
    for (const [round, arrange] of arrangements.entries()) {
      const amount = 4000 + round;
      const paid = await paidWithPaypal(amount);
      const deliveries = await refunded(paid, 1000);
      expect(deliveries.map((delivery) => delivery.event.event_type)).toEqual(expect.arrayContaining([...PAID_EVENTS, 'PAYMENT.CAPTURE.REFUNDED']));
      const stored = await ingest(arrange(deliveries));
      // Applied concurrently and in another random order, as several workers would.
      await Promise.all(shuffled(stored).map((id) => processWebhookEvent(deps, id)));

      const order = await orderRow(paid.order.id);
      expect(order.status).toBe('partially_refunded');
      expect(order.paidAt).not.toBeNull();
      const payment = await paymentRow(paid.paymentId);
      expect(payment).toMatchObject({ status: 'succeeded', amount, amountCaptured: amount, amountRefunded: 1000, currency: 'USD', orderId: paid.order.id });
      const paymentRefunds = await db.select().from(refunds).where(eq(refunds.paymentId, payment.id));
      expect(paymentRefunds.map((refund) => [refund.status, refund.amount])).toEqual([['succeeded', 1000]]);
      expect(await db.select().from(emails).where(eq(emails.ref, paid.order.id))).toHaveLength(1);
      // Every one of them applied on its first attempt: none had to wait for another.
      const rows = await db.select().from(webhookEvents).where(inArray(webhookEvents.id, stored));
      expect(rows.map((row) => [row.status, row.attempts])).toEqual(stored.map(() => ['processed', 1]));
    }
  });

  it('records a dispute the buyer opens at PayPal against the order’s payment', async () => {
    const paid = await paidWithPaypal(1800);
    for (const id of await ingest(paid.deliveries)) await processWebhookEvent(deps, id);
    const payment = await paymentRow(paid.paymentId);

    const opened = await openDispute(t, { capture_id: paid.captureId, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', stage: 'INQUIRY' });
    const [created] = (await deliveriesAbout(receiver, [opened.dispute_id], ['CUSTOMER.DISPUTE.CREATED'])).filter((delivery) => delivery.event.event_type === 'CUSTOMER.DISPUTE.CREATED');
    const [row] = await ingest([created!]);
    await processWebhookEvent(deps, row!);

    const [processed] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, row!));
    expect(processed).toMatchObject({ status: 'processed', attempts: 1 });
    const found = await db.select().from(disputes).where(eq(disputes.paymentId, payment.id));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ provider: 'paypal', providerDisputeId: opened.dispute_id, amount: 1800, currency: 'USD', reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
    // An inquiry awaiting our answer: PayPal's Resolution Center before any chargeback.
    expect(found[0]?.status).toMatch(/^warning_/);
  });
});

describe('an order the buyer approved whose browser never came back', () => {
  it('is captured by the worker from CHECKOUT.ORDER.APPROVED alone, and paid once: the browser’s late capture takes nothing more', async () => {
    const approved = await approvedWithPaypal(2700);
    const [id] = await ingest([approved.approved]);
    await processWebhookEvent(deps, id!);

    expect((await orderRow(approved.order.id)).status).toBe('paid');
    expect(await paymentRow(approved.paymentId)).toMatchObject({ status: 'succeeded', amountCaptured: 2700 });
    const [processed] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id!));
    expect(processed).toMatchObject({ status: 'processed', attempts: 1 });
    // The browser comes back after all and asks for the capture: the order is paid, nothing is taken twice.
    expect(await captureApprovedPayment({ db, payments: paypal.payments }, approved.paymentId)).toMatchObject({ outcome: 'superseded' });
    // The same event again (a redelivery) changes nothing either.
    await processWebhookEvent(deps, (await ingest([approved.approved]))[0]!);
    expect(await capturesAtPaypal(approved.paymentId)).toHaveLength(1);
    expect(await db.select().from(emails).where(eq(emails.ref, approved.order.id))).toHaveLength(1);
  });

  it('is left uncaptured when a newer attempt replaced it (the cart changed), and when the order was paid another way', async () => {
    const replaced = await approvedWithPaypal(1500);
    // The buyer changed the cart: the checkout made a new PayPal order for the order, which is now its attempt.
    await approvedWithPaypal(1500, replaced.order);
    const [first] = await ingest([replaced.approved]);
    await processWebhookEvent(deps, first!);
    expect(await capturesAtPaypal(replaced.paymentId)).toEqual([]);
    expect(await paymentRow(replaced.paymentId)).toMatchObject({ status: 'requires_capture', amountCaptured: 0 });

    const paidByCard = await approvedWithPaypal(1600);
    // Meanwhile the card payment of the same order succeeded (its webhook recorded it first).
    await db.insert(payments).values({ orderId: paidByCard.order.id, provider: 'stripe', providerPaymentId: `pi_${crypto.randomUUID()}`, status: 'succeeded', amount: 1600, amountCaptured: 1600, currency: 'USD' });
    await db.update(orders).set({ status: 'paid', paidAt: new Date() }).where(eq(orders.id, paidByCard.order.id));
    const [second] = await ingest([paidByCard.approved]);
    await processWebhookEvent(deps, second!);
    expect(await capturesAtPaypal(paidByCard.paymentId)).toEqual([]);
    expect((await orderRow(paidByCard.order.id)).status).toBe('paid');
    for (const id of [first!, second!]) expect((await db.select().from(webhookEvents).where(eq(webhookEvents.id, id)))[0]).toMatchObject({ status: 'processed' });
  });

  it('is captured for the order’s own total only: a PayPal order for another amount is left alone', async () => {
    const order = await newOrder(2000);
    const created = await paypal.payments.createPayment(
      { amount: money(2100, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId: order.id, metadata: { order_id: order.id } },
      `checkout:${order.id}:intent:0`,
    );
    await db.insert(payments).values({ orderId: order.id, provider: 'paypal', providerPaymentId: created.id, status: created.status, amount: created.amount.amount, currency: created.amount.currency });
    await decide(`${t.paypalUrl}/checkoutnow?token=${encodeURIComponent(created.id)}`, 'approve', 'buyer@example.com');
    expect(await captureApprovedPayment({ db, payments: paypal.payments }, created.id)).toMatchObject({ outcome: 'superseded', why: expect.stringContaining('2100 USD') });
    expect(await capturesAtPaypal(created.id)).toEqual([]);
  });
});
