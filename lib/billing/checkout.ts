import crypto from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { orders, payments } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import type { PaymentRequest, PaymentsApi } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError, type PaymentHandoff, type PaymentProviderName, type PaymentStatus, type ProviderPayment } from '@/lib/payments/types';
import { priceCart, type CartItem, type PricedCart } from './cart';
import { paymentCustomer } from './customers';
import { createOrder, linesAreCart, linesMatchCart, orderDetails, orderLines, PAYABLE_STATUSES, paymentsForOrder, reviseOrder, type Buyer, type Order, type OrderDetails } from './orders';

/**
 * Checkout: a priced cart becomes an order (orders + order_items) and one provider payment
 * that the browser finishes (handoff). The order's money state (paid, failed,
 * refunded) is never set here: only verified webhooks do that (lib/billing/payment-events.ts).
 */

export interface CheckoutDependencies {
  db: Database;
  payments: PaymentsApi;
}

export interface CheckoutSession {
  order: OrderDetails;
  /** The provider's id of the order's payment. */
  paymentId: string;
  /** How the browser pays it. */
  handoff: PaymentHandoff;
}

/** Payment statuses in which nothing has been paid yet, so the payment may still change (or be canceled). */
export const CHANGEABLE: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
/** The customer confirmed and the provider took it: we wait for its webhook to say "paid". */
const CONFIRMED: readonly PaymentStatus[] = ['processing', 'requires_capture', 'succeeded'];

export const PROVIDER_UNAVAILABLE_MESSAGE =
  'We could not reach our payment provider. Your order is saved and you have not been charged: please try again in a moment.';

/** The order can no longer take this cart: paid (or being paid), closed, or not the buyer's. */
export class OrderNotPayableError extends Error {
  constructor() {
    super('the order can no longer be paid by this buyer');
    this.name = 'OrderNotPayableError';
  }
}

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

function requestFingerprint(cart: PricedCart, request: PaymentRequest): string {
  const lines = cart.lines.map((line) => `${line.priceId}x${line.quantity}@${line.unitAmount.amount}`).sort();
  const material = JSON.stringify([request.amount.currency, request.amount.amount, request.customerId, request.receiptEmail, lines]);
  return crypto.createHash('sha256').update(material).digest('hex').slice(0, 24);
}

function paymentMatches(payment: ProviderPayment, request: PaymentRequest): boolean {
  return (
    payment.amount.amount === request.amount.amount &&
    payment.amount.currency === request.amount.currency &&
    payment.customerId === request.customerId &&
    // A provider that keeps no receipt address of ours (PayPal mails its own receipt to the payer) reports none.
    (payment.receiptEmail ?? request.receiptEmail) === request.receiptEmail
  );
}

/**
 * Whether the order's latest payment can still be the one the buyer pays: nobody has paid it, or
 * the buyer approved it in the provider's own page and only our capture remains (PayPal, which
 * after a declined funding source has the buyer approve the same order again).
 */
function stillPayable(payment: ProviderPayment): boolean {
  return CHANGEABLE.includes(payment.status) || (payment.status === 'requires_capture' && payment.handoff?.kind === 'approval');
}

/**
 * Whether the order can still take a payment through `provider`: it is open or its last attempt
 * failed, or the only payment in flight is one its buyer approved with this same provider and we
 * have not captured (the order reads `processing` then). PayPal leaves an order approved after
 * declining its funding source at our capture, and the buyer approves the same order again with
 * another source: that must not lock them out of their own checkout.
 */
async function orderStillPayable(tx: Transaction, order: Order, provider: PaymentProviderName): Promise<boolean> {
  if (PAYABLE_STATUSES.includes(order.status)) return true;
  if (order.status !== 'processing') return false;
  const inFlight = await tx
    .select({ provider: payments.provider, status: payments.status })
    .from(payments)
    .where(and(eq(payments.orderId, order.id), inArray(payments.status, ['processing', 'requires_capture', 'succeeded'])));
  return inFlight.length > 0 && inFlight.every((payment) => payment.provider === provider && payment.status === 'requires_capture');
}

/**
 * The cart the browser pays for is no longer the order's (changed in another tab since the
 * order's payment was readied): the buyer goes back through Continue, which brings the order and
 * every payment of it in line.
 */
