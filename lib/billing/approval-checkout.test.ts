import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { orders, payments, prices, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { UserFacingError } from '@/lib/errors';
import { paypalClientFor } from '@/lib/payments/paypal/client';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@/lib/payments/paypal/sandbox-credentials';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { isolatedDatabase } from '@/test/database';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { money } from '@/lib/money';
import type { PaymentProvider } from '@/lib/payments/provider';
import { approvalProvidersFor, finishApprovalPayment, startApprovalPayment, type ApprovalCheckoutInput } from './approval-checkout';
import type { CartItem } from './cart';
import { orderProgress, startCheckout, type CheckoutDependencies } from './checkout';
import type { Buyer } from './orders';
import { applyPayment } from './payment-events';

/**
 * PayPal beside the card form, against real PostgreSQL and the sandbox's PayPal: the order made by
 * Continue (with its card payment) gets a PayPal order on the button's click, priced on the
 * server, one per attempt however many clicks; the server captures after approval and reads
 * from PayPal what happened.
 */

const t = isolatedDatabase();
const sandbox = isolatedSandbox();
const ids: Record<string, string> = {};
let cards: CheckoutDependencies;
let paypal: CheckoutDependencies;
let providers: PaymentProvider[];

beforeAll(async () => {
  await seedCatalog(t.db);
  for (const price of await t.db.select().from(prices)) ids[price.lookupKey] = price.id;
  providers = [stripeThrough(sandbox.stripe), paypalThrough(sandbox.server.url)];
  cards = { db: t.db, payments: providers[0]!.payments };
  paypal = { db: t.db, payments: providers[1]!.payments };
});

const notebooks = (quantity: number): CartItem[] => [{ priceId: ids['field-notebook-usd']!, quantity }];
const guest = (label: string): Buyer => ({ userId: null, email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` });

/** Continue: the order and its card payment, as the checkout's first step makes them. */
async function continued(buyer: Buyer, items: CartItem[]) {
  const session = await startCheckout(cards, { buyer, items, currentOrderId: null });
  const input: ApprovalCheckoutInput = { userId: buyer.userId, email: buyer.userId ? buyer.email : null, orderId: session.order.id, items };
  return { orderId: session.order.id, input };
}

async function paypalAttempts(orderId: string) {
  return t.db
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.provider, 'paypal')));
}

/** PayPal's order as PayPal holds it, read over its REST API. */
async function paypalOrder(id: string) {
  const client = paypalClientFor({ apiBase: `${sandbox.server.url}/paypal`, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
  return client.rest.request<{
    status: string;
    purchase_units: { amount: { value: string; currency_code: string }; custom_id: string; invoice_id: string; payments?: { captures?: { status: string }[] } }[];
  }>('GET', `/v2/checkout/orders/${encodeURIComponent(id)}`);
}

async function approve(paymentId: string, buyer = 'buyer@example.com') {
  const response = await decide(`${sandbox.server.url}/paypal/checkoutnow?token=${encodeURIComponent(paymentId)}`, 'approve', buyer);
  expect(response.status).toBeLessThan(400);
}

async function refusal(promise: Promise<unknown>): Promise<UserFacingError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserFacingError);
  return error as UserFacingError;
}

describe('which buttons the checkout offers beside the card form', () => {
  it('offers PayPal for the currencies PayPal takes, and simply no button for one it does not (KWD)', () => {
    expect(approvalProvidersFor(providers, money(3600, 'USD'))).toEqual(['paypal']);
    expect(approvalProvidersFor(providers, money(1980, 'JPY'))).toEqual(['paypal']);
    expect(approvalProvidersFor(providers, money(12500, 'KWD'))).toEqual([]);
    expect(approvalProvidersFor([providers[0]!], money(3600, 'USD'))).toEqual([]); // cards only: PayPal not enabled
  });
});

describe('making the PayPal order of a checkout', () => {
  it('makes it from the server-priced order, carrying our order as custom and invoice id', async () => {
    const { orderId, input } = await continued(guest('priced'), notebooks(2));
    const { paymentId } = await startApprovalPayment(paypal, input);

    const order = await paypalOrder(paymentId);
    expect(order.status).toBe('CREATED');
    expect(order.purchase_units[0]).toMatchObject({ amount: { currency_code: 'USD', value: '36.00' }, custom_id: orderId, invoice_id: orderId });
    expect(await paypalAttempts(orderId)).toMatchObject([{ providerPaymentId: paymentId, amount: 3600, currency: 'USD' }]);
  });

  it('makes one PayPal order however many clicks, tabs and retries ask at once', async () => {
    const { orderId, input } = await continued(guest('clicks'), notebooks(1));
    const made = await Promise.all(Array.from({ length: 8 }, () => startApprovalPayment(paypal, input)));
    expect(new Set(made.map((result) => result.paymentId)).size).toBe(1);
    expect(await paypalAttempts(orderId)).toHaveLength(1);
  });

  it('refuses a cart that is no longer the order\'s (changed in another tab) and writes nothing', async () => {
    const { orderId, input } = await continued(guest('tampered'), notebooks(1));
    const error = await refusal(startApprovalPayment(paypal, { ...input, items: notebooks(5) }));
    expect(error.code).toBe('cart_changed');
    expect(await paypalAttempts(orderId)).toHaveLength(0);
    const [order] = await t.db.select().from(orders).where(eq(orders.id, orderId));
    expect(order?.amountTotal).toBe(1800);
  });

  it('refuses another browser\'s order, and an order that has ended', async () => {
    const { input } = await continued(guest('owner'), notebooks(1));
    const [stranger] = await t.db.insert(users).values({ email: `stranger-${crypto.randomUUID().slice(0, 8)}@example.com` }).returning();
    expect((await refusal(startApprovalPayment(paypal, { ...input, userId: stranger!.id, email: stranger!.email }))).code).toBe('checkout_ended');
    expect((await refusal(startApprovalPayment(paypal, { ...input, orderId: null }))).code).toBe('checkout_ended');
  });

  it('makes a new PayPal order once Continue changed the cart, and never captures the old one', async () => {
    const buyer = guest('changed');
    const { orderId, input } = await continued(buyer, notebooks(1));
    const { paymentId: first } = await startApprovalPayment(paypal, input);
    await approve(first); // approved for $18.00 in a tab the buyer forgot

    await startCheckout(cards, { buyer, items: notebooks(3), currentOrderId: orderId });
    const { paymentId: second } = await startApprovalPayment(paypal, { ...input, items: notebooks(3) });
    expect(second).not.toBe(first);
    expect((await paypalOrder(second)).purchase_units[0]?.amount.value).toBe('54.00');

    // The old approval comes back: nothing is taken for the amount the order no longer has.
    const result = await finishApprovalPayment(paypal, { orderId, paymentId: first });
    expect(result.outcome).toBe('refused');
    expect((await paypalOrder(first)).purchase_units[0]?.payments?.captures ?? []).toHaveLength(0);
  });
});

describe('taking the money once the buyer approved', () => {
  it('captures an approved PayPal order of this browser\'s order, and says it is paid', async () => {
    const { orderId, input } = await continued(guest('paid'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    await approve(paymentId);

    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toEqual({ outcome: 'paid' });
    expect((await paypalOrder(paymentId)).purchase_units[0]?.payments?.captures?.map((capture) => capture.status)).toEqual(['COMPLETED']);
    // A second word from the browser (a retry, a second tab) takes nothing more.
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toEqual({ outcome: 'paid' });
    expect((await paypalOrder(paymentId)).purchase_units[0]?.payments?.captures).toHaveLength(1);
  });

  it('captures nothing for a browser whose order it is not, whatever PayPal order id it sends', async () => {
    const owner = await continued(guest('victim'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, owner.input);
    await approve(paymentId);
    const other = await continued(guest('thief'), notebooks(1));

    expect((await refusal(finishApprovalPayment(paypal, { orderId: other.orderId, paymentId }))).code).toBe('not_found');
    expect((await refusal(finishApprovalPayment(paypal, { orderId: null, paymentId }))).code).toBe('not_found');
    expect((await paypalOrder(paymentId)).status).toBe('APPROVED');
  });

  it('asks the buyer to pick another way to pay when their funding is declined, then captures the same PayPal order', async () => {
    const { orderId, input } = await continued(guest('declined'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    await approve(paymentId, 'declined@example.com');
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toMatchObject({ outcome: 'restart' });

    // The buyer clicks PayPal again: the same order, approved again with another funding source.
    expect(await startApprovalPayment(paypal, input)).toEqual({ paymentId });
    await approve(paymentId, 'buyer@example.com');
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toEqual({ outcome: 'paid' });
  });

  it('lets the buyer approve again after a declined funding source even when the approval webhook was applied first (the order reads processing)', async () => {
    const { orderId, input } = await continued(guest('declined-webhook'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    await approve(paymentId, 'declined@example.com');
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toMatchObject({ outcome: 'restart' });
    // What the worker does with CHECKOUT.ORDER.APPROVED: the re-read PayPal order (approved, not captured) applied.
    await t.db.transaction(async (tx) => applyPayment(tx, await paypal.payments.retrievePayment(paymentId)));
    expect((await t.db.select().from(orders).where(eq(orders.id, orderId)))[0]?.status).toBe('processing');

    expect(await startApprovalPayment(paypal, input)).toEqual({ paymentId });
    await approve(paymentId, 'buyer@example.com');
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toEqual({ outcome: 'paid' });
  });

  it('makes no PayPal order for an order whose card payment is in flight', async () => {
    const { orderId, input } = await continued(guest('card-in-flight'), notebooks(1));
    const [card] = await t.db.select().from(payments).where(and(eq(payments.orderId, orderId), eq(payments.provider, 'stripe')));
    await t.db.transaction(async (tx) => applyPayment(tx, { ...(await cards.payments.retrievePayment(card!.providerPaymentId)), status: 'processing' }));
    expect((await refusal(startApprovalPayment(paypal, input))).code).toBe('checkout_ended');
    expect(await paypalAttempts(orderId)).toHaveLength(0);
  });

  it('asks the buyer to press PayPal again when PayPal wants a step first (PAYER_ACTION_REQUIRED), then captures once it is done', async () => {
    const { orderId, input } = await continued(guest('payer-action'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    await approve(paymentId, 'payer-action@example.com');
    const result = await finishApprovalPayment(paypal, { orderId, paymentId });
    expect(result).toMatchObject({ outcome: 'restart', message: expect.stringContaining('press PayPal again') });
    expect((await paypalOrder(paymentId)).status).toBe('PAYER_ACTION_REQUIRED');

    // Pressing PayPal again opens the same order, where the buyer completes the step.
    expect(await startApprovalPayment(paypal, input)).toEqual({ paymentId });
    await approve(paymentId, 'payer-action@example.com');
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toEqual({ outcome: 'paid' });
  });

  it('tells a buyer PayPal refused that they were not charged, and a new click makes a new PayPal order', async () => {
    const { orderId, input } = await continued(guest('refused'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    await approve(paymentId, 'refused@example.com');
    const result = await finishApprovalPayment(paypal, { orderId, paymentId });
    expect(result).toMatchObject({ outcome: 'refused', message: expect.stringContaining('You have not been charged') });

    const again = await startApprovalPayment(paypal, input);
    expect(again.paymentId).not.toBe(paymentId);
  });

  it('says "processing" for a pending eCheck, which the order\'s page shows as confirming', async () => {
    const { orderId, input } = await continued(guest('pending'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    await approve(paymentId, 'pending@example.com');
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toEqual({ outcome: 'processing' });

    const [order] = await t.db.select().from(orders).where(eq(orders.id, orderId));
    const progress = await orderProgress({ db: t.db, paymentsOf: (provider) => (provider === 'paypal' ? paypal.payments : cards.payments) }, order!);
    expect(progress).toBe('confirming');
  });

  it('answers "not approved" without capturing when the browser claims an approval PayPal never saw', async () => {
    const { orderId, input } = await continued(guest('early'), notebooks(1));
    const { paymentId } = await startApprovalPayment(paypal, input);
    expect(await finishApprovalPayment(paypal, { orderId, paymentId })).toMatchObject({ outcome: 'refused' });
    expect((await paypalOrder(paymentId)).status).toBe('CREATED');
  });
});
