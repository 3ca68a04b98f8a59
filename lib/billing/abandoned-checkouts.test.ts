import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { orders, payments, prices, webhookEvents } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { processWebhookEvents } from '@/lib/jobs/webhook-worker';
import type { PaymentsApi } from '@/lib/payments/provider';
import { registryThrough, stripeThrough } from '@/test/payments';
import { isolatedDatabase } from '@/test/database';
import { userFacingError } from '@/test/errors';
import { eventually, isolatedSandbox, sdkFor, SECRET_KEY } from '@/test/sandbox';
import { abandonStaleCheckouts, type AbandonReport } from './abandoned-checkouts';
import { priceCart, type CartItem } from './cart';
import { lockOrderCheckout, resumeCheckout, startCheckout, type CheckoutDependencies } from './checkout';
import { ensureProviderCustomer } from './customers';
import { createOrder, type Buyer } from './orders';

const t = isolatedDatabase();
const sandbox = isolatedSandbox();
const ids: Record<string, string> = {};
let deps: CheckoutDependencies;

const AGE = { afterHours: 24 };

beforeAll(async () => {
  await seedCatalog(t.db);
  for (const price of await t.db.select().from(prices)) ids[price.lookupKey] = price.id;
  deps = { db: t.db, payments: stripeThrough(sandbox.stripe).payments };
});

