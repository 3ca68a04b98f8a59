import type { PaypalContext, PaypalRecord } from './context';
import { mustGet } from './context';
import { unprocessable } from './errors';
import { raiseEvent } from './events';
import { paypalTime, resourceId } from './ids';
import { paypalMoney, unitsOf, type PaypalMoney } from './money';

/**
 * Money a dispute takes back from a capture: a chargeback as it opens, or a dispute resolved in
 * the buyer's favour (by PayPal or by the merchant accepting the claim). PayPal reports it as
 * PAYMENT.CAPTURE.REVERSED whose resource is a *refund* (resource_type `refund`, status
 * COMPLETED, note_to_payer "Payment reversed", links `self` → /v2/payments/refunds/<id> and `up`
 * → the capture), as in PayPal's sample event for that type. The capture status enum has no
 * REVERSED (Payments v2: COMPLETED, DECLINED, PARTIALLY_REFUNDED, PENDING, REFUNDED, FAILED), so
 * the capture becomes REFUNDED, or PARTIALLY_REFUNDED when less than all of it went back.
 *
 * Captures are the orders area's `paypal_capture` records; this is the one place the dispute
 * side changes one (reverseCapture), so it can be aligned with the orders code's own refunds.
 */

/** The fields of PayPal's capture (Payments v2) the dispute side reads and changes. */
export interface CaptureResource {
  id: string;
  status: 'COMPLETED' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'PENDING' | 'REFUNDED' | 'FAILED';
  amount: PaypalMoney;
  invoice_id?: string;
  custom_id?: string;
  create_time?: string;
  update_time?: string;
  supplementary_data?: { related_ids?: { order_id?: string } };
  payee?: { merchant_id?: string; email_address?: string };
  [field: string]: unknown;
}
export type CaptureRecord = PaypalRecord<CaptureResource>;

/** A refund as Payments v2 shows it (the reversal's resource), links added when shown. */
export interface RefundResource {
  id: string;
  amount: PaypalMoney;
  status: 'COMPLETED';
  note_to_payer: string;
  seller_payable_breakdown: { gross_amount: PaypalMoney; paypal_fee: PaypalMoney; net_amount: PaypalMoney; total_refunded_amount: PaypalMoney };
  create_time: string;
  update_time: string;
}
export type RefundRecord = PaypalRecord<RefundResource, { capture_id: string; reversal: true }>;

/** Units already refunded or reversed on a capture (refund records name their capture in `internal.capture_id`). */
async function refundedUnits(ctx: Pick<PaypalContext, 'tx'>, captureId: string): Promise<number> {
  const rows = await ctx.tx.sql<{ data: RefundRecord }[]>`
    select data from sandbox.objects where type = 'paypal_refund' and data->'internal'->>'capture_id' = ${captureId}`;
  return rows.reduce((sum, row) => sum + unitsOf(row.data.resource.amount), 0);
}

/**
 * Takes `amount` back from the capture: a COMPLETED refund record, the capture REFUNDED or
 * PARTIALLY_REFUNDED, and PAYMENT.CAPTURE.REVERSED. Refused (422) when the capture has no money
 * left to take or the amount is in another currency.
 */
export async function reverseCapture(ctx: PaypalContext, captureId: string, amount: PaypalMoney): Promise<RefundResource & { links: { href: string; rel: string; method: string }[] }> {
  const capture = await mustGet<CaptureResource>(ctx.tx, 'paypal_capture', captureId, { lock: true });
  const currency = capture.resource.amount.currency_code;
  if (capture.resource.status !== 'COMPLETED' && capture.resource.status !== 'PARTIALLY_REFUNDED') {
    throw unprocessable('CAPTURE_FULLY_REFUNDED', `The capture ${captureId} is ${capture.resource.status}: there is no money left on it to reverse.`);
  }
  if (amount.currency_code !== currency) throw unprocessable('CURRENCY_MISMATCH', `The capture is in ${currency}.`);
  const total = unitsOf(capture.resource.amount);
  const already = await refundedUnits(ctx, captureId);
  const units = Math.min(unitsOf(amount), total - already);
  if (units <= 0) throw unprocessable('CAPTURE_FULLY_REFUNDED', `The capture ${captureId} has been refunded in full.`);
  const time = paypalTime(ctx.now);
  const taken = paypalMoney(units, currency);
  const refund: RefundResource = {
    id: resourceId(),
    amount: taken,
    status: 'COMPLETED',
    note_to_payer: 'Payment reversed',
    // PayPal keeps its fee on a reversal; the sandbox charges none, so the whole amount moves.
    seller_payable_breakdown: { gross_amount: taken, paypal_fee: paypalMoney(0, currency), net_amount: taken, total_refunded_amount: paypalMoney(already + units, currency) },
    create_time: time,
    update_time: time,
  };
  await ctx.tx.insert<RefundRecord>({ id: refund.id, object: 'paypal_refund', created: ctx.now, resource: refund, internal: { capture_id: captureId, reversal: true } });
  await ctx.tx.save<CaptureRecord>({ ...capture, resource: { ...capture.resource, status: already + units >= total ? 'REFUNDED' : 'PARTIALLY_REFUNDED', update_time: time } });
  const shown = {
    ...refund,
    links: [
      { href: `${ctx.base}/v2/payments/refunds/${refund.id}`, rel: 'self', method: 'GET' },
      { href: `${ctx.base}/v2/payments/captures/${captureId}`, rel: 'up', method: 'GET' },
    ],
  };
  await raiseEvent(ctx, { eventType: 'PAYMENT.CAPTURE.REVERSED', resourceType: 'refund', resource: shown, summary: `A ${taken.value} ${currency} capture payment was reversed`, resourceVersion: '2.0' });
  return shown;
}
