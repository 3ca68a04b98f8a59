import {
  CaptureStatus,
  CardBrand,
  type CaptureIncompleteReason,
  CheckoutPaymentIntent,
  OrdersController,
  OrderApplicationContextUserAction,
  OrderStatus,
  PaymentsController,
  RefundStatus,
  type Order,
  type OrdersCapture,
  type Refund,
} from '@paypal/paypal-server-sdk';
import { addMoney, money, type Money } from '@/lib/money';
import type { CancelOutcome, PaymentRequest, PaymentsApi } from '@/lib/payments/provider';
import {
  ApprovedPaymentRefusedError,
  DisputeNotOpenError,
  type DisputeStatus,
  type PaidCard,
  type PaymentStatus,
  type ProviderDispute,
  type ProviderPayment,
  type ProviderRefund,
  type RefundStatus as BillfoldRefundStatus,
} from '@/lib/payments/types';
import { call } from './calls';
import { PaypalApiError, type PaypalClient } from './client';
import { fromPaypalAmount, PaypalCurrencyError, toPaypalAmount } from './currency';

/**
 * Payments on PayPal (or the sandbox's stand-in): a Billfold payment is a PayPal order (Orders
 * v2, intent CAPTURE) with one purchase unit. The buyer approves it in PayPal's buttons; the
 * server captures it; refunds go to the order's capture (Payments v2). The payment's id is the
 * PayPal order id everywhere (webhooks name it too), so a refund, a dispute or a capture is
 * always traced back to the order.
 */

/** The one purchase unit of a Billfold order, as PATCH paths name it. */
const REFERENCE_ID = 'default';
// Every answer in full: the capture's result is read from the order it returns.
const REPRESENTATION = 'return=representation';

/**
 * PayPal would not capture an order, for a reason the buyer has to act on (`code` is PayPal's
 * issue, lower case):
 * - `instrument_declined`: the funding source was declined; the buyer picks another in PayPal
 *   (the JS SDK's `actions.restart()`), then the same order is captured again.
 * - `payer_action_required`: the buyer must go to `actionUrl` first (PayPal's `payer-action` link;
 *   after INSTRUMENT_DECLINED, its `redirect` link back to the approval page).
 * - `order_not_approved`: the buyer has not approved it yet; nothing was captured.
 * - `transaction_refused`, `max_number_of_payment_attempts_exceeded`, `duplicate_invoice_id`
 *   (our order was already paid by another PayPal order of it), and PayPal's other refusals:
 *   this order cannot be paid; the checkout starts a new attempt.
 * In every case the order was re-read after the refusal and holds no successful capture.
 */
export class PaypalCaptureRefusedError extends ApprovedPaymentRefusedError {
  constructor(
    message: string,
    readonly issue: string,
    restart: boolean,
    actionUrl: string | null,
    payment: ProviderPayment,
  ) {
    super(message, issue.toLowerCase(), { restart, actionUrl, payment });
    this.name = 'PaypalCaptureRefusedError';
  }
}

// ---------------------------------------------------------------------------------------------
// Reading an order

/** An amount as PayPal's REST API writes it. */
interface PaypalAmount {
  currency_code: string;
  value: string;
}

/**
 * The part of PayPal's order (GET /v2/checkout/orders/{id}) that paymentFrom and refunds read, as
 * the REST API writes it. Statuses are the SDK's enums, whose values are PayPal's own strings.
 */
interface PaypalOrderReply {
  id?: string;
  status?: OrderStatus;
  links?: { href: string; rel: string }[];
  /** How the buyer paid: `card` when by card (PayPal's card fields, or its guest card checkout), else a wallet (`paypal`, …). */
  payment_source?: { card?: { last_digits?: string; brand?: CardBrand } };
  purchase_units?: {
    custom_id?: string;
    amount?: PaypalAmount;
    payments?: {
      captures?: {
        id?: string;
        status?: CaptureStatus;
        status_details?: { reason?: CaptureIncompleteReason };
        amount?: PaypalAmount;
        seller_receivable_breakdown?: { gross_amount: PaypalAmount };
      }[];
      refunds?: { id?: string; status?: RefundStatus; amount?: PaypalAmount }[];
    };
  }[];
}

