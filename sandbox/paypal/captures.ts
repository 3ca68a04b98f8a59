import type { PaypalContext } from './context';
import { mustGet } from './context';
import { unprocessable } from './errors';
import { raiseEvent } from './events';
import { paypalTime, resourceId } from './ids';
import { paypalMoney, unitsOf, type PaypalMoney } from './money';
import { SANDBOX_PAYEE, SELLER_PROTECTION, type CaptureRecord, type CaptureStatus, type PaypalCapture } from './order-types';
import { captureView } from './order-views';

/**
 * Captures: made by an order's capture or an authorization's, with PayPal's fee; a PENDING one
 * (an eCheck) settles later to COMPLETED or DENIED; refunds and dispute reversals take money
 * back from one. Every change raises the PAYMENT.CAPTURE.* event PayPal sends, whose resource is
 * the capture as `GET /v2/payments/captures/:id` shows it.
 */

type Ctx = Pick<PaypalContext, 'tx' | 'base' | 'now' | 'raisedEvents'>;

/** PayPal's fixed fee per transaction in each currency (US standard PayPal Checkout rates, 2026), in minor units. */
const FIXED_FEE: Readonly<Record<string, number>> = { USD: 49, EUR: 39, GBP: 30, AUD: 30, CAD: 59, JPY: 40, HUF: 90, TWD: 10, CHF: 49, SEK: 325, NOK: 390, DKK: 260, PLN: 135, CZK: 1000, MXN: 400, BRL: 60, ILS: 120, NZD: 45, SGD: 50, HKD: 235, PHP: 1500, THB: 1100, MYR: 200, CNY: 235 };
/** 3.49% in basis points. */
const PERCENT_FEE_BP = 349;

/** 3.49% of the gross, rounded half up in minor units (integers only). */
export function percentFeeOf(gross: number): number {
  return Math.floor((gross * PERCENT_FEE_BP + 5_000) / 10_000);
}

/** PayPal's fee on a capture: 3.49% rounded half up, plus the currency's fixed fee, never more than the gross. */
export function captureFee(gross: number, currency: string): { percent: number; total: number } {
  const percent = percentFeeOf(gross);
  return { percent, total: Math.min(gross, percent + (FIXED_FEE[currency] ?? 30)) };
}

/** How long an eCheck stays PENDING before it settles (PAYPAL_SANDBOX_PENDING_SECONDS, default 5). */
export function pendingSeconds(): number {
  const configured = Number(process.env.PAYPAL_SANDBOX_PENDING_SECONDS);
  return Number.isFinite(configured) && configured >= 0 ? configured : 5;
}

const invoiceClaimId = (invoiceId: string) => `paypal-invoice:${invoiceId}`;

/**
 * PayPal refuses an invoice id a completed (or pending) capture of another order already used:
 * one claim row per invoice id, so the check is a primary-key read, never a scan of captures.
 */
export async function assertInvoiceFree(ctx: Ctx, invoiceId: string | undefined, orderId: string): Promise<void> {
  if (!invoiceId) return;
  const [claim] = await ctx.tx.sql<{ order_id: string }[]>`select data->'internal'->>'orderId' as order_id from sandbox.objects where id = ${invoiceClaimId(invoiceId)}`;
  if (claim && claim.order_id !== orderId) throw duplicateInvoice();
}

export function duplicateInvoice() {
  return unprocessable('DUPLICATE_INVOICE_ID', 'Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.');
}

async function claimInvoice(ctx: Ctx, invoiceId: string, orderId: string): Promise<void> {
  const claim = { id: invoiceClaimId(invoiceId), object: 'paypal_invoice_claim', created: ctx.now, resource: { invoice_id: invoiceId }, internal: { orderId } };
  const inserted = await ctx.tx.sql`insert into sandbox.objects (id, type, created, data) values (${claim.id}, ${claim.object}, ${ctx.now}, ${ctx.tx.sql.json(claim)}) on conflict (id) do nothing returning id`;
  if (inserted.length === 0) await assertInvoiceFree(ctx, invoiceId, orderId);
}

async function releaseInvoice(ctx: Ctx, invoiceId: string | undefined): Promise<void> {
  if (invoiceId) await ctx.tx.remove(invoiceClaimId(invoiceId));
}

const CAPTURE_EVENTS: Partial<Record<CaptureStatus, { type: string; summary: (amount: PaypalMoney) => string }>> = {
  COMPLETED: { type: 'PAYMENT.CAPTURE.COMPLETED', summary: (amount) => `Payment completed for ${amount.currency_code} ${amount.value}` },
  PENDING: { type: 'PAYMENT.CAPTURE.PENDING', summary: (amount) => `Payment pending for ${amount.currency_code} ${amount.value}` },
  DECLINED: { type: 'PAYMENT.CAPTURE.DECLINED', summary: (amount) => `Payment declined for ${amount.currency_code} ${amount.value}` },
};

async function raiseCaptureEvent(ctx: Ctx, capture: CaptureRecord, eventType: string, summary: string): Promise<void> {
  await raiseEvent(ctx, { eventType, resourceType: 'capture', resource: captureView(ctx.base, capture), summary });
}

export interface NewCapture {
  orderId: string;
  referenceId: string;
  amount: PaypalMoney;
  buyer: string;
  status: 'COMPLETED' | 'PENDING' | 'DECLINED';
  /** PENDING only: what it settles to. */
  settleTo?: 'COMPLETED' | 'DENIED';
  authorizationId?: string;
  finalCapture: boolean;
  invoiceId?: string;
  customId?: string;
}

