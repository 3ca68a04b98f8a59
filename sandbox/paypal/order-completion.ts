import { buyerByEmail, DEFAULT_BUYER } from './buyers';
import { createCapture } from './captures';
import type { PaypalContext, PaypalReply } from './context';
import { createAuthorization } from './authorizations';
import { PaypalApiError } from './errors';
import { raiseEvent } from './events';
import { paypalTime } from './ids';
import { describeIssue, mockedIssue, refuseIfMocked, refusalReply } from './negative-testing';
import { loadOrder, ORDER_VALID_SECONDS, paymentsOf, type OrderRecord, type PaymentRecord } from './order-types';
import { approvalUrl, minimalCompletion, orderViewWith } from './order-views';

/**
 * Capturing or authorizing an approved order. What the buyer's funding does decides the answer,
 * from the test buyer who approved (buyers.ts) or a `PayPal-Mock-Response` code:
 *
 * - pays: 201, the order COMPLETED with a COMPLETED capture (or a CREATED authorization).
 * - eCheck (pending@, denied@): 201, the capture PENDING (reason ECHECK); it settles later.
 * - INSTRUMENT_DECLINED: 422 with a `redirect` link to the approval page. The order stays
 *   APPROVED but its funding is spent: capturing again is declined again until the buyer
 *   approves anew (what the JS SDK's `actions.restart()` does: it reopens the approval page for
 *   the same order, and onApprove then captures again).
 * - TRANSACTION_REFUSED: 422; PayPal recorded the attempt, so the order shows a DECLINED capture
 *   and PAYMENT.CAPTURE.DECLINED is raised. The order stays APPROVED.
 * - PAYER_ACTION_REQUIRED: 422 with a `payer-action` link; the order waits for the buyer again.
 * - After MAX_PAYMENT_ATTEMPTS refused attempts, MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED.
 * - More than three hours after approval: ORDER_EXPIRED (PayPal's spec lists it for authorize;
 *   the stand-in answers capture the same way).
 */

const DOCS = 'orders/v2';
export const MAX_PAYMENT_ATTEMPTS = 3;

/** Mock codes that refuse with no lasting effect (the 422s the spec lists for capture/authorize). */
const MOCKABLE = [
  'ORDER_NOT_APPROVED', 'DUPLICATE_INVOICE_ID', 'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED', 'PAYER_CANNOT_PAY', 'PAYER_ACCOUNT_RESTRICTED', 'PAYER_ACCOUNT_LOCKED_OR_CLOSED',
  'PAYEE_BLOCKED_TRANSACTION', 'TRANSACTION_LIMIT_EXCEEDED', 'TRANSACTION_RECEIVING_LIMIT_EXCEEDED', 'TRANSACTION_BLOCKED_BY_PAYEE', 'COMPLIANCE_VIOLATION',
  'REDIRECT_PAYER_FOR_ALTERNATE_FUNDING', 'ORDER_COMPLETION_IN_PROGRESS', 'AUTH_CAPTURE_NOT_ENABLED', 'DECLINED_DUE_TO_RELATED_TXN',
] as const;
const CAPTURE_MOCKABLE = [...MOCKABLE, 'ORDER_ALREADY_CAPTURED'];
const AUTHORIZE_MOCKABLE = [...MOCKABLE, 'ORDER_ALREADY_AUTHORIZED', 'ORDER_EXPIRED', 'ORDER_COMPLETED_OR_VOIDED', 'MAX_AUTHORIZATION_COUNT_EXCEEDED'];

type Funding = 'pays' | 'pending' | 'pending_then_denied' | 'instrument_declined' | 'transaction_refused' | 'payer_action_required';

function fundingOf(ctx: PaypalContext, order: OrderRecord): Funding {
  const mocked = mockedIssue(ctx, ['INSTRUMENT_DECLINED', 'TRANSACTION_REFUSED', 'PAYER_ACTION_REQUIRED']);
  if (mocked) return mocked.toLowerCase() as Funding;
  if (order.internal.fundingDeclined) return 'instrument_declined';
  const outcome = (buyerByEmail(order.internal.buyer ?? '') ?? DEFAULT_BUYER).outcome;
  if (outcome === 'payer_action_required' && order.internal.payerActed) return 'pays';
  return outcome === 'renewals_fail' ? 'pays' : outcome;
}

function refuse(issue: string): PaypalApiError {
  return new PaypalApiError(422, [{ issue, description: describeIssue(issue) }]);
}