function amountFrom(amount: PaypalAmount): { currencyCode: string; value: string };
function amountFrom(amount: PaypalAmount | undefined): { currencyCode: string; value: string } | undefined;
function amountFrom(amount: PaypalAmount | undefined) {
  return amount && { currencyCode: amount.currency_code, value: amount.value };
}

/** The REST reply as the SDK's Order, so one mapping (paymentFrom) serves the SDK's answers and these. */
function orderFromReply(reply: PaypalOrderReply): Order {
  return {
    id: reply.id,
    status: reply.status,
    links: reply.links,
    paymentSource: reply.payment_source?.card && { card: { lastDigits: reply.payment_source.card.last_digits, brand: reply.payment_source.card.brand } },
    purchaseUnits: reply.purchase_units?.map((unit) => ({
      customId: unit.custom_id,
      amount: amountFrom(unit.amount),
      payments: unit.payments && {
        captures: unit.payments.captures?.map((capture) => ({
          id: capture.id,
          status: capture.status,
          statusDetails: capture.status_details,
          amount: amountFrom(capture.amount),
          sellerReceivableBreakdown: capture.seller_receivable_breakdown && { grossAmount: amountFrom(capture.seller_receivable_breakdown.gross_amount) },
        })),
        refunds: unit.payments.refunds?.map((refund) => ({ id: refund.id, status: refund.status, amount: amountFrom(refund.amount) })),
      },
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// PayPal's order in Billfold's words

/** Captures that moved (or are moving) the buyer's money. */
const TAKEN: readonly CaptureStatus[] = [CaptureStatus.Completed, CaptureStatus.PartiallyRefunded, CaptureStatus.Refunded];
const FAILED: readonly CaptureStatus[] = [CaptureStatus.Declined, CaptureStatus.Failed];
/** Refunds that count against the capture: done, or on their way. */
const REFUNDING: readonly RefundStatus[] = [RefundStatus.Completed, RefundStatus.Pending];

function capturesOf(order: Order): OrdersCapture[] {
  return (order.purchaseUnits ?? []).flatMap((unit) => unit.payments?.captures ?? []);
}

function refundsOfOrder(order: Order): Refund[] {
  return (order.purchaseUnits ?? []).flatMap((unit) => unit.payments?.refunds ?? []);
}

function sum(amounts: { currencyCode: string; value: string }[], currency: string): Money {
  return amounts.reduce((total, amount) => addMoney(total, fromPaypalAmount(amount)), money(0, currency));
}

function linkOf(order: Order, ...rels: string[]): string | null {
  for (const rel of rels) {
    const found = order.links?.find((link) => link.rel === rel);
    if (found) return found.href;
  }
  return null;
}

/**
 * The order's status in Billfold's words. The captures decide once there are any, since a
 * COMPLETED order can hold a declined capture:
 * - a completed (or since refunded) capture: `succeeded`; a PENDING one: `processing`.
 * - CREATED, SAVED: `requires_payment_method` (the buyer has not approved it yet).
 * - PAYER_ACTION_REQUIRED: `requires_action`.
 * - APPROVED: `requires_capture` (only our capture remains), unless a capture was declined on it
 *   (TRANSACTION_REFUSED): then `requires_payment_method` with the failure and no hand-off, as
 *   PayPal takes no second capture of it and the buyer cannot approve it again: a new attempt
 *   makes a new PayPal order.
 * - COMPLETED with only declined or failed captures (a denied eCheck): `requires_payment_method`
 *   with the failure and no hand-off, since PayPal will never capture that order again: our
 *   order is "payment failed", and a new attempt makes a new PayPal order.
 * - VOIDED: `canceled`.
 */
export function paymentStatusOf(order: Order): PaymentStatus {
  const captures = capturesOf(order);
  if (captures.some((capture) => capture.status && TAKEN.includes(capture.status))) return 'succeeded';
  if (captures.some((capture) => capture.status === CaptureStatus.Pending)) return 'processing';
  switch (order.status) {
    case OrderStatus.Created:
    case OrderStatus.Saved:
      return 'requires_payment_method';
    case OrderStatus.PayerActionRequired:
      return 'requires_action';
    case OrderStatus.Approved:
      return captures.some((capture) => capture.status && FAILED.includes(capture.status)) ? 'requires_payment_method' : 'requires_capture';
    case OrderStatus.Completed:
      return 'requires_payment_method';
    case OrderStatus.Voided:
      return 'canceled';
    default:
      throw new Error(`PayPal order ${order.id} has an unknown status ${String(order.status)}`);
  }
}

/** PayPal's card brands in Billfold's words (Stripe's lower-case names); the rest lower-cased as they are. */
const CARD_BRANDS: Partial<Record<CardBrand, string>> = {
  [CardBrand.Amex]: 'amex',
  [CardBrand.ChinaUnionPay]: 'unionpay',
  [CardBrand.Diners]: 'diners',
  [CardBrand.CarteBancaire]: 'cartes_bancaires',
  [CardBrand.Eftpos]: 'eftpos_au',
};

/** The card the buyer paid with, when they paid by card rather than from a PayPal wallet (then null). */
function cardOf(order: Order): PaidCard | null {
  const card = order.paymentSource?.card;
  if (!card?.lastDigits || !/^\d{4}$/.test(card.lastDigits)) return null;
  const brand = card.brand ?? CardBrand.Unknown;
  return { brand: CARD_BRANDS[brand] ?? brand.toLowerCase(), last4: card.lastDigits };
}

/**
 * The capture that moved the buyer's money (or is moving it: a PENDING eCheck), which PayPal's
 * activity pages and its support know the payment by; a declined capture took nothing.
 */
function moneyCapture(order: Order): OrdersCapture | null {
  const captures = capturesOf(order);
  return captures.find((capture) => capture.status && TAKEN.includes(capture.status)) ?? captures.find((capture) => capture.status === CaptureStatus.Pending) ?? null;
}

/** A PayPal order in Billfold's words. */
export function paymentFrom(order: Order): ProviderPayment {
  if (!order.id) throw new Error('PayPal answered an order without an id');
  const unit = order.purchaseUnits?.[0];
  if (!unit?.amount) throw new Error(`PayPal order ${order.id} came back without its purchase unit's amount`);
  const amount = fromPaypalAmount(unit.amount);
  const status = paymentStatusOf(order);
  const captures = capturesOf(order);
  const failed = captures.find((capture) => capture.status && FAILED.includes(capture.status));
  const open = order.status !== OrderStatus.Completed && order.status !== OrderStatus.Voided;
  return {
    provider: 'paypal',
    id: order.id,
    status,
    orderId: unit.customId ?? null,
    amount,
    // The gross amount of each capture that took money: PayPal's fee is its business, not the buyer's.
    amountCaptured: sum(
      captures.filter((capture) => capture.status && TAKEN.includes(capture.status)).flatMap((capture) => capture.sellerReceivableBreakdown?.grossAmount ?? capture.amount ?? []),
      amount.currency,
    ),
    amountRefunded: sum(refundsOfOrder(order).filter((refund) => refund.status && REFUNDING.includes(refund.status)).flatMap((refund) => refund.amount ?? []), amount.currency),
    customerId: null,
    // Billfold mails its own receipt to the order's email; the payer's PayPal address is PayPal's to write to.
    receiptEmail: null,
    failureCode: failed ? (failed.statusDetails?.reason ?? failed.status ?? 'DECLINED').toLowerCase() : null,
    failureMessage: failed ? `PayPal ${failed.status === CaptureStatus.Failed ? 'failed' : 'declined'} the payment` : null,
    chargeId: moneyCapture(order)?.id ?? null,
    card: cardOf(order),
    // The buyer approves (again) in PayPal's buttons while the order is open and nothing was taken.
    // An order PayPal refused a capture of (TRANSACTION_REFUSED) cannot be approved again: it
    // has no hand-off, and the checkout's next attempt makes a new PayPal order.
    handoff: open && !failed && status !== 'succeeded' && status !== 'processing' ? { kind: 'approval', providerOrderId: order.id, approveUrl: linkOf(order, 'approve', 'payer-action') } : null,
  };
}

const REFUND_STATUSES: Record<RefundStatus, BillfoldRefundStatus> = {
  [RefundStatus.Completed]: 'succeeded',
  [RefundStatus.Pending]: 'pending',
  [RefundStatus.Failed]: 'failed',
  [RefundStatus.Cancelled]: 'canceled',
};

/** PayPal's refunds carry no reason (only a note to the payer), so `reason` is null. */
export function refundFrom(refund: Refund, paymentId: string): ProviderRefund {
  if (!refund.id || !refund.amount || !refund.status) throw new Error(`PayPal refund ${refund.id ?? '(no id)'} of order ${paymentId} lacks its id, amount or status`);
  return { provider: 'paypal', id: refund.id, paymentId, status: REFUND_STATUSES[refund.status], amount: fromPaypalAmount(refund.amount), reason: null };
}

/** The part of PayPal's dispute (GET /v1/customer/disputes/{id}) Billfold reads. */
export interface PaypalDispute {
  dispute_id: string;
  status: 'OPEN' | 'WAITING_FOR_BUYER_RESPONSE' | 'WAITING_FOR_SELLER_RESPONSE' | 'UNDER_REVIEW' | 'RESOLVED' | 'OTHER';
  dispute_life_cycle_stage?: 'INQUIRY' | 'CHARGEBACK' | 'PRE_ARBITRATION' | 'ARBITRATION';
  reason?: string;
  dispute_amount: { currency_code: string; value: string };
  seller_response_due_date?: string;
  disputed_transactions?: { seller_transaction_id?: string }[];
  dispute_outcome?: { outcome_code?: string };
}

/**
 * PayPal's dispute status in Stripe's vocabulary, which Billfold's dispute rows use: an inquiry
 * (PayPal's Resolution Center, no money moved yet) is a "warning"; a chargeback and later stages
 * are a dispute proper. A resolved dispute is won or lost by its outcome; an inquiry closed any
 * other way (the buyer cancelled it) is `warning_closed`.
 */
export function disputeStatusOf(dispute: PaypalDispute): DisputeStatus {
  const inquiry = (dispute.dispute_life_cycle_stage ?? 'INQUIRY') === 'INQUIRY';
  if (dispute.status === 'RESOLVED') {
    const outcome = dispute.dispute_outcome?.outcome_code;
    if (outcome === 'RESOLVED_BUYER_FAVOUR') return 'lost';
    if (outcome === 'RESOLVED_SELLER_FAVOUR') return inquiry ? 'warning_closed' : 'won';
    return inquiry ? 'warning_closed' : 'won';
  }
  const waitingForUs = dispute.status === 'WAITING_FOR_SELLER_RESPONSE' || dispute.status === 'OPEN';
  if (inquiry) return waitingForUs ? 'warning_needs_response' : 'warning_under_review';
  return waitingForUs ? 'needs_response' : 'under_review';
}

// ---------------------------------------------------------------------------------------------
// Requests

function purchaseUnitOf(request: PaymentRequest) {
  return {
    referenceId: REFERENCE_ID,
    amount: toPaypalAmount(request.amount),
    // Our order on the PayPal order (custom_id: webhooks and disputes trace back by it) and as
    // its invoice id. PayPal refuses a second capture whose invoice id a completed or pending
    // capture already used (DUPLICATE_INVOICE_ID), so using our order id, the same on every
    // attempt, makes PayPal itself refuse to take money twice for one Billfold order, even from
    // two PayPal orders (two tabs, a changed cart). Only captures claim it, so creating a new
    // attempt's order never collides; a denied capture releases it.
    customId: request.orderId,
    invoiceId: request.orderId,
  };
}

/**
 * The capture a refund of the order goes to: the one that took money, even if it is fully
 * refunded already, so a retried refund (same PayPal-Request-Id, answer lost) reaches PayPal and
 * is answered with the refund it made; PayPal itself refuses more than was captured.
 */
function refundableCapture(order: Order): OrdersCapture | null {
  return capturesOf(order).find((capture) => capture.status && TAKEN.includes(capture.status)) ?? null;
}

/** Whether PayPal can be asked for exactly this amount: a currency it takes, in the decimals it takes it in. */
function paypalTakes(amount: Money): boolean {
  try {
    toPaypalAmount(amount);
    return true;
  } catch (error) {
    if (error instanceof PaypalCurrencyError) return false;
    throw error;
  }
}

function isCaptured(payment: ProviderPayment): boolean {
  return payment.status === 'succeeded' || payment.status === 'processing';
}

/** PayPal orders through the given client (the app's, or a test's pointed at its own sandbox). */
export function paypalPayments({ sdk, rest }: PaypalClient): PaymentsApi {
  const sdkOrders = new OrdersController(sdk);
  const sdkPayments = new PaymentsController(sdk);

  // Reads go through the REST caller, not the SDK: the webhook worker re-reads an order for
  // every PayPal event, and the SDK's request pipeline and response validation cost about 1.3 ms
  // of CPU per read more (measured against the sandbox), on the cores the webhook endpoint
  // needs. The SDK stays for the calls that change an order, whose answers it checks.
  async function readOrder(id: string): Promise<Order> {
    return orderFromReply(await rest.request<PaypalOrderReply>('GET', `/v2/checkout/orders/${encodeURIComponent(id)}`));
  }

  return {
    name: 'paypal',

    async createPayment(request, idempotencyKey) {
      // No payment_source: the buyer chooses how to pay in PayPal's buttons, which approve the
      // order; the same PayPal-Request-Id answers the first order again for six hours. PayPal
      // orders have no metadata and PayPal mails its own receipt to the payer's PayPal address,
      // so `metadata` and `receiptEmail` stay with Billfold's own records.
      // PAY_NOW: Billfold captures as soon as the buyer approves, with no review step of its own,
      // so PayPal's window says "Pay Now" rather than "Continue". It is set in application_context
      // (which PayPal calls deprecated but still honours) because its replacement,
      // payment_source.paypal.experience_context, makes PayPal start the order in
      // PAYER_ACTION_REQUIRED and wants return and cancel addresses a popup has no use for.
      const body = { intent: CheckoutPaymentIntent.Capture, purchaseUnits: [purchaseUnitOf(request)], applicationContext: { userAction: OrderApplicationContextUserAction.PayNow } };
      const order = await call('orders.create', { repeatable: true }, () =>
        sdkOrders.createOrder({
          body,
          paypalRequestId: idempotencyKey,
          prefer: REPRESENTATION,
        }),
      );
      return paymentFrom(order);
    },

    // No updatePayment: PayPal lets a merchant PATCH the amount of an order the buyer already
    // approved, and would then capture what the buyer never saw. A changed cart makes a new order
    // (lib/billing/checkout.ts), and only the newest is ever captured.

    accepts: (amount) => paypalTakes(amount),

    async retrievePayment(id) {
      return paymentFrom(await readOrder(id));
    },

    async cancelPayment(id, _reason, _idempotencyKey): Promise<CancelOutcome> {
      // PayPal lets a merchant void only an AUTHORIZE order's authorization; an uncaptured
      // CAPTURE order cannot be voided, it expires. Billfold captures only its current attempt,
      // so an order it abandons can never be paid through Billfold: that is what `canceled`
      // means here, and the payment is reported canceled with no hand-off. An order with money
      // taken or on its way is the buyer's decision now: refused.
      const payment = paymentFrom(await readOrder(id));
      if (isCaptured(payment)) return { outcome: 'refused' };
      return { outcome: 'canceled', payment: { ...payment, status: 'canceled', handoff: null } };
    },

    async capturePayment(id, idempotencyKey) {
      let failure: unknown;
      try {
        const order = await call('orders.capture', { repeatable: true }, () => sdkOrders.captureOrder({ id, paypalRequestId: idempotencyKey, prefer: REPRESENTATION }));
        const payment = paymentFrom(order);
        if (isCaptured(payment)) return payment;
      } catch (error) {
        failure = error;
      }
      // The SDK has thrown after successful captures while parsing the answer, and an answer
      // can be lost on the way: whatever happened, PayPal's order says what is true now. If
      // PayPal cannot be reached for that either, PaymentProviderUnavailableError goes up: the
      // capture may or may not have happened, and a retry with the same key settles it.
      const payment = paymentFrom(await readOrder(id));
      if (isCaptured(payment)) return payment;
      if (failure instanceof PaypalApiError) {
        const restart = failure.issue === 'INSTRUMENT_DECLINED' || failure.issue === 'ORDER_NOT_APPROVED';
        const actionUrl = failure.links.find((link) => link.rel === 'payer-action' || link.rel === 'redirect')?.href ?? null;
        throw new PaypalCaptureRefusedError(failure.message, failure.issue, restart, actionUrl, payment);
      }
      if (failure) throw failure;
      return payment;
    },

    async refundPayment(request, idempotencyKey) {
      const order = await readOrder(request.paymentId);
      const capture = refundableCapture(order);
      if (!capture?.id) throw new Error(`PayPal order ${request.paymentId} has no capture that took money, so nothing to refund`);
      const captureId = capture.id;
      const body = { amount: toPaypalAmount(request.amount) };
      const refund = await call('captures.refund', { repeatable: true }, () => sdkPayments.refundCapturedPayment({ captureId, paypalRequestId: idempotencyKey, prefer: REPRESENTATION, body }));
      return refundFrom(refund, request.paymentId);
    },

    async refundsOf(paymentId) {
      return refundsOfOrder(await readOrder(paymentId)).map((refund) => refundFrom(refund, paymentId));
    },

    // The order holds its refunds: one read answers both.
    async retrievePaymentWithRefunds(id) {
      const order = await readOrder(id);
      return { payment: paymentFrom(order), refunds: refundsOfOrder(order).map((refund) => refundFrom(refund, id)) };
    },

    retrieveDispute,

    async submitDisputeEvidence(id, evidence, idempotencyKey) {
      const evidences = [
        { evidence_type: 'OTHER', notes: evidence.explanation },
        ...(evidence.productDescription ? [{ evidence_type: 'ITEM_DESCRIPTION', notes: evidence.productDescription.slice(0, EVIDENCE_NOTES_MAX) }] : []),
        ...(evidence.shipping
          ? [
              {
                evidence_type: 'PROOF_OF_FULFILLMENT',
                evidence_info: { tracking_info: [{ carrier_name: 'OTHER', carrier_name_other: evidence.shipping.carrier, tracking_number: evidence.shipping.trackingNumber }] },
              },
            ]
          : []),
      ];
      const files = evidence.documents.map((document) => ({ field: 'evidence-file', filename: document.filename, contentType: document.contentType, data: document.data }));
      await disputeAction(id, () => rest.request('POST', `${disputePath(id)}/provide-evidence`, { body: { evidences }, files, requestId: idempotencyKey }));
      return retrieveDispute(id);
    },

    async acceptDispute(id, idempotencyKey) {
      // Accepting a PayPal claim refunds the buyer the disputed amount (accept_claim_type REFUND).
      const body = { note: 'The merchant accepts the claim.', accept_claim_type: 'REFUND' };
      await disputeAction(id, () => rest.request('POST', `${disputePath(id)}/accept-claim`, { body, files: [], requestId: idempotencyKey }));
      return retrieveDispute(id);
    },

    async paymentsForOrder() {
      // PayPal cannot list orders by custom_id, buyer or time: there is no order search, and
      // Transaction Search lags by hours and lists transactions, not orders. So this finds
      // nothing it cannot find honestly; the caller also re-reads every PayPal order it
      // recorded, and an order it never recorded can never be captured by Billfold (it
      // captures only its current attempt), so it simply expires at PayPal.
      return [];
    },
  };

  async function retrieveDispute(id: string): Promise<ProviderDispute> {
    const dispute = await rest.request<PaypalDispute>('GET', disputePath(id));
    const captureId = dispute.disputed_transactions?.[0]?.seller_transaction_id;
    if (!captureId) throw new Error(`PayPal dispute ${id} names no transaction`);
    return disputeFrom(dispute, await orderOfCapture(captureId));
  }

  async function orderOfCapture(captureId: string): Promise<string> {
    const capture = await call('captures.get', { repeatable: true }, () => sdkPayments.getCapturedPayment({ captureId }));
    const orderId = capture.supplementaryData?.relatedIds?.orderId;
    if (!orderId) throw new Error(`PayPal capture ${captureId} names no order`);
    return orderId;
  }
}

// PayPal's limit on an evidence's notes.
const EVIDENCE_NOTES_MAX = 2000;

function disputePath(id: string): string {
  return `/v1/customer/disputes/${encodeURIComponent(id)}`;
}

/** A response to a dispute; PayPal refuses one the dispute no longer waits for (decided, or answered already). */
async function disputeAction<T>(id: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof PaypalApiError && error.issue === 'ACTION_NOT_ALLOWED_IN_CURRENT_DISPUTE_STATE') throw new DisputeNotOpenError('paypal', id, { cause: error });
    throw error;
  }
}

function disputeFrom(dispute: PaypalDispute, paymentId: string): ProviderDispute {
  return {
    provider: 'paypal',
    id: dispute.dispute_id,
    paymentId,
    status: disputeStatusOf(dispute),
    amount: fromPaypalAmount({ currencyCode: dispute.dispute_amount.currency_code, value: dispute.dispute_amount.value }),
    reason: dispute.reason ?? null,
    evidenceDueBy: dispute.seller_response_due_date ? new Date(dispute.seller_response_due_date) : null,
  };
}
