import { and, eq } from 'drizzle-orm';
import { orders, payments } from '@/db/schema';
import type { ProviderPayment } from '@/lib/payments/types';
import { lockOrderCheckout, type CheckoutDependencies } from './checkout';
import { paymentsForOrder } from './orders';

/**
 * Taking the money of a payment the buyer approved, for providers where the server does it
 * (PayPal's orders: the buyer approves in PayPal's buttons, then Billfold captures). The browser's
 * capture and the webhook worker's (the browser closed right after approving: PayPal integrators'
 * "onApprove never fired") both come here, under the order's checkout lock and with one key per
 * order and payment, so the two can never capture twice.
 *
 * Only the order's current attempt is captured, and only while the order still wants paying: a
 * PayPal order approved for a cart that changed since (a newer attempt exists), or for an order
 * paid meanwhile by another way, is left uncaptured, and the buyer is never charged for it.
 */

export type CaptureOutcome =
  /** Captured now (or earlier, by the same key): the payment as the provider holds it after. */
  | { outcome: 'captured'; payment: ProviderPayment }
  /** Nothing to capture: not approved (yet), already captured, or no longer capturable. */
  | { outcome: 'not_capturable'; payment: ProviderPayment }
  /** Not ours to capture any more: not the order's current attempt, the order is paid or closed, or the amount is not the order's. */
  | { outcome: 'superseded'; why: string };

// An order in these states may still be paid: a payment approved and waiting for its capture leaves it `processing`.
const CAPTURABLE_ORDER_STATUSES = ['open', 'payment_failed', 'processing'] as const;

export function captureKey(orderId: string, providerPaymentId: string): string {
  return `checkout:${orderId}:capture:${providerPaymentId}`;
}

/**
 * Captures `providerPaymentId` if the buyer approved it and it is still the payment of an order
 * that wants paying. The provider's refusals (a declined funding source) are thrown as the
 * provider reports them (PaymentDeclinedError), for the caller to show or leave to the webhooks.
 */
export async function captureApprovedPayment(deps: CheckoutDependencies, providerPaymentId: string): Promise<CaptureOutcome> {
  const provider = deps.payments;
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ orderId: payments.orderId })
      .from(payments)
      .where(and(eq(payments.provider, provider.name), eq(payments.providerPaymentId, providerPaymentId)));
    if (!row?.orderId) return { outcome: 'superseded', why: 'no order of ours has this payment' };
    await lockOrderCheckout(tx, row.orderId);
    const [order] = await tx.select().from(orders).where(eq(orders.id, row.orderId));
    if (!order || !(CAPTURABLE_ORDER_STATUSES as readonly string[]).includes(order.status)) {
      return { outcome: 'superseded', why: `the order is ${order?.status ?? 'gone'}` };
    }
    const [latest] = await paymentsForOrder(tx, order.id, provider.name);
    if (latest?.providerPaymentId !== providerPaymentId) return { outcome: 'superseded', why: 'a newer attempt replaced it' };

    const payment = await provider.retrievePayment(providerPaymentId);
    if (payment.status !== 'requires_capture') return { outcome: 'not_capturable', payment };
    // The buyer approved what the provider shows; the order's own total is what we sell for.
    if (payment.amount.amount !== order.amountTotal || payment.amount.currency !== order.currency) {
      return { outcome: 'superseded', why: `it is for ${payment.amount.amount} ${payment.amount.currency}, the order for ${order.amountTotal} ${order.currency}` };
    }
    return { outcome: 'captured', payment: await provider.capturePayment(providerPaymentId, captureKey(order.id, providerPaymentId)) };
  });
}
