import { z } from 'zod';
import { parseMoneyRequest } from './order-request';
import { refundableUnits, returnFromCapture } from './captures';
import type { PaypalContext, PaypalReply, PaypalRoute } from './context';
import { mustGet } from './context';
import { unprocessable } from './errors';
import { raiseEvent } from './events';
import { paypalTime, resourceId } from './ids';
import { paypalMoney, PaypalMoneySchema, unitsOf } from './money';
import { describeIssue, refuseIfMocked } from './negative-testing';
import { loadOrder, type CaptureRecord, type OrderRecord, type PaypalCapture, type PaypalRefund, type RefundRecord } from './order-types';
import { captureView, refundView } from './order-views';

/**
 * Payments v2 captures and refunds (developer.paypal.com/docs/api/payments/v2). A refund takes
 * back all that remains of a capture (no amount) or part of it, never more; a PENDING capture
 * cannot be refunded until it settles. PayPal keeps its fixed fee on a refund and gives back the
 * percentage part pro rata (the refund's `paypal_fee`), so the merchant pays `net_amount`.
 */

const DOCS = 'payments/v2';
/** PayPal takes refunds for 180 days after the capture. */
const REFUND_WINDOW_SECONDS = 180 * 86_400;

export const loadCapture = (ctx: Pick<PaypalContext, 'tx'>, id: string, options: { lock?: boolean } = {}) =>
  mustGet<PaypalCapture, CaptureRecord['internal']>(ctx.tx, 'paypal_capture', id, { field: 'capture_id', ...options });

const loadRefund = (ctx: Pick<PaypalContext, 'tx'>, id: string) => mustGet<PaypalRefund, RefundRecord['internal']>(ctx.tx, 'paypal_refund', id, { field: 'refund_id' });

/** A capture or refund just made: the whole of it with `Prefer: return=representation`, else PayPal's minimal id, status and links. */
export function madeReply(ctx: Pick<PaypalContext, 'representation'>, view: { id: string; status: string; links: unknown[] }): PaypalReply {
  return { status: 201, body: ctx.representation ? view : { id: view.id, status: view.status, links: view.links }, resourceId: view.id };
}

const refundReply = (ctx: PaypalContext, refund: RefundRecord) => madeReply(ctx, refundView(ctx.base, refund));

const getCapture: PaypalRoute = {
  method: 'GET',
  path: '/v2/payments/captures/:capture_id',
  docs: DOCS,
  async handle(ctx) {
    return { status: 200, body: captureView(ctx.base, await loadCapture(ctx, ctx.params.capture_id ?? '')) };
  },
};

const RefundSchema = z.object({
  amount: PaypalMoneySchema.optional(),
  invoice_id: z.string().min(1).max(127).optional(),
  custom_id: z.string().min(1).max(127).optional(),
  note_to_payer: z.string().min(1).max(255).optional(),
});

/** The percentage fee PayPal gives back for `units` of a capture, rounded half up. */
function returnedFee(capture: CaptureRecord, units: number): number {
  const gross = unitsOf(capture.resource.amount);
  return Math.floor((capture.internal.percentFee * units * 2 + gross) / (2 * gross));
}

/**
 * Money going back from a locked capture, as a COMPLETED refund: the refund record, the
 * capture's refunded total and status, and the refund listed on its order. The merchant's
 * refund (below) and a dispute's reversal (capture-reversal.ts) both go through here, so a
 * capture never gives back more than it took. `fee`: the part of PayPal's fee returned.
 */
