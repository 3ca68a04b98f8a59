import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { auditLog, orders, payments } from '@/db/schema';
import { money } from '@/lib/money';
import type { PaymentRegistry } from '@/lib/payments';
import type { ProviderRefund } from '@/lib/payments/types';
import { CHANGEABLE } from './checkout';
import { applyChange, lockBillingKey } from './payment-events';

/**
 * One order is paid once (issue 13). A buyer can pay one order twice, by card in one tab and
 * with PayPal in another, each succeeding at its provider before Billfold hears of the other.
 * The first payment settled is recorded as the one that paid the order (payment-events.ts,
 * settleOrder); every other payment of the order holding money is a duplicate, queued in the
 * same transaction for the job below, which gives its money back. The order's attempts still
 * open when it became paid are queued too, and canceled, so a forgotten tab cannot pay at all.
 */

export type DuplicatePaymentOutcome =
  /** Refunded now: what the provider still held of the duplicate. */
  | { outcome: 'refunded'; refund: ProviderRefund }
  /** Still open, now canceled: nobody can pay it any more. */
  | { outcome: 'canceled' }
  /** The provider holds nothing of it (refunded earlier, by this job or by hand; never paid; being paid right now, when its success queues it again). */
  | { outcome: 'nothing_to_refund' }
  /** Not a duplicate: unknown, not of a paid order, or the payment that paid it. */
  | { outcome: 'not_a_duplicate'; why: string };

export interface DuplicatePaymentDeps {
  db: Database;
  payments: PaymentRegistry;
}

/**
 * The refund's idempotency key: our payment and how much of it the provider had refunded when
 * the job read it. A retried job (the answer lost, the worker killed) reads the same amount and
 * reuses the key, so the provider makes one refund; once that refund shows, the amount moves and
 * nothing is left to refund. Stripe refuses a reused key with other parameters, which a key
 * without the refunded amount would meet after someone refunded part of the duplicate by hand.
 */
export function duplicateRefundKey(paymentId: string, refundedSoFar: number): string {
  return `duplicate-refund:${paymentId}:${refundedSoFar}`;
}

/**
 * Refunds whatever the provider still holds of a duplicate payment (or cancels it while it is
 * still open), and applies the payment and its refunds at once rather than waiting for the
 * refund's webhook. Runs under the payment's own lock (the one the webhook worker applies its
 * events under), so the re-read, the refund and the write are one step: two runs for the same
 * payment refund one after the other, the second finding nothing left. The winner is never
 * touched: the payment must not be the one recorded as having paid the order. Throws what the
 * provider threw (PaymentProviderUnavailableError for an outage), for the queue to retry.
 */
export async function closeDuplicatePayment(deps: DuplicatePaymentDeps, paymentId: string): Promise<DuplicatePaymentOutcome> {
  const [row] = await deps.db
    .select({ payment: payments, paidBy: orders.paidByPaymentId })
    .from(payments)
    .leftJoin(orders, eq(orders.id, payments.orderId))
    .where(eq(payments.id, paymentId));
  if (!row) return { outcome: 'not_a_duplicate', why: 'no such payment' };
  const { payment: recorded, paidBy } = row;
  // Once recorded, the winner never changes, so reading it outside the lock is safe.
  if (!recorded.orderId || paidBy === null) return { outcome: 'not_a_duplicate', why: 'its order is not paid' };
  if (paidBy === recorded.id) return { outcome: 'not_a_duplicate', why: 'it is the payment that paid the order' };
  const orderId = recorded.orderId;

  const provider = deps.payments.get(recorded.provider);
  const providerPaymentId = recorded.providerPaymentId;
  return deps.db.transaction(async (tx): Promise<DuplicatePaymentOutcome> => {
    await lockBillingKey(tx, { provider: provider.name, providerPaymentId });
    let before = await provider.payments.retrievePayment(providerPaymentId);
    // Only where the buyer's browser completes payments (cards) is an open one canceled: a
    // payment the server captures (PayPal's orders) is never captured for a paid order
    // (capture.ts), and PayPal cannot cancel one anyway.
    if (before.amountCaptured.amount === 0 && !provider.capturesApprovedPayments && CHANGEABLE.includes(before.status)) {
      // Named after the order and the payment: a retried job replays this cancel.
      const canceled = await provider.payments.cancelPayment(providerPaymentId, 'abandoned', `order:${orderId}:paid-elsewhere:cancel:${providerPaymentId}`);
      if (canceled.outcome === 'canceled') {
        await applyChange(tx, { kind: 'payment', payment: canceled.payment, refunds: [] });
        await tx.insert(auditLog).values({
          actorKind: 'system',
          action: 'payment.canceled_order_paid',
          subjectType: 'payment',
          subjectId: recorded.id,
          data: { orderId, paidByPaymentId: paidBy, provider: provider.name },
        });
        return { outcome: 'canceled' };
      }
      // Refused: it is being paid right now, so read what it holds.
      before = await provider.payments.retrievePayment(providerPaymentId);
    }
    const remaining = before.amountCaptured.amount - before.amountRefunded.amount;
    let refund: ProviderRefund | null = null;
    if (remaining > 0) {
      refund = await provider.payments.refundPayment(
        {
          paymentId: providerPaymentId,
          amount: money(remaining, before.amount.currency),
          reason: 'duplicate',
          metadata: { order_id: orderId, reason: 'order_already_paid' },
        },
        duplicateRefundKey(recorded.id, before.amountRefunded.amount),
      );
    }
    const after = refund ? await provider.payments.retrievePayment(providerPaymentId) : before;
    const listed = after.amountRefunded.amount > 0 ? await provider.payments.refundsOf(providerPaymentId) : [];
    // Ours is recorded even if the provider's list does not show it yet, and with its reason even
    // where the provider keeps none on its refunds (PayPal).
    const ours = refund && { ...refund, ...listed.find((each) => each.id === refund.id) };
    const paymentRefunds = [...listed.filter((each) => each.id !== ours?.id), ...(ours ? [{ ...ours, reason: ours.reason ?? 'duplicate' }] : [])];
    await applyChange(tx, { kind: 'payment', payment: after, refunds: paymentRefunds });
    if (!refund) return { outcome: 'nothing_to_refund' };
    await tx.insert(auditLog).values({
      actorKind: 'system',
      action: 'payment.duplicate_refunded',
      subjectType: 'payment',
      subjectId: recorded.id,
      data: { orderId, paidByPaymentId: paidBy, provider: provider.name, refundId: refund.id, amount: remaining, currency: before.amount.currency },
    });
    return { outcome: 'refunded', refund };
  });
}
