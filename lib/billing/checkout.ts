import crypto from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { orders, payments } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import {
  PaymentProviderUnavailableError,
  type CardPaymentProvider,
  type PaymentIntentRequest,
  type PaymentStatus,
  type ProviderPaymentIntent,
} from '@/lib/payments/card-payments';
import { priceCart, type CartItem, type PricedCart } from './cart';
import { ensureProviderCustomer } from './customers';
import { createOrder, linesMatchCart, orderDetails, orderLines, PAYABLE_STATUSES, paymentsForOrder, reviseOrder, type Buyer, type Order, type OrderDetails } from './orders';

/**
 * The card checkout: a priced cart becomes an order (orders + order_items) and one payment
 * intent at the provider that the browser confirms. The order's money state (paid, failed,
 * refunded) is never set here: only verified webhooks do that (lib/billing/payment-events.ts).
 */

export interface CheckoutDependencies {
  db: Database;
  payments: CardPaymentProvider;
}

export interface CheckoutSession {
  order: OrderDetails;
  paymentIntentId: string;
  clientSecret: string;
}

/** Intent statuses in which nothing has been paid yet, so the intent may still change (or be canceled). */
export const CHANGEABLE: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
/** The customer confirmed and the provider took it: we wait for its webhook to say "paid". */
const CONFIRMED: readonly PaymentStatus[] = ['processing', 'requires_capture', 'succeeded'];

export const PROVIDER_UNAVAILABLE_MESSAGE =
  'We could not reach our payment provider. Your order is saved and you have not been charged: please try again in a moment.';

/** The order can no longer take this cart: paid (or being paid), closed, or not the buyer's. */
class OrderNotPayableError extends Error {}

/**
 * The lock every change to an order's payment intents takes: checkout below, and the sweep of
 * abandoned checkouts (./abandoned-checkouts.ts), so neither acts on an intent the other is
 * changing. Held until the transaction ends.
 */
export async function lockOrderCheckout(tx: Transaction, orderId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`billfold:checkout:${orderId}`}, 0))`);
}

/** The same lock without waiting: false when a checkout of the order is running right now. */
export async function tryLockOrderCheckout(tx: Transaction, orderId: string): Promise<boolean> {
  const [row] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(hashtextextended(${`billfold:checkout:${orderId}`}, 0)) as locked`);
  return row?.locked === true;
}

function requestFingerprint(cart: PricedCart, request: PaymentIntentRequest): string {
  const lines = cart.lines.map((line) => `${line.priceId}x${line.quantity}@${line.unitAmount.amount}`).sort();
  const material = JSON.stringify([request.amount.currency, request.amount.amount, request.customerId, request.receiptEmail, lines]);
  return crypto.createHash('sha256').update(material).digest('hex').slice(0, 24);
}

function intentMatches(intent: ProviderPaymentIntent, request: PaymentIntentRequest): boolean {
  return (
    intent.amount.amount === request.amount.amount &&
    intent.amount.currency === request.amount.currency &&
    intent.customerId === request.customerId &&
    intent.receiptEmail === request.receiptEmail
  );
}

/**
 * Brings the order and its one payment intent in line with the cart. Checkouts of one order
 * (double clicks, two tabs, retried requests) queue on a lock named after the order, and each
 * finds the intent the first one made: the intent is created only when the order has none that
 * can still be paid, and otherwise updated, so there are never two to pay.
 *
 * The lock is an advisory one rather than the order row because the webhook worker locks a
 * payment and then its order: this transaction takes row locks in that same order (payments
 * row, then the order's), and only at its end, so the two can never deadlock.
 */
export async function preparePaymentIntentForOrder(deps: CheckoutDependencies, orderId: string, buyer: Buyer, cart: PricedCart): Promise<CheckoutSession> {
  const provider = deps.payments;
  const customer = await ensureProviderCustomer(deps.db, provider, buyer);
  return deps.db.transaction(async (tx) => {
    await lockOrderCheckout(tx, orderId);
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
    if (!order || !PAYABLE_STATUSES.includes(order.status) || order.userId !== buyer.userId) throw new OrderNotPayableError();

    const attempts = await paymentsForOrder(tx, order.id, provider.name);
    const latest = attempts[0];
    let intent = latest ? await provider.retrievePaymentIntent(latest.providerPaymentId) : null;
    if (intent?.status === 'canceled') intent = null;
    // Confirmed already (in another tab, say): the order is spoken for and must not change.
    if (intent && !CHANGEABLE.includes(intent.status)) throw new OrderNotPayableError();

    const request: PaymentIntentRequest = {
      amount: cart.total,
      customerId: customer.providerCustomerId,
      receiptEmail: buyer.email,
      metadata: { order_id: order.id, order_number: String(order.number) },
    };
    const fingerprint = requestFingerprint(cart, request);
    if (!intent) {
      // A retry of this request (same attempt, same cart) replays the intent the provider
      // already made, even if our transaction was lost after it answered.
      intent = await provider.createPaymentIntent(request, `checkout:${order.id}:intent:${attempts.length}:${fingerprint}`);
      await tx
        .insert(payments)
        .values({ orderId: order.id, provider: provider.name, providerPaymentId: intent.id, status: intent.status, amount: intent.amount.amount, currency: intent.amount.currency })
        // A webhook may have recorded the intent first; its status is the webhook's to keep.
        .onConflictDoUpdate({ target: [payments.provider, payments.providerPaymentId], set: { orderId: sql`coalesce(${payments.orderId}, excluded.order_id)` } });
    } else if (!intentMatches(intent, request)) {
      // The order's revision is in the key, so going back to an earlier cart is a new update
      // rather than a replay of the old one. A provider refuses to change an intent that has
      // been paid meanwhile, and then nothing here is written.
      intent = await provider.updatePaymentIntent(intent.id, request, `checkout:${order.id}:intent:${intent.id}:revision:${order.updatedAt.getTime()}:${fingerprint}`);
      await tx
        .update(payments)
        .set({ amount: intent.amount.amount, currency: intent.amount.currency, updatedAt: new Date() })
        .where(and(eq(payments.provider, provider.name), eq(payments.providerPaymentId, intent.id)));
    }

    let current: Order = order;
    if (!linesMatchCart(await orderLines(tx, order.id), cart) || order.email !== buyer.email || order.customerId !== customer.id) {
      const revised = await reviseOrder(tx, order.id, buyer, customer.id, cart);
      if (!revised) throw new OrderNotPayableError();
      current = revised;
    }
    return { order: await orderDetails(tx, current), paymentIntentId: intent.id, clientSecret: intent.clientSecret };
  });
}