/** Stores a capture, claims its invoice id, and raises its event (COMPLETED, PENDING or DECLINED). */
export async function createCapture(ctx: Ctx, spec: NewCapture): Promise<CaptureRecord> {
  const gross = unitsOf(spec.amount);
  const currency = spec.amount.currency_code;
  const fee = captureFee(gross, currency);
  const taken = spec.status !== 'DECLINED';
  if (taken && spec.invoiceId) await claimInvoice(ctx, spec.invoiceId, spec.orderId);
  const resource: PaypalCapture = {
    id: resourceId(),
    status: spec.status,
    ...(spec.status === 'PENDING' ? { status_details: { reason: 'ECHECK' as const } } : {}),
    amount: { ...spec.amount },
    final_capture: spec.finalCapture,
    seller_protection: SELLER_PROTECTION,
    seller_receivable_breakdown: {
      gross_amount: { ...spec.amount },
      paypal_fee: paypalMoney(taken ? fee.total : 0, currency),
      net_amount: paypalMoney(taken ? gross - fee.total : gross, currency),
    },
    ...(spec.invoiceId ? { invoice_id: spec.invoiceId } : {}),
    ...(spec.customId ? { custom_id: spec.customId } : {}),
    supplementary_data: { related_ids: { order_id: spec.orderId, ...(spec.authorizationId ? { authorization_id: spec.authorizationId } : {}) } },
    payee: { ...SANDBOX_PAYEE },
    create_time: paypalTime(ctx.now),
    update_time: paypalTime(ctx.now),
  };
  const record: CaptureRecord = {
    id: resource.id,
    object: 'paypal_capture',
    created: ctx.now,
    resource,
    internal: {
      orderId: spec.orderId,
      referenceId: spec.referenceId,
      buyer: spec.buyer,
      refunded: 0,
      percentFee: taken ? fee.percent : 0,
      ...(spec.authorizationId ? { authorizationId: spec.authorizationId } : {}),
      ...(spec.status === 'PENDING' ? { settleAt: ctx.now + pendingSeconds(), settleTo: spec.settleTo ?? 'COMPLETED' } : {}),
    },
  };
  await ctx.tx.insert(record);
  const event = CAPTURE_EVENTS[spec.status];
  if (event) await raiseCaptureEvent(ctx, record, event.type, event.summary(spec.amount));
  return record;
}

/**
 * A PENDING capture clears (COMPLETED) or bounces (denied, releasing its invoice id): a v2
 * capture has no DENIED status, so a denied one reads DECLINED, and the event says DENIED.
 * Refused for any other status.
 */
export async function settleCapture(ctx: Ctx, captureId: string, to: 'COMPLETED' | 'DENIED'): Promise<CaptureRecord> {
  const capture = await mustGet<PaypalCapture, CaptureRecord['internal']>(ctx.tx, 'paypal_capture', captureId, { lock: true });
  if (capture.resource.status !== 'PENDING') throw unprocessable('CAPTURE_NOT_PENDING', `The capture is ${capture.resource.status}; only a PENDING capture settles.`);
  const { status_details: _settled, ...rest } = capture.resource;
  const currency = capture.resource.amount.currency_code;
  const gross = unitsOf(capture.resource.amount);
  const denied = to === 'DENIED';
  const settled: CaptureRecord = {
    ...capture,
    resource: {
      ...rest,
      status: denied ? 'DECLINED' : 'COMPLETED',
      // A denied eCheck moved no money, so PayPal took no fee.
      ...(denied ? { seller_receivable_breakdown: { gross_amount: rest.amount, paypal_fee: paypalMoney(0, currency), net_amount: paypalMoney(gross, currency) } } : {}),
      update_time: paypalTime(ctx.now),
    },
    internal: { ...capture.internal, settleAt: undefined, settleTo: undefined, ...(denied ? { percentFee: 0 } : {}) },
  };
  await ctx.tx.save(settled);
  if (denied) {
    await releaseInvoice(ctx, capture.resource.invoice_id);
    await raiseCaptureEvent(ctx, settled, 'PAYMENT.CAPTURE.DENIED', `Payment denied for ${currency} ${capture.resource.amount.value}`);
  } else {
    await raiseCaptureEvent(ctx, settled, 'PAYMENT.CAPTURE.COMPLETED', `Payment completed for ${currency} ${capture.resource.amount.value}`);
  }
  return settled;
}

/**
 * Takes `units` back from a locked capture (a refund, or a dispute's reversal): the status
 * becomes PARTIALLY_REFUNDED, or REFUNDED once nothing remains. The caller checks the amount.
 */
export async function returnFromCapture(ctx: Ctx, capture: CaptureRecord, units: number): Promise<CaptureRecord> {
  const refunded = capture.internal.refunded + units;
  const full = refunded >= unitsOf(capture.resource.amount);
  const updated: CaptureRecord = {
    ...capture,
    resource: { ...capture.resource, status: full ? 'REFUNDED' : 'PARTIALLY_REFUNDED', update_time: paypalTime(ctx.now) },
    internal: { ...capture.internal, refunded },
  };
  await ctx.tx.save(updated);
  return updated;
}

/** What remains of a capture to refund or reverse, in minor units. */
export function refundableUnits(capture: CaptureRecord): number {
  return unitsOf(capture.resource.amount) - capture.internal.refunded;
}
