import type { PaypalContext } from './context';
import { unprocessable } from './errors';
import { raiseEvent } from './events';
import { unitsOf, type PaypalMoney } from './money';
import type { PaypalRefund } from './order-types';
import { refundView } from './order-views';
import { loadCapture, recordRefund } from './payments';
import { refundableUnits } from './captures';
import type { PaypalLink } from './order-types';

/**
 * Money a dispute takes back from a capture: a chargeback as it opens, or a dispute resolved in
 * the buyer's favour (by PayPal or by the merchant accepting the claim). PayPal reports it as
 * PAYMENT.CAPTURE.REVERSED whose resource is a *refund* (resource_type `refund`, status
 * COMPLETED, note_to_payer "Payment reversed", links `self` → /v2/payments/refunds/<id> and `up`
 * → the capture), as in PayPal's sample event for that type. The capture status enum has no
 * REVERSED (Payments v2: COMPLETED, DECLINED, PARTIALLY_REFUNDED, PENDING, REFUNDED, FAILED), so
 * the capture becomes REFUNDED, or PARTIALLY_REFUNDED when less than all of it went back. The
 * reversal is a refund in the capture's own books (payments.ts recordRefund), so what a
 * merchant can still refund afterwards is only what remains; PayPal keeps its fee.
 */
export async function reverseCapture(ctx: PaypalContext, captureId: string, amount: PaypalMoney): Promise<PaypalRefund & { links: PaypalLink[] }> {
  const capture = await loadCapture(ctx, captureId, { lock: true });
  const { status, amount: captured } = capture.resource;
  if (status !== 'COMPLETED' && status !== 'PARTIALLY_REFUNDED') {
    throw unprocessable('CAPTURE_FULLY_REFUNDED', `The capture ${captureId} is ${status}: there is no money left on it to reverse.`);
  }
  if (amount.currency_code !== captured.currency_code) throw unprocessable('CURRENCY_MISMATCH', `The capture is in ${captured.currency_code}.`);
  const units = Math.min(unitsOf(amount), refundableUnits(capture));
  if (units <= 0) throw unprocessable('CAPTURE_FULLY_REFUNDED', `The capture ${captureId} has been refunded in full.`);
  const refund = await recordRefund(ctx, capture, units, { fee: 0, noteToPayer: 'Payment reversed' });
  const shown = refundView(ctx.base, refund);
  await raiseEvent(ctx, { eventType: 'PAYMENT.CAPTURE.REVERSED', resourceType: 'refund', resource: shown, summary: `A ${refund.resource.amount.value} ${captured.currency_code} capture payment was reversed`, resourceVersion: '2.0' });
  return shown;
}
