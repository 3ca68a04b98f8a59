import { and, eq, sql as dsql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type Database } from '@/db/client';
import { auditLog, emails, orders, payments, refunds, webhookEvents } from '@/db/schema';
import { closeDuplicatePayment, type DuplicatePaymentDeps } from '@/lib/billing/duplicate-payments';
import { log } from '@/lib/log';
import { money } from '@/lib/money';
import { createPaymentRegistry, type PaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';
import { paypalReceiver, registerWebhook, type PaypalDelivery, type PaypalReceiver } from '@/sandbox/paypal/tests/hooks-support';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { eventually } from '@/test/sandbox';
import { createBoss, startBoss } from './boss';
import { processDuplicatePayment } from './duplicate-payment-worker';
import { DUPLICATE_PAYMENT_QUEUE } from './queues';
import { processWebhookEvents } from './webhook-worker';
import { startWorker } from './worker';

/**
 * One order is paid once (issue 13): a buyer pays the same order by card in one tab and with
 * PayPal in another, both succeed at their providers (the sandbox's Stripe and PayPal), and both
 * providers' signed webhooks reach the app's routes and the worker, one after the other or at
 * once. The first payment settled keeps the order; the other is refunded by the duplicate refund
 * job, once however often it runs.
 */

const t = paypalSandbox();
const STRIPE_SECRET = 'whsec_billfold_duplicate_tests';

let db: Database;
let closeDb: () => Promise<void>;
let boss: PgBoss;
let registry: PaymentRegistry;
let stripe: PaymentProvider;
let paypal: PaymentProvider;
let receiver: PaypalReceiver;
let deps: DuplicatePaymentDeps;
let stripeRoute: (request: Request) => Promise<Response>;
let paypalRoute: (request: Request) => Promise<Response>;

beforeAll(async () => {
  receiver = await paypalReceiver('/paypal/webhooks');
  const webhookId = await registerWebhook(t, receiver.url, ['*']);
  const connection = connect(t.databaseUrl);
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  stripe = stripeThrough(t.stripe, [STRIPE_SECRET]);
  paypal = paypalThrough(t.server.url, webhookId);
  registry = createPaymentRegistry([stripe, paypal]);
  deps = { db, payments: registry };
  boss = await startBoss(createBoss(t.databaseUrl, 'producer'));
  // The routes store events through the app's own database client, which reads the environment.
  Object.assign(process.env, { DATABASE_URL: t.databaseUrl, NODE_ENV: 'test' });
  vi.resetModules();
  const { webhookEndpoint } = await import('./webhook-endpoint');
  stripeRoute = webhookEndpoint('stripe', () => registry);
  paypalRoute = webhookEndpoint('paypal', () => registry);
});

afterAll(async () => {
  const { closeDb: closeGlobal } = await import('@/db/client');
  await closeGlobal();
  await boss?.stop({ graceful: false, close: true });
  await closeDb?.();
  await receiver?.close();
});

const AMOUNT = 4200;

async function newOrder() {
  const [order] = await db.insert(orders).values({ email: 'buyer@example.com', currency: 'USD', amountSubtotal: AMOUNT, amountTotal: AMOUNT }).returning();
  return order!;
}

/** Records a provider payment as the checkout records its attempt, and returns our row's id. */
async function recordAttempt(orderId: string, provider: 'stripe' | 'paypal', providerPaymentId: string): Promise<string> {
  const [row] = await db.insert(payments).values({ orderId, provider, providerPaymentId, status: 'requires_payment_method', amount: AMOUNT, currency: 'USD' }).returning();
  return row!.id;
}

/** The card tab: a PaymentIntent for the order, confirmed with a test card that succeeds. */
async function paidByCard(orderId: string) {
  const intent = await stripe.payments.createPayment(
    { amount: money(AMOUNT, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId, metadata: {} },
    `checkout:${orderId}:intent:card`,
  );
  const id = await recordAttempt(orderId, 'stripe', intent.id);
  await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
  return { id, providerPaymentId: intent.id };
}

/** The PayPal tab: a PayPal order for the order, approved by the buyer and captured. */
async function paidWithPaypal(orderId: string) {
  const created = await paypal.payments.createPayment(
    { amount: money(AMOUNT, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId, metadata: {} },
    `checkout:${orderId}:intent:paypal`,
  );
  const id = await recordAttempt(orderId, 'paypal', created.id);
  expect((await decide(`${t.paypalUrl}/checkoutnow?token=${encodeURIComponent(created.id)}`, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
  expect(await paypal.payments.capturePayment(created.id, `capture:${orderId}:paypal`)).toMatchObject({ status: 'succeeded' });
  return { id, providerPaymentId: created.id };
}

/** Every event Stripe raised about a PaymentIntent, as it would deliver them. */
async function stripeEventsAbout(intentId: string, types: string[]): Promise<Stripe.Event[]> {
  return eventually(async () => {
    const found: Stripe.Event[] = [];
    for await (const event of t.stripe.events.list({ limit: 100 })) if (JSON.stringify(event.data.object).includes(intentId)) found.push(event);
    return types.every((type) => found.some((event) => event.type === type)) && found;
  });
}

/** The PayPal deliveries mentioning any of `ids` (a PayPal order, its capture), one per event, once every type has come. */
async function paypalDeliveriesAbout(ids: string[], types: string[]): Promise<PaypalDelivery[]> {
  return eventually(() => {
    const byEvent = new Map<string, PaypalDelivery>();
    for (const delivery of receiver.received) if (ids.some((id) => delivery.body.includes(id)) && !byEvent.has(delivery.event.id)) byEvent.set(delivery.event.id, delivery);
    const found = [...byEvent.values()];
    return types.every((type) => found.some((delivery) => delivery.event.event_type === type)) && found;
  }, 20_000);
}

async function storedId(provider: 'stripe' | 'paypal', eventId: string): Promise<string> {
  const [row] = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.provider, provider), eq(webhookEvents.eventId, eventId)));
  return row!.id;
}

/** Posts Stripe's events to the Stripe route, signed as Stripe signs them; the stored events' ids. */
async function deliverStripe(events: Stripe.Event[]): Promise<string[]> {
  return Promise.all(
    events.map(async (event) => {
      const body = JSON.stringify(event);
      const signature = t.stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET });
      const response = await stripeRoute(new Request('http://localhost/api/webhooks/stripe', { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } }));
      expect(response.status).toBe(200);
      return storedId('stripe', event.id);
    }),
  );
}