const notebooks = (quantity: number): CartItem[] => [{ priceId: ids['field-notebook-usd']!, quantity }];
const guest = (label: string): Buyer => ({ userId: null, email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` });

function sweep(using: CheckoutDependencies = deps): Promise<AbandonReport> {
  return abandonStaleCheckouts(using, AGE);
}

/** Moves the order's and its payments' last activity `hours` into the past, as if nobody had touched them since. */
async function lastTouched(orderId: string, hours: number): Promise<void> {
  const then = sql`now() - make_interval(hours => ${hours}::int)`;
  await t.db.update(orders).set({ createdAt: then, updatedAt: then }).where(eq(orders.id, orderId));
  await t.db.update(payments).set({ createdAt: then, updatedAt: then }).where(eq(payments.orderId, orderId));
}

async function orderRow(orderId: string) {
  const [order] = await t.db.select().from(orders).where(eq(orders.id, orderId));
  return order!;
}

/**
 * Delivers every event the sandbox has raised since the last call, as the webhook route would
 * store them, and applies them as the worker does.
 */
async function applyWebhooks(): Promise<void> {
  const stored: string[] = [];
  for await (const event of sandbox.stripe.events.list({ limit: 100 })) {
    const [row] = await t.db
      .insert(webhookEvents)
      .values({ provider: 'stripe', eventId: event.id, type: event.type, payload: event })
      .onConflictDoNothing()
      .returning({ id: webhookEvents.id });
    if (row) stored.push(row.id);
  }
  const failures = await processWebhookEvents({ db: t.db, payments: registryThrough(sandbox.stripe) }, stored);
  expect([...failures.values()].map((error) => error.message)).toEqual([]);
}

async function canceledEventsFor(intentId: string): Promise<Stripe.Event[]> {
  const found: Stripe.Event[] = [];
  for await (const event of sandbox.stripe.events.list({ type: 'payment_intent.canceled', limit: 100 })) {
    if ((event.data.object as Stripe.PaymentIntent).id === intentId) found.push(event);
  }
  return found;
}

/** An intent made for the order as checkout makes it, whose answer never reached our database. */
async function orphanIntent(orderId: string, buyer: Buyer, amount: number) {
  const customer = await ensureProviderCustomer(t.db, deps.payments, buyer);
  return sandbox.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    customer: customer.providerCustomerId,
    receipt_email: buyer.email,
    metadata: { order_id: orderId },
    automatic_payment_methods: { enabled: true },
  });
}

describe('sweeping abandoned checkouts', () => {
  it('cancels the intent of a checkout nobody touched for longer than the age, and the order ends canceled once the webhook is applied', async () => {
    const session = await startCheckout(deps, { buyer: guest('gone'), items: notebooks(2), currentOrderId: null });
    await lastTouched(session.order.id, 25);

    const report = await sweep();
    expect(report).toMatchObject({ paymentsCanceled: 1, interrupted: false });
    expect(await sandbox.stripe.paymentIntents.retrieve(session.paymentId)).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    // The sweep only asked the provider; the order's state is the webhook's to change.
    expect((await orderRow(session.order.id)).status).toBe('open');

    await applyWebhooks();
    expect((await orderRow(session.order.id)).status).toBe('canceled');
    const [payment] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, session.paymentId));
    expect(payment).toMatchObject({ status: 'canceled', orderId: session.order.id });
  });

  it('abandons an order whose last attempt was declined (payment_failed) in the same way', async () => {
    const session = await startCheckout(deps, { buyer: guest('declined'), items: notebooks(1), currentOrderId: null });
    await sandbox.stripe.paymentIntents.confirm(session.paymentId, { payment_method: 'pm_card_chargeDeclined' }).catch(() => undefined);
    await applyWebhooks();
    expect((await orderRow(session.order.id)).status).toBe('payment_failed');
    await lastTouched(session.order.id, 30);

    await sweep();
    await applyWebhooks();
    expect((await orderRow(session.order.id)).status).toBe('canceled');
  });

  it('leaves a checkout younger than the age untouched, and counts a recent payment attempt as activity', async () => {
    const fresh = await startCheckout(deps, { buyer: guest('fresh'), items: notebooks(1), currentOrderId: null });
    await lastTouched(fresh.order.id, 23);
    const retried = await startCheckout(deps, { buyer: guest('retried'), items: notebooks(1), currentOrderId: null });
    await lastTouched(retried.order.id, 48);
    // A declined attempt an hour ago: the webhook that recorded it is activity too.
    await t.db.update(payments).set({ updatedAt: sql`now() - interval '1 hour'` }).where(eq(payments.orderId, retried.order.id));

    await sweep();
    for (const session of [fresh, retried]) {
      expect(await sandbox.stripe.paymentIntents.retrieve(session.paymentId)).toMatchObject({ status: 'requires_payment_method' });
      expect((await orderRow(session.order.id)).status).toBe('open');
    }
  });

  it('leaves alone an intent the customer paid meanwhile, and the order ends paid', async () => {
    const session = await startCheckout(deps, { buyer: guest('payer'), items: notebooks(1), currentOrderId: null });
    // Paid at the provider; our database has not heard yet (the webhook is still on its way).
    await sandbox.stripe.paymentIntents.confirm(session.paymentId, { payment_method: 'pm_card_visa' });
    await lastTouched(session.order.id, 25);

    const report = await sweep();
    expect(report.paymentsLeft).toBeGreaterThanOrEqual(1);
    expect(await canceledEventsFor(session.paymentId)).toHaveLength(0);
    await applyWebhooks();
    expect(await orderRow(session.order.id)).toMatchObject({ status: 'paid' });
  });

  it('takes the provider refusing the cancel (paid between our read and the cancel) as "leave it", not as a failure', async () => {
    const session = await startCheckout(deps, { buyer: guest('racer'), items: notebooks(3), currentOrderId: null });
    await lastTouched(session.order.id, 25);
    const real = deps.payments;
    const racing: PaymentsApi = {
      ...real,
      async cancelPayment(id, reason, key) {
        // The customer presses Pay in a stale tab just as the sweep gets to the intent.
        await sandbox.stripe.paymentIntents.confirm(id, { payment_method: 'pm_card_visa' });
        return real.cancelPayment(id, reason, key);
      },
    };

    const report = await sweep({ db: t.db, payments: racing });
    expect(report).toMatchObject({ ordersFailed: 0, interrupted: false });
    expect(report.paymentsLeft).toBeGreaterThanOrEqual(1);
    expect(await sandbox.stripe.paymentIntents.retrieve(session.paymentId)).toMatchObject({ status: 'succeeded' });
    await applyWebhooks();
    expect((await orderRow(session.order.id)).status).toBe('paid');
  });

  it('cancels once when two sweeps run at the same time, and a later sweep changes nothing more', async () => {
    const session = await startCheckout(deps, { buyer: guest('twice'), items: notebooks(1), currentOrderId: null });
    await lastTouched(session.order.id, 25);

    await Promise.all([sweep(), sweep(), sweep()]);
    await sweep(); // before the webhook: the order is still open, its intent already canceled
    expect(await canceledEventsFor(session.paymentId)).toHaveLength(1);
    await applyWebhooks();
    await sweep();
    expect(await canceledEventsFor(session.paymentId)).toHaveLength(1);
    expect((await orderRow(session.order.id)).status).toBe('canceled');
  });

  it('skips an order whose checkout is running right now: the customer is back', async () => {
    const session = await startCheckout(deps, { buyer: guest('busy'), items: notebooks(1), currentOrderId: null });
    await lastTouched(session.order.id, 25);
    let report: AbandonReport | undefined;
    await t.db.transaction(async (tx) => {
      await lockOrderCheckout(tx, session.order.id);
      report = await sweep();
    });
    expect(report?.ordersBusy).toBeGreaterThanOrEqual(1);
    expect(await sandbox.stripe.paymentIntents.retrieve(session.paymentId)).toMatchObject({ status: 'requires_payment_method' });
  });

  it('makes a checkout that arrives while its order is being abandoned wait, then pay with a fresh intent, never the canceled one', async () => {
    const buyer = guest('arriving');
    const session = await startCheckout(deps, { buyer, items: notebooks(2), currentOrderId: null });
    await lastTouched(session.order.id, 25);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reachedCancel!: () => void;
    const atCancel = new Promise<void>((resolve) => (reachedCancel = resolve));
    const real = deps.payments;
    const slow: PaymentsApi = {
      ...real,
      async cancelPayment(id, reason, key) {
        if (id === session.paymentId) {
          reachedCancel();
          await gate;
        }
        return real.cancelPayment(id, reason, key);
      },
    };

    const sweeping = sweep({ db: t.db, payments: slow });
    await atCancel;
    const returning = startCheckout(deps, { buyer, items: notebooks(2), currentOrderId: session.order.id });
    // The returning checkout queues on the order's lock behind the sweep.
    await eventually(async () => {
      const [row] = await t.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`);
      return (row?.n ?? 0) > 0;
    });
    release();
    await sweeping;
    const resumed = await returning;

    expect(resumed.paymentId).not.toBe(session.paymentId);
    expect(await sandbox.stripe.paymentIntents.retrieve(session.paymentId)).toMatchObject({ status: 'canceled' });
    expect(await sandbox.stripe.paymentIntents.retrieve(resumed.paymentId)).toMatchObject({ status: 'requires_payment_method', metadata: { order_id: resumed.order.id } });
    await applyWebhooks();
    // The customer came back before the order was closed: it carries on with the new intent.
    expect((await orderRow(resumed.order.id)).status).toBe('open');
  });

  it('closes an order that never reached the provider (it was unreachable) directly, with no provider call', async () => {
    const unreachable = { db: t.db, payments: stripeThrough(sdkFor('http://127.0.0.1:9', SECRET_KEY)).payments };
    const remembered: string[] = [];
    await userFacingError(startCheckout(unreachable, { buyer: guest('never'), items: notebooks(1), currentOrderId: null, rememberOrder: (id) => void remembered.push(id) }));
    const orderId = remembered[0]!;
    await lastTouched(orderId, 25);

    const report = await sweep();
    expect(report.ordersClosed).toBeGreaterThanOrEqual(1);
    expect((await orderRow(orderId)).status).toBe('canceled');
  });

  it('stops at a provider outage and leaves the rest for the next run', async () => {
    const session = await startCheckout(deps, { buyer: guest('outage'), items: notebooks(1), currentOrderId: null });
    await lastTouched(session.order.id, 25);
    sandbox.server.chaos.apiFaultRate = 1;
    let report: AbandonReport;
    try {
      report = await sweep();
    } finally {
      sandbox.server.chaos.apiFaultRate = 0;
    }
    expect(report.interrupted).toBe(true);
    expect((await orderRow(session.order.id)).status).toBe('open');

    await sweep();
    expect(await sandbox.stripe.paymentIntents.retrieve(session.paymentId)).toMatchObject({ status: 'canceled' });
  });
});

