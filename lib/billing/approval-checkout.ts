import { and, eq } from 'drizzle-orm';
import { orders, payments } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import type { Money } from '@/lib/money';
import type { PaymentProvider } from '@/lib/payments/provider';
import { ApprovedPaymentRefusedError, PaymentProviderUnavailableError, PROVIDER_LABELS, type PaymentProviderName, type PaymentStatus } from '@/lib/payments/types';
import { captureApprovedPayment } from './capture';
import { priceCart, type CartItem } from './cart';
import { OrderNotPayableError, preparePaymentForOrder, PROVIDER_UNAVAILABLE_MESSAGE, type CheckoutDependencies } from './checkout';

/**
 * Paying the checkout's order through a provider's own approval page (PayPal's buttons), beside
 * the card form: the order exists already (Continue made it and readied its card payment), and
 * this readies a second way to pay the same order, for the same cart. The buyer approves in the
 * provider's page, then the server captures (./capture.ts), never trusting the browser's word
 * for what was approved. Money state still comes only from the provider's webhooks.
 */

export interface ApprovalCheckoutInput {
  /** The signed-in customer, or null for a guest. */
  userId: string | null;
  /** The signed-in customer's email; a guest pays as the email the order was made with. */
  email: string | null;
  /** The order this browser is paying (from its signed cookie). */
  orderId: string | null;
  /** The cart the page shows: it must still be the order's. */
  items: readonly CartItem[];
}

/**
 * The providers among `providers` whose buyers approve payments in their own window and which
 * take this amount: the checkout offers their buttons beside the card form, and none for a
 * currency they do not take (PayPal and KWD), without an error.
 */
export function approvalProvidersFor(providers: readonly PaymentProvider[], total: Money): PaymentProviderName[] {
  return providers.filter((provider) => provider.capturesApprovedPayments && (provider.payments.accepts?.(total) ?? true)).map((provider) => provider.name);
}

const CHECKOUT_ENDED = 'This checkout has ended (it was paid, canceled or expired). Refresh the page to see where your order stands.';

/**
 * The provider payment (a PayPal order) the buyer approves for the browser's order. Double clicks,
 * two tabs and retries queue on the order's checkout lock and find the same payment; a changed
 * cart is refused here (the buyer presses Continue), and once Continue has changed the order, the
 * next payment made here is a new one (the provider cannot change an approved amount).
 */
export async function startApprovalPayment(deps: CheckoutDependencies, input: ApprovalCheckoutInput): Promise<{ paymentId: string }> {
  const provider = deps.payments;
  const label = PROVIDER_LABELS[provider.name];
  if (!input.orderId) throw new UserFacingError(CHECKOUT_ENDED, 'checkout_ended');
  const [order] = await deps.db.select().from(orders).where(eq(orders.id, input.orderId));
  // Whether it can still be paid is decided under the order's lock (preparePaymentForOrder).
  if (!order || order.userId !== input.userId) throw new UserFacingError(CHECKOUT_ENDED, 'checkout_ended');
  const cart = await priceCart(deps.db, input.items);
  if (provider.accepts && !provider.accepts(cart.total)) {
    throw new UserFacingError(`This order cannot be paid with ${label} in ${cart.total.currency}: please pay by card.`, 'currency_not_accepted');
  }
  try {
    const session = await preparePaymentForOrder(deps, order.id, { userId: input.userId, email: input.email ?? order.email }, cart, { revise: false });
    return { paymentId: session.paymentId };
  } catch (error) {
    if (error instanceof PaymentProviderUnavailableError) {
      log.warn({ err: error.cause, provider: error.provider }, 'payment provider unavailable at checkout');
      throw new UserFacingError(PROVIDER_UNAVAILABLE_MESSAGE, 'provider_unavailable');
    }
    if (error instanceof UserFacingError) throw error;
    // Paid meanwhile (in another tab), or being paid: nothing to approve any more.
    if (error instanceof OrderNotPayableError) throw new UserFacingError(CHECKOUT_ENDED, 'checkout_ended');
    throw error;
  }
}