/** Posts PayPal's deliveries to the PayPal route with the headers PayPal signed them with; the stored events' ids. */
async function deliverPaypal(deliveries: PaypalDelivery[]): Promise<string[]> {
  return Promise.all(
    deliveries.map(async (delivery) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const [name, value] of Object.entries(delivery.headers)) if (name.startsWith('paypal-') && typeof value === 'string') headers[name] = value;
      const response = await paypalRoute(new Request('http://localhost/api/webhooks/paypal', { method: 'POST', body: delivery.body, headers }));
      expect(response.status).toBe(200);
      return storedId('paypal', delivery.event.id);
    }),
  );
}

async function applyEvents(ids: string[]): Promise<void> {
  const failures = await processWebhookEvents(deps, ids);
  expect([...failures.values()]).toEqual([]);
}

async function orderRow(orderId: string) {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  return order!;
}

async function paymentRow(id: string) {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row!;
}

async function refundJobsFor(paymentId: string) {
  return db.execute<{ id: string; state: string }>(dsql`select id, state from pgboss.job where name = ${DUPLICATE_PAYMENT_QUEUE} and data->>'paymentId' = ${paymentId}`);
}

async function auditOf(paymentId: string): Promise<string[]> {
  const rows = await db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.subjectType, 'payment'), eq(auditLog.subjectId, paymentId)));
  return rows.map((row) => row.action).sort();
}