describe('a customer who comes back to an abandoned checkout', () => {
  it('gets a new order and a new intent for their cart, from the cookie or a stale tab, never the canceled one', async () => {
    const buyer = guest('back');
    const first = await startCheckout(deps, { buyer, items: notebooks(2), currentOrderId: null });
    await lastTouched(first.order.id, 25);
    await sweep();

    // Before the webhook: the order is still open, but its intent is canceled.
    const early = await resumeCheckout(deps, first.order.id, { userId: null });
    expect(early?.handoff).toBeNull();

    await applyWebhooks();
    expect((await orderRow(first.order.id)).status).toBe('canceled');
    expect(await resumeCheckout(deps, first.order.id, { userId: null })).toBeNull();

    const remembered: string[] = [];
    const next = await startCheckout(deps, { buyer, items: notebooks(2), currentOrderId: first.order.id, rememberOrder: (id) => void remembered.push(id) });
    expect(next.order.id).not.toBe(first.order.id);
    expect(remembered).toEqual([next.order.id]);
    expect(next.paymentId).not.toBe(first.paymentId);
    expect(await sandbox.stripe.paymentIntents.retrieve(next.paymentId)).toMatchObject({ status: 'requires_payment_method', amount: 3600, metadata: { order_id: next.order.id } });
    expect(await orderRow(next.order.id)).toMatchObject({ status: 'open', amountTotal: 3600 });
    expect((await orderRow(first.order.id)).status).toBe('canceled');
  });
});