export async function recordRefund(ctx: Pick<PaypalContext, 'tx' | 'base' | 'now' | 'raisedEvents'>, capture: CaptureRecord, units: number, details: { fee: number; invoiceId?: string; noteToPayer?: string }): Promise<RefundRecord> {
  const currency = capture.resource.amount.currency_code;
  const updated = await returnFromCapture(ctx, capture, units);
  const id = resourceId();
  const refund: RefundRecord = {
    id,
    object: 'paypal_refund',
    created: ctx.now,
    resource: {
      id,
      status: 'COMPLETED',
      amount: paypalMoney(units, currency),
      ...(details.invoiceId ? { invoice_id: details.invoiceId } : {}),
      ...(details.noteToPayer ? { note_to_payer: details.noteToPayer } : {}),
      seller_payable_breakdown: {
        gross_amount: paypalMoney(units, currency),
        paypal_fee: paypalMoney(details.fee, currency),
        net_amount: paypalMoney(units - details.fee, currency),
        total_refunded_amount: paypalMoney(updated.internal.refunded, currency),
      },
      payer: { email_address: capture.resource.payee.email_address, merchant_id: capture.resource.payee.merchant_id },
      create_time: paypalTime(ctx.now),
      update_time: paypalTime(ctx.now),
    },
    internal: { orderId: capture.internal.orderId, referenceId: capture.internal.referenceId, captureId: capture.id },
  };
  await ctx.tx.insert(refund);
  const order: OrderRecord = await loadOrder(ctx, capture.internal.orderId, { lock: true });
  await ctx.tx.save<OrderRecord>({ ...order, internal: { ...order.internal, paymentIds: [...order.internal.paymentIds, refund.id] } });
  return refund;
}

const refundCapture: PaypalRoute = {
  method: 'POST',
  path: '/v2/payments/captures/:capture_id/refund',
  docs: DOCS,
  idempotency: 'payments',
  async replay(ctx, id) {
    return refundReply(ctx, await loadRefund(ctx, id));
  },
  async handle(ctx) {
    const request = parseMoneyRequest(RefundSchema, ctx.body);
    refuseIfMocked(ctx, ['REFUND_FAILED_INSUFFICIENT_FUNDS', 'REFUND_NOT_ALLOWED', 'TRANSACTION_DISPUTED', 'REFUND_TIME_LIMIT_EXCEEDED', 'REFUND_IS_RESTRICTED', 'PAYEE_ACCOUNT_RESTRICTED', 'DUPLICATE_INVOICE_ID', 'MAX_NUMBER_OF_REFUNDS_EXCEEDED']);
    const capture = await loadCapture(ctx, ctx.params.capture_id ?? '', { lock: true });
    const { status, amount } = capture.resource;
    if (status === 'PENDING') throw unprocessable('PENDING_CAPTURE', describeIssue('PENDING_CAPTURE'));
    if (status === 'REFUNDED') throw unprocessable('CAPTURE_FULLY_REFUNDED', describeIssue('CAPTURE_FULLY_REFUNDED'));
    if (status === 'DECLINED' || status === 'FAILED') throw unprocessable('REFUND_NOT_ALLOWED', 'A capture that did not complete cannot be refunded.');
    if (ctx.now - capture.created > REFUND_WINDOW_SECONDS) throw unprocessable('REFUND_TIME_LIMIT_EXCEEDED', describeIssue('REFUND_TIME_LIMIT_EXCEEDED'));
    const currency = amount.currency_code;
    if (request.amount && request.amount.currency_code !== currency) throw unprocessable('REFUND_CAPTURE_CURRENCY_MISMATCH', 'Refund must be in the same currency as the capture.', '/amount/currency_code');
    const remaining = refundableUnits(capture);
    const units = request.amount ? unitsOf(request.amount) : remaining;
    if (units <= 0) throw unprocessable('CANNOT_BE_ZERO_OR_NEGATIVE', describeIssue('CANNOT_BE_ZERO_OR_NEGATIVE'), '/amount/value');
    if (units > remaining) throw unprocessable('REFUND_AMOUNT_EXCEEDED', describeIssue('REFUND_AMOUNT_EXCEEDED'), '/amount/value');
    const refund = await recordRefund(ctx, capture, units, { fee: returnedFee(capture, units), invoiceId: request.invoice_id, noteToPayer: request.note_to_payer });
    await raiseEvent(ctx, { eventType: 'PAYMENT.CAPTURE.REFUNDED', resourceType: 'refund', resource: refundView(ctx.base, refund), summary: `A ${currency} ${refund.resource.amount.value} capture payment was refunded` });
    return refundReply(ctx, refund);
  },
};

const getRefund: PaypalRoute = {
  method: 'GET',
  path: '/v2/payments/refunds/:refund_id',
  docs: DOCS,
  async handle(ctx) {
    return { status: 200, body: refundView(ctx.base, await loadRefund(ctx, ctx.params.refund_id ?? '')) };
  },
};

export const PAYMENT_ROUTES: readonly PaypalRoute[] = [getCapture, refundCapture, getRefund];