/** Both tabs pay one order, and both providers' events are delivered to the routes. */
async function racedOrder() {
  const order = await newOrder();
  const [card, paypalPayment] = await Promise.all([paidByCard(order.id), paidWithPaypal(order.id)]);
  const stripeEvents = await stripeEventsAbout(card.providerPaymentId, ['payment_intent.succeeded', 'charge.succeeded']);
  const paypalDeliveries = await paypalDeliveriesAbout([paypalPayment.providerPaymentId], ['PAYMENT.CAPTURE.COMPLETED', 'CHECKOUT.ORDER.COMPLETED']);
  const completed = paypalDeliveries.find((delivery) => delivery.event.event_type === 'PAYMENT.CAPTURE.COMPLETED');
  const captureId = (completed!.event.resource as { id: string }).id;
  const [cardEvents, paypalEvents] = await Promise.all([deliverStripe(stripeEvents), deliverPaypal(paypalDeliveries)]);
  return { order, card: { ...card, events: cardEvents }, paypal: { ...paypalPayment, events: paypalEvents }, captureId };
}

type Raced = Awaited<ReturnType<typeof racedOrder>>;

/** What must hold once the loser's refund job ran: one kept, the other refunded in full and recorded, one receipt. */
async function expectOneKeptOneRefunded(raced: Raced, winner: Raced['card'], loser: Raced['card']) {
  const order = await orderRow(raced.order.id);
  expect(order).toMatchObject({ status: 'paid', paidByPaymentId: winner.id });
  expect(order.paidAt).not.toBeNull();
  expect(await paymentRow(winner.id)).toMatchObject({ status: 'succeeded', amountCaptured: AMOUNT, amountRefunded: 0 });
  expect(await paymentRow(loser.id)).toMatchObject({ amountCaptured: AMOUNT, amountRefunded: AMOUNT });
  const loserRefunds = await db.select().from(refunds).where(eq(refunds.paymentId, loser.id));
  expect(loserRefunds).toEqual([expect.objectContaining({ amount: AMOUNT, currency: 'USD', reason: 'duplicate', status: 'succeeded' })]);
  expect(await db.select().from(refunds).where(eq(refunds.paymentId, winner.id))).toEqual([]);
  const loserProvider = registry.get((await paymentRow(loser.id)).provider).payments;
  expect(await loserProvider.retrievePayment(loser.providerPaymentId)).toMatchObject({ amountCaptured: { amount: AMOUNT }, amountRefunded: { amount: AMOUNT } });
  const winnerProvider = registry.get((await paymentRow(winner.id)).provider).payments;
  expect(await winnerProvider.retrievePayment(winner.providerPaymentId)).toMatchObject({ amountCaptured: { amount: AMOUNT }, amountRefunded: { amount: 0 } });
  expect(await db.select().from(emails).where(and(eq(emails.kind, 'receipt'), eq(emails.ref, raced.order.id)))).toHaveLength(1);
  expect(await auditOf(loser.id)).toEqual(['payment.duplicate_detected', 'payment.duplicate_refunded']);
  expect(await auditOf(winner.id)).toEqual([]);
}

/** Runs the loser's queued job twice at once, as a redelivered job would: one refund between them. */
async function runRefundJobTwice(loser: Raced['card']) {
  const jobs = await refundJobsFor(loser.id);
  expect(jobs).toHaveLength(1);
  const outcomes = await Promise.all([closeDuplicatePayment(deps, loser.id), closeDuplicatePayment(deps, loser.id)]);
  expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['nothing_to_refund', 'refunded']);
}