export interface StartCheckoutInput {
  buyer: Buyer;
  items: readonly CartItem[];
  /** The order this browser is already checking out (from its signed cookie), if any. */
  currentOrderId: string | null;
  /** Called with the order's id as soon as it exists, before the provider is called. */
  rememberOrder?: (orderId: string) => Promise<void> | void;
}

/**
 * Prices the cart and readies the order and its payment intent. The browser's current order
 * is reused while it can still be paid, so a refresh, a second tab or a changed cart never
 * makes a second order to pay; a provider outage leaves the order saved and payable.
 */
export async function startCheckout(deps: CheckoutDependencies, input: StartCheckoutInput): Promise<CheckoutSession> {
  const cart = await priceCart(deps.db, input.items);
  const openOrder = async () => {
    const order = await createOrder(deps.db, input.buyer, cart);
    await input.rememberOrder?.(order.id);
    return order.id;
  };
  try {
    const orderId = input.currentOrderId ?? (await openOrder());
    try {
      return await preparePaymentIntentForOrder(deps, orderId, input.buyer, cart);
    } catch (error) {
      if (!(error instanceof OrderNotPayableError)) throw error;
      // The remembered order was paid meanwhile, closed, or belongs to someone else.
      return await preparePaymentIntentForOrder(deps, await openOrder(), input.buyer, cart);
    }
  } catch (error) {
    if (error instanceof PaymentProviderUnavailableError) {
      log.warn({ err: error.cause, provider: error.provider }, 'payment provider unavailable at checkout');
      throw new UserFacingError(PROVIDER_UNAVAILABLE_MESSAGE, 'provider_unavailable');
    }
    throw error;
  }
}

/**
 * The checkout to show again after a refresh: the buyer's order with the intent they were
 * paying, untouched. Null when there is nothing to resume; without a client secret when the
 * intent could not be read (the customer presses Continue again).
 */
export async function resumeCheckout(
  deps: CheckoutDependencies,
  orderId: string,
  buyer: { userId: string | null },
): Promise<{ order: OrderDetails; clientSecret: string | null } | null> {
  const [order] = await deps.db.select().from(orders).where(eq(orders.id, orderId));
  if (!order || !PAYABLE_STATUSES.includes(order.status) || order.userId !== buyer.userId) return null;
  const [latest] = await paymentsForOrder(deps.db, order.id, deps.payments.name);
  let clientSecret: string | null = null;
  if (latest) {
    try {
      const intent = await deps.payments.retrievePaymentIntent(latest.providerPaymentId);
      if (!CHANGEABLE.includes(intent.status) && intent.status !== 'canceled') return null;
      if (intent.status !== 'canceled') clientSecret = intent.clientSecret;
    } catch (error) {
      if (!(error instanceof PaymentProviderUnavailableError)) throw error;
    }
  }
  return { order: await orderDetails(deps.db, order), clientSecret };
}

/**
 * What the confirmation page tells the customer. Only the order's status (set by webhooks)
 * says "paid"; the provider's view of the intent only separates "we are confirming your
 * payment" from "this order has not been paid".
 */
export type OrderProgress = 'paid' | 'confirming' | 'unpaid' | 'canceled' | 'refunded' | 'partially_refunded';

export function progressFromStatus(status: Order['status']): OrderProgress | null {
  if (status === 'paid' || status === 'canceled' || status === 'refunded' || status === 'partially_refunded') return status;
  return null;
}

export async function orderProgress(deps: CheckoutDependencies, order: Order): Promise<OrderProgress> {
  const settled = progressFromStatus(order.status);
  if (settled) return settled;
  const [latest] = await paymentsForOrder(deps.db, order.id, deps.payments.name);
  if (!latest) return 'unpaid';
  try {
    const intent = await deps.payments.retrievePaymentIntent(latest.providerPaymentId);
    return CONFIRMED.includes(intent.status) ? 'confirming' : 'unpaid';
  } catch (error) {
    if (error instanceof PaymentProviderUnavailableError) return 'confirming';
    throw error;
  }
}