/** Why this order cannot be captured or authorized now, thrown; or, for a payer action, the answer. */
function assertCompletable(ctx: PaypalContext, order: OrderRecord, action: 'capture' | 'authorize'): PaypalReply | null {
  const { intent, status } = order.resource;
  if (action === 'capture' && intent === 'AUTHORIZE') throw refuse('ACTION_DOES_NOT_MATCH_INTENT');
  if (action === 'authorize' && intent === 'CAPTURE') {
    throw new PaypalApiError(422, [{ issue: 'ACTION_DOES_NOT_MATCH_INTENT', description: "Order was created with an intent to 'CAPTURE'. Please use v2/checkout/orders/order_id/capture to complete the transaction." }]);
  }
  if (status === 'COMPLETED') throw refuse(action === 'capture' ? 'ORDER_ALREADY_CAPTURED' : 'ORDER_ALREADY_AUTHORIZED');
  if (status === 'VOIDED') throw refuse('ORDER_COMPLETED_OR_VOIDED');
  if (order.internal.approvedAt === undefined) throw refuse('ORDER_NOT_APPROVED');
  if (ctx.now - order.internal.approvedAt > ORDER_VALID_SECONDS) throw refuse('ORDER_EXPIRED');
  if (status === 'PAYER_ACTION_REQUIRED') return refusalReply(ctx, DOCS, 'PAYER_ACTION_REQUIRED', [{ href: approvalUrl(ctx.base, order.id), rel: 'payer-action', method: 'GET' }]);
  if (order.internal.declinedAttempts >= MAX_PAYMENT_ATTEMPTS) throw refuse('MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED');
  return null;
}

/** A refused attempt that PayPal remembers: the order is saved with the change, and the 422 answered. */
async function refusedAttempt(ctx: PaypalContext, order: OrderRecord, funding: Funding, action: 'capture' | 'authorize'): Promise<PaypalReply> {
  const internal = { ...order.internal };
  const resource = { ...order.resource, update_time: paypalTime(ctx.now) };
  let reply: PaypalReply;
  if (funding === 'payer_action_required') {
    resource.status = 'PAYER_ACTION_REQUIRED';
    reply = refusalReply(ctx, DOCS, 'PAYER_ACTION_REQUIRED', [{ href: approvalUrl(ctx.base, order.id), rel: 'payer-action', method: 'GET' }]);
  } else if (funding === 'instrument_declined') {
    internal.declinedAttempts += 1;
    internal.fundingDeclined = true;
    reply = refusalReply(ctx, DOCS, 'INSTRUMENT_DECLINED', [{ href: approvalUrl(ctx.base, order.id), rel: 'redirect', method: 'GET' }]);
  } else {
    internal.declinedAttempts += 1;
    if (action === 'capture') {
      for (const unit of order.resource.purchase_units) {
        const declined = await createCapture(ctx, {
          orderId: order.id, referenceId: unit.reference_id, amount: { currency_code: unit.amount.currency_code, value: unit.amount.value },
          buyer: internal.buyer ?? DEFAULT_BUYER.email, status: 'DECLINED', finalCapture: true, invoiceId: unit.invoice_id, customId: unit.custom_id,
        });
        internal.paymentIds = [...internal.paymentIds, declined.id];
      }
    }
    reply = refusalReply(ctx, DOCS, 'TRANSACTION_REFUSED');
  }
  await ctx.tx.save<OrderRecord>({ ...order, resource, internal });
  return reply;
}

async function completeOrder(ctx: PaypalContext, action: 'capture' | 'authorize'): Promise<PaypalReply> {
  refuseIfMocked(ctx, action === 'capture' ? CAPTURE_MOCKABLE : AUTHORIZE_MOCKABLE);
  const order = await loadOrder(ctx, ctx.params.id ?? '', { lock: true });
  const early = assertCompletable(ctx, order, action);
  if (early) return early;
  const funding = fundingOf(ctx, order);
  if (funding === 'instrument_declined' || funding === 'transaction_refused' || funding === 'payer_action_required') return refusedAttempt(ctx, order, funding, action);
  const buyer = order.internal.buyer ?? DEFAULT_BUYER.email;
  const made: PaymentRecord[] = [];
  for (const unit of order.resource.purchase_units) {
    const common = { orderId: order.id, referenceId: unit.reference_id, amount: { currency_code: unit.amount.currency_code, value: unit.amount.value }, buyer, invoiceId: unit.invoice_id, customId: unit.custom_id };
    made.push(
      action === 'authorize'
        ? await createAuthorization(ctx, common)
        : await createCapture(ctx, { ...common, status: funding === 'pays' ? 'COMPLETED' : 'PENDING', settleTo: funding === 'pending_then_denied' ? 'DENIED' : 'COMPLETED', finalCapture: true }),
    );
  }
  const completed: OrderRecord = {
    ...order,
    resource: { ...order.resource, status: 'COMPLETED', update_time: paypalTime(ctx.now) },
    internal: { ...order.internal, paymentIds: [...order.internal.paymentIds, ...made.map((payment) => payment.id)] },
  };
  await ctx.tx.save(completed);
  const earlier = await paymentsOf(ctx.tx, order);
  const view = orderViewWith(ctx.base, completed, [...earlier, ...made]);
  await raiseEvent(ctx, { eventType: 'CHECKOUT.ORDER.COMPLETED', resourceType: 'checkout-order', resource: view, summary: 'Checkout Order Completed' });
  return { status: 201, body: ctx.representation ? view : minimalCompletion(view), resourceId: order.id };
}

/** `POST /v2/checkout/orders/:id/capture` and `/authorize`: under return=minimal, the order with its payments (minimalCompletion). */
export const captureOrder = (ctx: PaypalContext) => completeOrder(ctx, 'capture');
export const authorizeOrder = (ctx: PaypalContext) => completeOrder(ctx, 'authorize');