describe('intents our database never recorded', () => {
  it('links an intent made with our order id but never recorded to its order when its webhook arrives', async () => {
    const buyer = guest('adopted');
    const order = await createOrder(t.db, buyer, await priceCart(t.db, notebooks(1)));
    const orphan = await orphanIntent(order.id, buyer, 1800);
    expect(await t.db.select().from(payments).where(eq(payments.providerPaymentId, orphan.id))).toHaveLength(0);

    await sandbox.stripe.paymentIntents.confirm(orphan.id, { payment_method: 'pm_card_visa' });
    await applyWebhooks();
    const [payment] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, orphan.id));
    expect(payment).toMatchObject({ orderId: order.id, status: 'succeeded', amount: 1800 });
    expect(await orderRow(order.id)).toMatchObject({ status: 'paid' });
  });

  it('cancels an unrecorded intent of an abandoned order beside the recorded one, and its webhook links it and closes the order', async () => {
    const buyer = guest('orphaned');
    const session = await startCheckout(deps, { buyer, items: notebooks(1), currentOrderId: null });
    // A retry with another cart crashed after the provider answered: the intent exists, our row does not.
    const orphan = await orphanIntent(session.order.id, buyer, 5400);
    await lastTouched(session.order.id, 25);

    await sweep();
    for (const id of [session.paymentId, orphan.id]) {
      expect(await sandbox.stripe.paymentIntents.retrieve(id)).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    }
    await applyWebhooks();
    const [adopted] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, orphan.id));
    expect(adopted).toMatchObject({ orderId: session.order.id, status: 'canceled' });
    expect((await orderRow(session.order.id)).status).toBe('canceled');
  });

  it('finds the unrecorded intent of an order whose very first checkout crashed, by its buyer', async () => {
    const buyer = guest('first-crash');
    const order = await createOrder(t.db, buyer, await priceCart(t.db, notebooks(2)));
    const orphan = await orphanIntent(order.id, buyer, 3600);
    await lastTouched(order.id, 25);

    const report = await sweep();
    expect(report.ordersFailed).toBe(0);
    expect(await sandbox.stripe.paymentIntents.retrieve(orphan.id)).toMatchObject({ status: 'canceled' });
    // Not closed by the sweep: an intent exists, so its webhook closes the order.
    expect((await orderRow(order.id)).status).toBe('open');
    await applyWebhooks();
    expect((await orderRow(order.id)).status).toBe('canceled');
  });
});
