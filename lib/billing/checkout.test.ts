import { count, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { customers, orderItems, orders, payments, prices, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { UserFacingError } from '@/lib/errors';
import { stripeThrough } from '@/test/payments';
import { isolatedDatabase } from '@/test/database';
import { isolatedSandbox, sdkFor, SECRET_KEY } from '@/test/sandbox';
import { CartError, priceCart, type CartItem } from './cart';
import { orderProgress, preparePaymentForOrder, PROVIDER_UNAVAILABLE_MESSAGE, resumeCheckout, startCheckout, type CheckoutDependencies } from './checkout';
import { ensureProviderCustomer } from './customers';
import { createOrder, type Buyer } from './orders';
import { userFacingError } from '@/test/errors';

const t = isolatedDatabase();
const sandbox = isolatedSandbox();
const ids: Record<string, string> = {};
let deps: CheckoutDependencies;

beforeAll(async () => {
  await seedCatalog(t.db);
  for (const price of await t.db.select().from(prices)) ids[price.lookupKey] = price.id;
  deps = { db: t.db, payments: stripeThrough(sandbox.stripe).payments };
});

const notebooks = (quantity: number): CartItem[] => [{ priceId: ids['field-notebook-usd']!, quantity }];
const guest = (label: string): Buyer => ({ userId: null, email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` });

async function member(label: string): Promise<Buyer> {
  const [user] = await t.db.insert(users).values({ email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` }).returning();
  return { userId: user!.id, email: user!.email };
}

async function intentsOf(buyer: Buyer) {
  const rows = await t.db.select().from(customers).where(sql`lower(${customers.email}) = ${buyer.email.toLowerCase()}`);
  expect(rows).toHaveLength(1);
  const list = await sandbox.stripe.paymentIntents.list({ customer: rows[0]!.providerCustomerId, limit: 100 });
  return list.data;
}

describe('starting a card checkout', () => {
  it('writes the order and its lines, and one PaymentIntent that names the order', async () => {
    const buyer = guest('first');
    const remembered: string[] = [];
    const session = await startCheckout(deps, {
      buyer,
      items: [...notebooks(2), { priceId: ids['brass-fountain-pen-usd']!, quantity: 1 }],
      currentOrderId: null,
      rememberOrder: (id) => void remembered.push(id),
    });

    const [order] = await t.db.select().from(orders).where(eq(orders.id, session.order.id));
    expect(order).toMatchObject({ status: 'open', email: buyer.email, currency: 'USD', amountSubtotal: 10000, amountTotal: 10000, userId: null });
    expect(remembered).toEqual([order!.id]);
    const lines = await t.db.select().from(orderItems).where(eq(orderItems.orderId, order!.id));
    expect(lines.map((line) => [line.description, line.quantity, line.unitAmount, line.amountTotal]).sort()).toEqual([
      ['Brass Fountain Pen', 1, 6400, 6400],
      ['Field Notebook', 2, 1800, 3600],
    ]);

    const [customer] = await t.db.select().from(customers).where(eq(customers.id, order!.customerId!));
    const intent = await sandbox.stripe.paymentIntents.retrieve(session.paymentId);
    expect(intent).toMatchObject({
      amount: 10000,
      currency: 'usd',
      customer: customer!.providerCustomerId,
      receipt_email: buyer.email,
      metadata: { order_id: order!.id, order_number: String(order!.number) },
      automatic_payment_methods: { enabled: true },
      status: 'requires_payment_method',
    });
    expect(session.handoff).toEqual({ kind: 'client_secret', clientSecret: intent.client_secret });

    const recorded = await t.db.select().from(payments).where(eq(payments.orderId, order!.id));
    expect(recorded).toEqual([
      expect.objectContaining({ provider: 'stripe', providerPaymentId: intent.id, status: 'requires_payment_method', amount: 10000, currency: 'USD' }),
    ]);
    // The key it was created with is kept, for the admin payment page: it cannot be rebuilt later.
    expect(recorded[0]!.idempotencyKey).toMatch(new RegExp(`^checkout:${order!.id}:intent:0:`));
  });

  it('carries on with the same order and intent when the browser comes back (refresh, retry, second tab)', async () => {
    const buyer = guest('again');
    const first = await startCheckout(deps, { buyer, items: notebooks(1), currentOrderId: null });
    const second = await startCheckout(deps, { buyer, items: notebooks(1), currentOrderId: first.order.id });
    expect(second.order.id).toBe(first.order.id);
    expect(second.paymentId).toBe(first.paymentId);
    expect(await intentsOf(buyer)).toHaveLength(1);

    const resumed = await resumeCheckout(deps, first.order.id, { userId: null });
    expect(resumed?.handoff).toEqual(first.handoff);
    expect(resumed?.order.lines).toHaveLength(1);
  });

  it('makes exactly one PaymentIntent when many requests for one order race, even with different carts (two tabs)', async () => {
    const buyer = guest('race');
    const order = await createOrder(t.db, buyer, await priceCart(t.db, notebooks(1)));
    const carts = await Promise.all([1, 1, 2, 3, 4, 5, 6, 7].map((quantity) => priceCart(t.db, notebooks(quantity))));
    const sessions = await Promise.all(carts.map((cart) => preparePaymentForOrder(deps, order.id, buyer, cart)));

    expect(new Set(sessions.map((session) => session.paymentId)).size).toBe(1);
    const intents = await intentsOf(buyer);
    expect(intents).toHaveLength(1);
    expect(await t.db.select().from(payments).where(eq(payments.orderId, order.id))).toHaveLength(1);
    // Whichever request came last, the order and the intent agree on what is being paid for.
    const [final] = await t.db.select().from(orders).where(eq(orders.id, order.id));
    expect(intents[0]!.amount).toBe(final!.amountTotal);
  });

  it('updates the one intent when the cart changes, including its currency, and back again', async () => {
    const buyer = guest('change');
    const first = await startCheckout(deps, { buyer, items: notebooks(1), currentOrderId: null });
    const more = await startCheckout(deps, { buyer, items: notebooks(3), currentOrderId: first.order.id });
    expect(more.paymentId).toBe(first.paymentId);
    expect(await sandbox.stripe.paymentIntents.retrieve(first.paymentId)).toMatchObject({ amount: 5400, currency: 'usd' });

    const yen = await startCheckout(deps, { buyer, items: [{ priceId: ids['washi-tape-set-jpy']!, quantity: 2 }], currentOrderId: first.order.id });
    expect(yen.paymentId).toBe(first.paymentId);
    expect(await sandbox.stripe.paymentIntents.retrieve(first.paymentId)).toMatchObject({ amount: 3960, currency: 'jpy' });
    const [order] = await t.db.select().from(orders).where(eq(orders.id, first.order.id));
    expect(order).toMatchObject({ currency: 'JPY', amountTotal: 3960 });
    const [recorded] = await t.db.select().from(payments).where(eq(payments.orderId, first.order.id));
    expect(recorded).toMatchObject({ amount: 3960, currency: 'JPY' });

    // Going back to an earlier cart is a new update, not a replay of the first one's answer.
    await startCheckout(deps, { buyer, items: notebooks(3), currentOrderId: first.order.id });
    expect(await sandbox.stripe.paymentIntents.retrieve(first.paymentId)).toMatchObject({ amount: 5400, currency: 'usd' });
    expect(await intentsOf(buyer)).toHaveLength(1);
  });

  it('opens a new order once the remembered one has been paid, leaving the paid one as it was', async () => {
    const buyer = guest('paid');
    const first = await startCheckout(deps, { buyer, items: notebooks(1), currentOrderId: null });
    await sandbox.stripe.paymentIntents.confirm(first.paymentId, { payment_method: 'pm_card_visa', return_url: 'http://127.0.0.1/done' });
    expect(await orderProgress({ db: deps.db, paymentsOf: () => deps.payments }, (await t.db.select().from(orders).where(eq(orders.id, first.order.id)))[0]!)).toBe('confirming');
    expect(await resumeCheckout(deps, first.order.id, { userId: null })).toBeNull();

    const next = await startCheckout(deps, { buyer, items: notebooks(4), currentOrderId: first.order.id });
    expect(next.order.id).not.toBe(first.order.id);
    expect(next.paymentId).not.toBe(first.paymentId);
    const [paidOrder] = await t.db.select().from(orders).where(eq(orders.id, first.order.id));
    expect(paidOrder?.amountTotal).toBe(1800);
    expect(await sandbox.stripe.paymentIntents.retrieve(first.paymentId)).toMatchObject({ status: 'succeeded', amount: 1800 });
  });

  it("never continues someone else's order: a guest cannot take over an account's order, nor the other way round", async () => {
    const account = await member('owner');
    const theirs = await startCheckout(deps, { buyer: account, items: notebooks(1), currentOrderId: null });
    const visitor = guest('visitor');
    const mine = await startCheckout(deps, { buyer: visitor, items: notebooks(5), currentOrderId: theirs.order.id });
    expect(mine.order.id).not.toBe(theirs.order.id);
    const [untouched] = await t.db.select().from(orders).where(eq(orders.id, theirs.order.id));
    expect(untouched).toMatchObject({ userId: account.userId, amountTotal: 1800, email: account.email });
    expect(await resumeCheckout(deps, theirs.order.id, { userId: null })).toBeNull();

    const back = await startCheckout(deps, { buyer: account, items: notebooks(1), currentOrderId: mine.order.id });
    expect(back.order.id).not.toBe(mine.order.id);
  });

  it('keeps one provider customer per account and per guest email, whatever the case of the email', async () => {
    const account = await member('loyal');
    const a = await startCheckout(deps, { buyer: account, items: notebooks(1), currentOrderId: null });
    await sandbox.stripe.paymentIntents.confirm(a.paymentId, { payment_method: 'pm_card_visa', return_url: 'http://127.0.0.1/done' });
    const b = await startCheckout(deps, { buyer: account, items: notebooks(2), currentOrderId: a.order.id });
    const [orderA] = await t.db.select().from(orders).where(eq(orders.id, a.order.id));
    const [orderB] = await t.db.select().from(orders).where(eq(orders.id, b.order.id));
    expect(orderB!.customerId).toBe(orderA!.customerId);
    const [customer] = await t.db.select().from(customers).where(eq(customers.id, orderA!.customerId!));
    expect(customer).toMatchObject({ userId: account.userId, provider: 'stripe' });
    expect((await sandbox.stripe.customers.retrieve(customer!.providerCustomerId)) as { metadata: object }).toMatchObject({ metadata: { user_id: account.userId } });

    const email = `Guest-${crypto.randomUUID().slice(0, 8)}@Example.com`;
    const created = await Promise.all(
      [email, email.toLowerCase(), email.toUpperCase(), email, email].map((variant) => ensureProviderCustomer(t.db, deps.payments, { userId: null, email: variant })),
    );
    expect(new Set(created.map((row) => row.id)).size).toBe(1);
    expect((await sandbox.stripe.customers.list({ email: email.toLowerCase() })).data).toHaveLength(1);
  });

  it('refuses a cart it cannot price, and creates nothing at all', async () => {
    const buyer = guest('refused');
    const [before] = await t.db.select({ n: count() }).from(orders);
    const carts: CartItem[][] = [
      [],
      [{ priceId: crypto.randomUUID(), quantity: 1 }],
      [{ priceId: ids['pro-monthly-usd']!, quantity: 1 }],
      [...notebooks(1), { priceId: ids['washi-tape-set-jpy']!, quantity: 1 }],
      notebooks(0),
      notebooks(100),
    ];
    for (const items of carts) {
      expect(await userFacingError(startCheckout(deps, { buyer, items, currentOrderId: null }))).toBeInstanceOf(CartError);
    }
    const [after] = await t.db.select({ n: count() }).from(orders);
    expect(after!.n).toBe(before!.n);
    expect(await t.db.select().from(customers).where(eq(customers.email, buyer.email))).toHaveLength(0);
    expect((await sandbox.stripe.customers.list({ email: buyer.email })).data).toHaveLength(0);
  });
});

describe('when the payment provider fails', () => {
  it('keeps the order payable after a 500 at intent creation, and the retry makes exactly one intent', async () => {
    const buyer = guest('outage');
    await ensureProviderCustomer(t.db, deps.payments, buyer);
    const remembered: string[] = [];
    sandbox.server.chaos.apiFaultRate = 1;
    let error: UserFacingError;
    try {
      error = await userFacingError(startCheckout(deps, { buyer, items: notebooks(2), currentOrderId: null, rememberOrder: (id) => void remembered.push(id) }));
    } finally {
      sandbox.server.chaos.apiFaultRate = 0;
    }
    expect(error).toMatchObject({ code: 'provider_unavailable', message: PROVIDER_UNAVAILABLE_MESSAGE });
    expect(remembered).toHaveLength(1);
    const [order] = await t.db.select().from(orders).where(eq(orders.id, remembered[0]!));
    expect(order).toMatchObject({ status: 'open', amountTotal: 3600 });
    expect(await t.db.select().from(payments).where(eq(payments.orderId, order!.id))).toHaveLength(0);
    expect(await orderProgress({ db: deps.db, paymentsOf: () => deps.payments }, order!)).toBe('unpaid');

    const retried = await startCheckout(deps, { buyer, items: notebooks(2), currentOrderId: order!.id });
    expect(retried.order.id).toBe(order!.id);
    expect(await intentsOf(buyer)).toHaveLength(1);
  });

  it('says so clearly when the provider cannot be reached at all', async () => {
    const unreachable = { db: t.db, payments: stripeThrough(sdkFor('http://127.0.0.1:9', SECRET_KEY)).payments };
    const remembered: string[] = [];
    const error = await userFacingError(startCheckout(unreachable, { buyer: guest('offline'), items: notebooks(1), currentOrderId: null, rememberOrder: (id) => void remembered.push(id) }));
    expect(error.code).toBe('provider_unavailable');
    const [order] = await t.db.select().from(orders).where(eq(orders.id, remembered[0]!));
    expect(order?.status).toBe('open');
  });
});