export class CartChangedError extends UserFacingError {
  constructor() {
    super('Your cart changed since you started paying. Check the new total, then continue.', 'cart_changed');
  }
}

/**
 * Brings the order and its one payment in line with the cart. Checkouts of one order
 * (double clicks, two tabs, retried requests) queue on a lock named after the order, and each
 * finds the payment the first one made: the payment is created only when the order has none that
 * can still be paid, and otherwise updated, so there are never two to pay.
 *
 * The lock is an advisory one rather than the order row because the webhook worker locks a
 * payment and then its order: this transaction takes row locks in that same order (payments
 * row, then the order's), and only at its end, so the two can never deadlock.
 */
export async function preparePaymentForOrder(
  deps: CheckoutDependencies,
  orderId: string,
  buyer: Buyer,
  cart: PricedCart,
  /** `false`: the order must already be this cart's (CartChangedError otherwise), as for a second way to pay it. */
  { revise = true }: { revise?: boolean } = {},
): Promise<CheckoutSession> {
  const provider = deps.payments;
  const customer = await paymentCustomer(deps.db, provider, buyer);
  return deps.db.transaction(async (tx) => {
    await lockOrderCheckout(tx, orderId);
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId));
    if (!order || order.userId !== buyer.userId || !(await orderStillPayable(tx, order, provider.name))) throw new OrderNotPayableError();
    const lines = await orderLines(tx, order.id);
    const cartIsOrders = linesMatchCart(lines, cart) && order.email === buyer.email;
    if (!revise && !cartIsOrders) throw new CartChangedError();

    const attempts = await paymentsForOrder(tx, order.id, provider.name);
    const latest = attempts[0];
    let payment = latest ? await provider.retrievePayment(latest.providerPaymentId) : null;
    if (payment?.status === 'canceled') payment = null;
    // Confirmed already (in another tab, say): the order is spoken for and must not change.
    if (payment && !stillPayable(payment)) throw new OrderNotPayableError();

    const request: PaymentRequest = {
      amount: cart.total,
      customerId: customer?.providerCustomerId ?? null,
      receiptEmail: buyer.email,
      orderId: order.id,
      metadata: { order_id: order.id, order_number: String(order.number) },
    };
    const fingerprint = requestFingerprint(cart, request);
    // Nobody can finish it any more (PayPal refused it outright), or it is for another amount and
    // the provider cannot change a payment the buyer approves for an amount (PayPal: the buyer
    // may have approved the old one already): a new attempt replaces it. Only the latest attempt
    // is ever captured (./capture.ts), so the old one can no longer take money.
    if (payment && (!payment.handoff || (!provider.updatePayment && !paymentMatches(payment, request)))) payment = null;
    if (!payment) {
      // A retry of this request (same attempt, same cart) replays the payment the provider
      // already made, even if our transaction was lost after it answered. (The keys still say
      // `intent`, as they did before payments had a neutral name: a retry across an upgrade replays.)
      const idempotencyKey = `checkout:${order.id}:intent:${attempts.length}:${fingerprint}`;
      payment = await provider.createPayment(request, idempotencyKey);
      await tx
        .insert(payments)
        .values({ orderId: order.id, provider: provider.name, providerPaymentId: payment.id, status: payment.status, amount: payment.amount.amount, currency: payment.amount.currency, idempotencyKey })
        // A webhook may have recorded the payment first; its status is the webhook's to keep.
        .onConflictDoUpdate({
          target: [payments.provider, payments.providerPaymentId],
          set: { orderId: sql`coalesce(${payments.orderId}, excluded.order_id)`, idempotencyKey: sql`coalesce(${payments.idempotencyKey}, excluded.idempotency_key)` },
        });
    } else if (provider.updatePayment && !paymentMatches(payment, request)) {
      // The order's revision is in the key, so going back to an earlier cart is a new update
      // rather than a replay of the old one. A provider refuses to change a payment that has
      // been paid meanwhile, and then nothing here is written.
      payment = await provider.updatePayment(payment.id, request, `checkout:${order.id}:intent:${payment.id}:revision:${order.updatedAt.getTime()}:${fingerprint}`);
      await tx
        .update(payments)
        .set({ amount: payment.amount.amount, currency: payment.amount.currency, updatedAt: new Date() })
        .where(and(eq(payments.provider, provider.name), eq(payments.providerPaymentId, payment.id)));
    }

    let current: Order = order;
    let linesNow = lines;
    if (revise && (!cartIsOrders || order.customerId !== (customer?.id ?? null))) {
      // A new order only gains its customer here: its lines are the cart's already and stay.
      const revised = await reviseOrder(tx, order.id, buyer, customer?.id ?? null, cart, lines);
      if (!revised) throw new OrderNotPayableError();
      current = revised;
      if (!linesAreCart(lines, cart)) linesNow = await orderLines(tx, order.id);
    }
    if (!payment.handoff) throw new Error(`payment ${payment.id} of order ${order.id} can no longer be paid`);
    return { order: await orderDetails(tx, current, linesNow), paymentId: payment.id, handoff: payment.handoff };
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
 * Prices the cart and readies the order and its payment. The browser's current order
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
      return await preparePaymentForOrder(deps, orderId, input.buyer, cart);
    } catch (error) {
      if (!(error instanceof OrderNotPayableError)) throw error;
      // The remembered order was paid meanwhile, closed, or belongs to someone else.
      return await preparePaymentForOrder(deps, await openOrder(), input.buyer, cart);
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
 * The checkout to show again after a refresh: the buyer's order with the payment they were
 * making, untouched. Null when there is nothing to resume; without a handoff when the payment
 * could not be read (the customer presses Continue again).
 */
export async function resumeCheckout(
  deps: CheckoutDependencies,
  orderId: string,
  buyer: { userId: string | null },
): Promise<{ order: OrderDetails; handoff: PaymentHandoff | null } | null> {
  const [order] = await deps.db.select().from(orders).where(eq(orders.id, orderId));
  if (!order || !PAYABLE_STATUSES.includes(order.status) || order.userId !== buyer.userId) return null;
  const [latest] = await paymentsForOrder(deps.db, order.id, deps.payments.name);
  let handoff: PaymentHandoff | null = null;
  if (latest) {
    try {
      const payment = await deps.payments.retrievePayment(latest.providerPaymentId);
      if (!CHANGEABLE.includes(payment.status) && payment.status !== 'canceled') return null;
      handoff = payment.handoff;
    } catch (error) {
      if (!(error instanceof PaymentProviderUnavailableError)) throw error;
    }
  }
  return { order: await orderDetails(deps.db, order), handoff };
}

/**
 * What the confirmation page tells the customer. Only the order's status (set by webhooks)
 * says "paid"; the provider's view of the payment only separates "we are confirming your
 * payment" from "this order has not been paid".
 */
export type OrderProgress = 'paid' | 'confirming' | 'unpaid' | 'canceled' | 'refunded' | 'partially_refunded';

export function progressFromStatus(status: Order['status']): OrderProgress | null {
  if (status === 'paid' || status === 'canceled' || status === 'refunded' || status === 'partially_refunded') return status;
  return null;
}

export interface ProgressDependencies {
  db: Database;
  /** The payments API of each provider an order may have been paid through. */
  paymentsOf(provider: PaymentProviderName): PaymentsApi;
}

/**
 * The latest payment with each provider decides: the buyer may have paid by card, or with PayPal
 * after (or before) trying the other way, and either may be the one the provider is confirming.
 */
export async function orderProgress(deps: ProgressDependencies, order: Order): Promise<OrderProgress> {
  const settled = progressFromStatus(order.status);
  if (settled) return settled;
  const latestByProvider = new Map<PaymentProviderName, string>();
  for (const payment of await paymentsForOrder(deps.db, order.id)) {
    if (!latestByProvider.has(payment.provider)) latestByProvider.set(payment.provider, payment.providerPaymentId);
  }
  if (latestByProvider.size === 0) return 'unpaid';
  const confirming = await Promise.all(
    [...latestByProvider].map(async ([provider, paymentId]) => {
      try {
        return CONFIRMED.includes((await deps.paymentsOf(provider).retrievePayment(paymentId)).status);
      } catch (error) {
        if (error instanceof PaymentProviderUnavailableError) return true;
        throw error;
      }
    }),
  );
  return confirming.some(Boolean) ? 'confirming' : 'unpaid';
}