describe('card and PayPal racing on one order', () => {
  it('keeps the card payment settled first and refunds the PayPal payment in full, once, however often its job runs', async () => {
    const raced = await racedOrder();
    await applyEvents(raced.card.events);
    expect(await orderRow(raced.order.id)).toMatchObject({ status: 'paid', paidByPaymentId: raced.card.id });
    await applyEvents(raced.paypal.events);
    // Applying PayPal's events again (a replay) while the refund waits queues no second job.
    await applyEvents(raced.paypal.events);
    await runRefundJobTwice(raced.paypal);
    await expectOneKeptOneRefunded(raced, raced.card, raced.paypal);

    // PayPal then announces the refund; its event carries no reason, and ours stays recorded.
    // The refund's event names PayPal's capture, not its order.
    const refunded = await paypalDeliveriesAbout([raced.paypal.providerPaymentId, raced.captureId], ['PAYMENT.CAPTURE.REFUNDED']);
    await applyEvents(await deliverPaypal(refunded));
    await expectOneKeptOneRefunded(raced, raced.card, raced.paypal);
    expect(await refundJobsFor(raced.paypal.id)).toHaveLength(1);
  }, 60_000);

  it('keeps the PayPal payment settled first and refunds the card payment in full, once', async () => {
    const raced = await racedOrder();
    await applyEvents(raced.paypal.events);
    expect(await orderRow(raced.order.id)).toMatchObject({ status: 'paid', paidByPaymentId: raced.paypal.id });
    await applyEvents(raced.card.events);
    await runRefundJobTwice(raced.card);
    await expectOneKeptOneRefunded(raced, raced.paypal, raced.card);

    const refunded = await stripeEventsAbout(raced.card.providerPaymentId, ['charge.refunded']);
    await applyEvents(await deliverStripe(refunded));
    await expectOneKeptOneRefunded(raced, raced.paypal, raced.card);
  });

  it('keeps exactly one when both providers’ events are applied at once by two workers', async () => {
    const raced = await racedOrder();
    await Promise.all([applyEvents(raced.card.events), applyEvents(raced.paypal.events)]);
    const { paidByPaymentId } = await orderRow(raced.order.id);
    const [winner, loser] = paidByPaymentId === raced.card.id ? [raced.card, raced.paypal] : [raced.paypal, raced.card];
    expect(paidByPaymentId).toBe(winner.id);
    expect(await refundJobsFor(winner.id)).toHaveLength(0);
    await runRefundJobTwice(loser);
    await expectOneKeptOneRefunded(raced, winner, loser);
  });

  it('keeps the earlier attempt when both payments are settled in one batch', async () => {
    const raced = await racedOrder();
    await applyEvents([...raced.paypal.events, ...raced.card.events]);
    // The card attempt was recorded first (racedOrder starts it first; created_at then id decide).
    const [card, paypalRow] = [await paymentRow(raced.card.id), await paymentRow(raced.paypal.id)];
    const cardFirst = card.createdAt.getTime() < paypalRow.createdAt.getTime() || (card.createdAt.getTime() === paypalRow.createdAt.getTime() && card.id < paypalRow.id);
    const [winner, loser] = cardFirst ? [raced.card, raced.paypal] : [raced.paypal, raced.card];
    expect(await orderRow(raced.order.id)).toMatchObject({ status: 'paid', paidByPaymentId: winner.id });
    await runRefundJobTwice(loser);
    await expectOneKeptOneRefunded(raced, winner, loser);
  });
});

