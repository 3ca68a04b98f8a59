import type { PaypalContext } from './context';
import { PaypalApiError } from './errors';

/**
 * PayPal's negative testing (`PayPal-Mock-Response: {"mock_application_codes": "…"}`): a request
 * answers the error named, as PayPal's sandbox does, when that operation can raise it. Codes an
 * operation cannot raise are ignored, as the sandbox ignores them. Codes with a lasting effect
 * (INSTRUMENT_DECLINED, TRANSACTION_REFUSED, PAYER_ACTION_REQUIRED) are handled by the operation
 * itself, as the same outcome a test buyer causes; the rest refuse with no change.
 */

/** PayPal's descriptions of the issues the stand-in raises by name. */
export const ISSUE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  ORDER_NOT_APPROVED: "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request.",
  ORDER_ALREADY_CAPTURED: "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
  ORDER_ALREADY_AUTHORIZED: "Order already authorized.If 'intent=AUTHORIZE' only one authorization per order is allowed.",
  ORDER_COMPLETED_OR_VOIDED: 'Order is voided or completed and hence cannot be authorized.',
  ORDER_EXPIRED: 'Order is expired and hence cannot be authorized. Please contact Customer Service.',
  INSTRUMENT_DECLINED: "The instrument presented  was either declined by the processor or bank, or it can't be used for this payment.",
  TRANSACTION_REFUSED: 'The request was refused.',
  PAYER_ACTION_REQUIRED: 'Payer needs to perform the following action before proceeding with payment.',
  MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED: 'You have exceeded the maximum number of payment attempts.',
  DUPLICATE_INVOICE_ID: 'Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.',
  ACTION_DOES_NOT_MATCH_INTENT: "Order was created with an intent to 'AUTHORIZE'. Please use v2/checkout/orders/order_id/authorize to complete the transaction.",
  PAYER_CANNOT_PAY: 'Combination of payer and payee settings mean that this buyer cannot pay this seller.',
  PAYER_ACCOUNT_RESTRICTED: 'PAYER_ACCOUNT_RESTRICTED',
  PAYER_ACCOUNT_LOCKED_OR_CLOSED: 'The payer account cannot be used for this transaction.',
  PAYEE_ACCOUNT_RESTRICTED: 'The merchant account is restricted.',
  PAYEE_BLOCKED_TRANSACTION: 'The Fraud settings for this seller are such that this payment cannot be executed.',
  TRANSACTION_LIMIT_EXCEEDED: 'Total payment amount exceeded transaction limit.',
  TRANSACTION_RECEIVING_LIMIT_EXCEEDED: 'The transaction exceeds the receiver’s receiving limit.',
  TRANSACTION_BLOCKED_BY_PAYEE: 'Transaction blocked by Payee’s Fraud Protection settings.',
  COMPLIANCE_VIOLATION: 'Transaction is declined due to compliance violation.',
  REDIRECT_PAYER_FOR_ALTERNATE_FUNDING: 'Transaction failed. Redirect the payer to select another funding source.',
  ORDER_COMPLETION_IN_PROGRESS: 'The order completion is in progress. Please retry after some time.',
  AUTHORIZATION_AMOUNT_EXCEEDED: 'Authorization amount exceeded.',
  MAX_AUTHORIZATION_COUNT_EXCEEDED: 'The maximum number of authorizations has been reached.',
  REFUND_AMOUNT_EXCEEDED: 'The refund amount must be less than or equal to the capture amount that has not yet been refunded.',
  CAPTURE_FULLY_REFUNDED: 'The capture has already been fully refunded.',
  REFUND_NOT_ALLOWED: 'Full refund refused - partial refund has already been done on this payment. You cannot refund this capture.',
  REFUND_TIME_LIMIT_EXCEEDED: 'You are over the time limit to perform a refund on this capture.',
  PENDING_CAPTURE: 'Cannot initiate a refund as the capture is pending. Capture is typically pending when the payer has funded the transaction by using an e-check or bank account.',
  REFUND_FAILED_INSUFFICIENT_FUNDS: 'Refund failed due to insufficient funds in your PayPal account.',
  AUTHORIZATION_VOIDED: 'A voided authorization cannot be captured or reauthorized.',
  AUTHORIZATION_ALREADY_CAPTURED: 'Authorization has been previously captured and hence cannot be voided.',
  PREVIOUSLY_VOIDED: 'This authorization has already been voided.',
  MAX_CAPTURE_AMOUNT_EXCEEDED: 'Capture amount exceeds allowable limit.',
  MAX_CAPTURE_COUNT_EXCEEDED: 'Maximum number of allowable captures has been reached. No additional captures are possible for this authorization.',
  CANNOT_BE_ZERO_OR_NEGATIVE: 'Must be greater than zero.',
  INTERNAL_SERVER_ERROR: 'An internal server error has occurred.',
};

export function describeIssue(issue: string): string {
  return ISSUE_DESCRIPTIONS[issue] ?? `The request was refused (${issue}).`;
}

/** The first mock code the operation can raise, if the request asked for one. */
export function mockedIssue(ctx: Pick<PaypalContext, 'mockCodes'>, raisable: readonly string[]): string | undefined {
  return ctx.mockCodes.find((code) => raisable.includes(code));
}

/** Refuses as asked by a mock code this operation raises with no lasting effect. */
export function refuseIfMocked(ctx: Pick<PaypalContext, 'mockCodes'>, raisable: readonly string[]): void {
  if (ctx.mockCodes.includes('INTERNAL_SERVER_ERROR')) throw new PaypalApiError(500, [{ issue: 'INTERNAL_SERVER_ERROR', description: describeIssue('INTERNAL_SERVER_ERROR') }]);
  const issue = mockedIssue(ctx, raisable);
  if (issue) throw new PaypalApiError(422, [{ issue, description: describeIssue(issue) }]);
}

/** A 422 answered (not thrown) because the refusal also changed something that must be kept, with extra links (`redirect`, `payer-action`). */
export function refusalReply(ctx: Pick<PaypalContext, 'debugId'>, docs: string, issue: string, links: { href: string; rel: string; method: 'GET' }[] = []) {
  const body = new PaypalApiError(422, [{ issue, description: describeIssue(issue) }]).body(ctx.debugId, docs);
  return { status: 422, body: { ...body, links: [...body.links, ...links] } };
}