/** What the buyer sees once the provider's page has told the browser the payment was approved. */
export type ApprovalResult =
  /** The money is taken (`paid`) or on its way (`processing`: a pending eCheck), or we are still confirming it: the order's page says which. */
  | { outcome: 'paid' | 'processing' | 'confirming' }
  /**
   * The buyer approves the same payment again in the provider's window: their funding source was
   * declined (they choose another), or the provider asks for a step first (PAYER_ACTION_REQUIRED).
   * Pressing the provider's button again opens its window on the step; a redirect to the
   * provider's link would strand them there, as the popup's orders have no return address.
   */
  | { outcome: 'restart'; message: string }
  /** Not taken, and this approval never will be: the buyer pays again, by this provider or by card. */
  | { outcome: 'refused'; message: string };

const PAYER_ACTION_MESSAGE = (label: string) => `${label} needs one more step from you before it can take the payment. You have not been charged: press ${label} again to finish it.`;

const OUTCOME_OF_STATUS: Partial<Record<PaymentStatus, 'paid' | 'processing'>> = { succeeded: 'paid', processing: 'processing' };

/**
 * Captures the payment the browser says the buyer approved, if it is this browser's order's and
 * the provider agrees it was approved. The browser's word is only a nudge: what was approved and
 * what was taken are read from the provider. Any failure after the capture was asked for is
 * settled by the provider's state and its webhooks (the worker captures an approved payment
 * too), so the buyer is sent to the order's page rather than told it failed when it may not have.
 */
export async function finishApprovalPayment(deps: CheckoutDependencies, input: { orderId: string | null; paymentId: string }): Promise<ApprovalResult> {
  const provider = deps.payments;
  const label = PROVIDER_LABELS[provider.name];
  const [row] = await deps.db
    .select({ orderId: payments.orderId })
    .from(payments)
    .where(and(eq(payments.provider, provider.name), eq(payments.providerPaymentId, input.paymentId)));
  // Only this browser's own order: a payment id alone is not a claim to anything.
  if (!row?.orderId || row.orderId !== input.orderId) throw new UserFacingError('This payment is not part of your checkout. Refresh the page and pay again.', 'not_found');

  let captured;
  try {
    captured = await captureApprovedPayment(deps, input.paymentId);
  } catch (error) {
    if (error instanceof ApprovedPaymentRefusedError) {
      if (error.restart) return { outcome: 'restart', message: `${label} declined that way to pay. You have not been charged: choose another way to pay in ${label}.` };
      if (error.actionUrl) return { outcome: 'restart', message: PAYER_ACTION_MESSAGE(label) };
      return { outcome: 'refused', message: `${label} could not take this payment. You have not been charged: pay with ${label} again, or by card.` };
    }
    // Unreachable, or an answer nobody could read: the capture may or may not have happened.
    // The provider's state and its webhooks settle it; the order's page shows it honestly. An
    // outage is routine; anything else is a fault someone has to look at.
    const context = { err: error, provider: provider.name, paymentId: input.paymentId };
    if (error instanceof PaymentProviderUnavailableError) log.warn(context, "capture after approval not confirmed: the provider is unreachable; left to its webhooks");
    else log.error(context, "capture after approval failed unexpectedly; left to the provider's webhooks");
    return { outcome: 'confirming' };
  }
  if (captured.outcome === 'superseded') {
    log.info({ provider: provider.name, paymentId: input.paymentId, why: captured.why }, 'approved payment left uncaptured');
    const payment = await provider.retrievePayment(input.paymentId).catch(() => null);
    const settled = payment ? OUTCOME_OF_STATUS[payment.status] : undefined;
    if (settled) return { outcome: settled };
    return { outcome: 'refused', message: `That ${label} approval was for an earlier version of your order, so nothing was taken. Pay again for the order as it is now.` };
  }
  const { payment } = captured;
  const settled = OUTCOME_OF_STATUS[payment.status];
  if (settled) return { outcome: settled };
  if (payment.status === 'requires_action' && payment.handoff) return { outcome: 'restart', message: PAYER_ACTION_MESSAGE(label) };
  return { outcome: 'refused', message: `${label} has not approved this payment. You have not been charged: pay with ${label} again, or by card.` };
}