describe('an open card attempt of an order paid with PayPal', () => {
  it('is canceled, so a forgotten card tab can no longer pay the order', async () => {
    const order = await newOrder();
    const intent = await stripe.payments.createPayment(
      { amount: money(AMOUNT, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId: order.id, metadata: {} },
      `checkout:${order.id}:intent:card`,
    );
    const card = await recordAttempt(order.id, 'stripe', intent.id);
    const paid = await paidWithPaypal(order.id);
    await applyEvents(await deliverPaypal(await paypalDeliveriesAbout([paid.providerPaymentId], ['PAYMENT.CAPTURE.COMPLETED'])));
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid', paidByPaymentId: paid.id });
    expect(await refundJobsFor(card)).toHaveLength(1);

    expect(await closeDuplicatePayment(deps, card)).toEqual({ outcome: 'canceled' });
    expect(await paymentRow(card)).toMatchObject({ status: 'canceled', amountCaptured: 0 });
    expect(await stripe.payments.retrievePayment(intent.id)).toMatchObject({ status: 'canceled' });
    await expect(t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' })).rejects.toThrow();
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid', paidByPaymentId: paid.id });
    expect(await auditOf(card)).toEqual(['payment.canceled_order_paid']);
  });
});

describe('the duplicate payment job', () => {
  it('never refunds the payment that paid the order, nor a payment of an unpaid order', async () => {
    const order = await newOrder();
    const card = await paidByCard(order.id);
    expect(await closeDuplicatePayment(deps, card.id)).toEqual({ outcome: 'not_a_duplicate', why: 'its order is not paid' });
    await applyEvents(await deliverStripe(await stripeEventsAbout(card.providerPaymentId, ['payment_intent.succeeded'])));
    expect(await closeDuplicatePayment(deps, card.id)).toEqual({ outcome: 'not_a_duplicate', why: 'it is the payment that paid the order' });
    expect(await stripe.payments.retrievePayment(card.providerPaymentId)).toMatchObject({ amountRefunded: { amount: 0 } });
  });

  it('throws when the provider cannot be reached, warning for a retry and erring on the last try, and refunds on the next run', async () => {
    const raced = await racedOrder();
    await applyEvents(raced.card.events);
    await applyEvents(raced.paypal.events);
    const unreachable = { ...paypal, payments: { ...paypal.payments, retrievePayment: () => Promise.reject(new PaymentProviderUnavailableError('paypal')) } };
    const down = { db, payments: createPaymentRegistry([stripe, unreachable]) };
    const warn = vi.spyOn(log, 'warn');
    const error = vi.spyOn(log, 'error');
    try {
      await expect(processDuplicatePayment(down, raced.paypal.id, { retryCount: 0, retryLimit: 9 })).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ paymentId: raced.paypal.id, final: false }), expect.stringContaining('will retry'));
      expect(error).not.toHaveBeenCalled();
      await expect(processDuplicatePayment(down, raced.paypal.id, { retryCount: 9, retryLimit: 9 })).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
      expect(error).toHaveBeenCalledWith(expect.objectContaining({ paymentId: raced.paypal.id, final: true }), expect.stringContaining('by hand'));
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
    await processDuplicatePayment(deps, raced.paypal.id, { retryCount: 1, retryLimit: 9 });
    await expectOneKeptOneRefunded(raced, raced.card, raced.paypal);
  });

  it('is run by the worker: the queued webhooks settle the order and the loser is refunded without anyone calling it', async () => {
    const raced = await racedOrder();
    const worker = await startWorker(t.databaseUrl, { db, payments: registry, abandonCheckoutsAfterHours: 24, mail: { mode: 'off' } }, { pollingIntervalSeconds: 0.5 });
    try {
      const loserRefunded = async () => {
        const { paidByPaymentId } = await orderRow(raced.order.id);
        if (!paidByPaymentId) return false;
        const loser = paidByPaymentId === raced.card.id ? raced.paypal : raced.card;
        return (await paymentRow(loser.id)).amountRefunded === AMOUNT;
      };
      await expect.poll(loserRefunded, { timeout: 30_000, interval: 200 }).toBe(true);
      const { paidByPaymentId } = await orderRow(raced.order.id);
      const [winner, loser] = paidByPaymentId === raced.card.id ? [raced.card, raced.paypal] : [raced.paypal, raced.card];
      await expectOneKeptOneRefunded(raced, winner, loser);
      // One job, or two when the loser was first queued as an open attempt and then as holding money.
      const states = async () => [...new Set((await refundJobsFor(loser.id)).map((job) => job.state))];
      await expect.poll(states, { timeout: 10_000, interval: 200 }).toEqual(['completed']);
    } finally {
      await worker.stop({ graceful: false, close: true });
    }
  }, 60_000);
});
