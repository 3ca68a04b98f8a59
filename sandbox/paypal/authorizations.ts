import { z } from 'zod';
import { parseMoneyRequest } from './order-request';
import { buyerByEmail } from './buyers';
import { createCapture } from './captures';
import type { PaypalContext, PaypalRoute } from './context';
import { mustGet } from './context';
import { unprocessable } from './errors';
import { raiseEvent } from './events';
import { paypalTime, resourceId } from './ids';
import { paypalMoney, PaypalMoneySchema, unitsOf, type PaypalMoney } from './money';
import { describeIssue, refuseIfMocked } from './negative-testing';
import { loadOrder, SANDBOX_PAYEE, SELLER_PROTECTION, type AuthorizationRecord, type OrderRecord, type PaypalAuthorization } from './order-types';
import { authorizationView, captureView } from './order-views';
import { loadCapture, madeReply } from './payments';

/**
 * Payments v2 authorizations (developer.paypal.com/docs/api/payments/v2): made by authorizing
 * an AUTHORIZE order, then captured (in parts, up to the authorized amount; `final_capture`
 * closes it), voided or reauthorized. An authorization is valid for 29 days.
 */

const DOCS = 'payments/v2';
const VALID_DAYS = 29;

type Ctx = Pick<PaypalContext, 'tx' | 'base' | 'now' | 'raisedEvents'>;

export interface NewAuthorization {
  orderId: string;
  referenceId: string;
  amount: PaypalMoney;
  buyer: string;
  invoiceId?: string;
  customId?: string;
}

export async function createAuthorization(ctx: Ctx, spec: NewAuthorization): Promise<AuthorizationRecord> {
  const resource: PaypalAuthorization = {
    id: resourceId(),
    status: 'CREATED',
    amount: { ...spec.amount },
    ...(spec.invoiceId ? { invoice_id: spec.invoiceId } : {}),
    ...(spec.customId ? { custom_id: spec.customId } : {}),
    seller_protection: SELLER_PROTECTION,
    expiration_time: paypalTime(ctx.now + VALID_DAYS * 86_400),
    supplementary_data: { related_ids: { order_id: spec.orderId } },
    payee: { ...SANDBOX_PAYEE },
    create_time: paypalTime(ctx.now),
    update_time: paypalTime(ctx.now),
  };
  const record: AuthorizationRecord = { id: resource.id, object: 'paypal_authorization', created: ctx.now, resource, internal: { orderId: spec.orderId, referenceId: spec.referenceId, buyer: spec.buyer, captured: 0 } };
  await ctx.tx.insert(record);
  await raiseEvent(ctx, { eventType: 'PAYMENT.AUTHORIZATION.CREATED', resourceType: 'authorization', resource: authorizationView(ctx.base, record), summary: `Payment authorization created for ${spec.amount.currency_code} ${spec.amount.value}` });
  return record;
}

const loadAuthorization = (ctx: Pick<PaypalContext, 'tx'>, id: string, options: { lock?: boolean } = {}) =>
  mustGet<PaypalAuthorization, AuthorizationRecord['internal']>(ctx.tx, 'paypal_authorization', id, { field: 'authorization_id', ...options });

/** Adds a payment (capture, reauthorization) to its order, so `GET` of the order lists it. */
async function attachToOrder(ctx: Ctx, orderId: string, paymentId: string): Promise<void> {
  const order: OrderRecord = await loadOrder(ctx, orderId, { lock: true });
  await ctx.tx.save<OrderRecord>({ ...order, internal: { ...order.internal, paymentIds: [...order.internal.paymentIds, paymentId] } });
}

function assertOpen(authorization: AuthorizationRecord): void {
  const { status } = authorization.resource;
  if (status === 'VOIDED') throw unprocessable('AUTHORIZATION_VOIDED', describeIssue('AUTHORIZATION_VOIDED'));
  if (status === 'CAPTURED') throw unprocessable('AUTHORIZATION_ALREADY_CAPTURED', 'Authorization has been previously captured and hence cannot be captured again.');
  if (status === 'DENIED') throw unprocessable('AUTHORIZATION_DENIED', 'A denied authorization cannot be captured.');
}

function isExpired(ctx: Ctx, authorization: AuthorizationRecord): boolean {
  return Date.parse(authorization.resource.expiration_time) / 1000 <= ctx.now;
}

const CaptureAuthorizationSchema = z.object({
  amount: PaypalMoneySchema.optional(),
  invoice_id: z.string().min(1).max(127).optional(),
  custom_id: z.string().min(1).max(255).optional(),
  final_capture: z.boolean().optional(),
  note_to_payer: z.string().max(255).optional(),
  soft_descriptor: z.string().max(22).optional(),
});

const captureAuthorization: PaypalRoute = {
  method: 'POST',
  path: '/v2/payments/authorizations/:authorization_id/capture',
  docs: DOCS,
  idempotency: 'payments',
  async replay(ctx, id) {
    return madeReply(ctx, captureView(ctx.base, await loadCapture(ctx, id)));
  },
  async handle(ctx) {
    const request = parseMoneyRequest(CaptureAuthorizationSchema, ctx.body);
    refuseIfMocked(ctx, ['AUTHORIZATION_EXPIRED', 'DUPLICATE_INVOICE_ID', 'MAX_CAPTURE_COUNT_EXCEEDED', 'PAYER_CANNOT_PAY', 'TRANSACTION_REFUSED', 'PAYEE_ACCOUNT_RESTRICTED', 'PAYER_ACCOUNT_LOCKED_OR_CLOSED']);
    const authorization = await loadAuthorization(ctx, ctx.params.authorization_id ?? '', { lock: true });
    assertOpen(authorization);
    if (isExpired(ctx, authorization)) throw unprocessable('AUTHORIZATION_EXPIRED', 'An expired authorization cannot be captured.');
    const currency = authorization.resource.amount.currency_code;
    if (request.amount && request.amount.currency_code !== currency) throw unprocessable('AUTH_CAPTURE_CURRENCY_MISMATCH', 'Currency of capture must be the same as currency of authorization.', '/amount/currency_code');
    const authorized = unitsOf(authorization.resource.amount);
    const remaining = authorized - authorization.internal.captured;
    const units = request.amount ? unitsOf(request.amount) : remaining;
    if (units <= 0) throw unprocessable('CANNOT_BE_ZERO_OR_NEGATIVE', describeIssue('CANNOT_BE_ZERO_OR_NEGATIVE'), '/amount/value');
    if (units > remaining) throw unprocessable('MAX_CAPTURE_AMOUNT_EXCEEDED', describeIssue('MAX_CAPTURE_AMOUNT_EXCEEDED'), '/amount/value');
    const captured = authorization.internal.captured + units;
    // Without an amount the whole remainder is captured, which closes the authorization, as does final_capture.
    const final = request.final_capture ?? request.amount === undefined;
    const outcome = buyerByEmail(authorization.internal.buyer)?.outcome;
    const pending = outcome === 'pending' || outcome === 'pending_then_denied';
    const invoiceId = request.invoice_id ?? authorization.resource.invoice_id;
    const customId = request.custom_id ?? authorization.resource.custom_id;
    const capture = await createCapture(ctx, {
      orderId: authorization.internal.orderId, referenceId: authorization.internal.referenceId, amount: paypalMoney(units, currency), buyer: authorization.internal.buyer,
      status: pending ? 'PENDING' : 'COMPLETED', settleTo: outcome === 'pending_then_denied' ? 'DENIED' : 'COMPLETED', authorizationId: authorization.id, finalCapture: final || captured === authorized,
      ...(invoiceId ? { invoiceId } : {}), ...(customId ? { customId } : {}),
    });
    await ctx.tx.save<AuthorizationRecord>({
      ...authorization,
      resource: { ...authorization.resource, status: final || captured === authorized ? 'CAPTURED' : 'PARTIALLY_CAPTURED', update_time: paypalTime(ctx.now) },
      internal: { ...authorization.internal, captured },
    });
    await attachToOrder(ctx, authorization.internal.orderId, capture.id);
    return madeReply(ctx, captureView(ctx.base, capture));
  },
};

const getAuthorization: PaypalRoute = {
  method: 'GET',
  path: '/v2/payments/authorizations/:authorization_id',
  docs: DOCS,
  async handle(ctx) {
    return { status: 200, body: authorizationView(ctx.base, await loadAuthorization(ctx, ctx.params.authorization_id ?? '')) };
  },
};

const voidAuthorization: PaypalRoute = {
  method: 'POST',
  path: '/v2/payments/authorizations/:authorization_id/void',
  docs: DOCS,
  idempotency: 'payments',
  async replay(ctx, id) {
    const authorization = await loadAuthorization(ctx, id);
    return ctx.representation ? { status: 200, body: authorizationView(ctx.base, authorization), resourceId: id } : { status: 204, resourceId: id };
  },
  async handle(ctx) {
    refuseIfMocked(ctx, ['CANNOT_BE_VOIDED', 'PREVIOUSLY_CAPTURED', 'PREVIOUSLY_VOIDED']);
    const authorization = await loadAuthorization(ctx, ctx.params.authorization_id ?? '', { lock: true });
    const { status } = authorization.resource;
    if (status === 'VOIDED') throw unprocessable('PREVIOUSLY_VOIDED', describeIssue('PREVIOUSLY_VOIDED'));
    if (status === 'CAPTURED' || status === 'PARTIALLY_CAPTURED') throw unprocessable('PREVIOUSLY_CAPTURED', 'Authorization has been previously captured and hence cannot be voided.');
    if (status !== 'CREATED') throw unprocessable('CANNOT_BE_VOIDED', 'A reauthorization cannot be voided. Please void the original parent authorization.');
    const voided: AuthorizationRecord = { ...authorization, resource: { ...authorization.resource, status: 'VOIDED', update_time: paypalTime(ctx.now) } };
    await ctx.tx.save(voided);
    const view = authorizationView(ctx.base, voided);
    await raiseEvent(ctx, { eventType: 'PAYMENT.AUTHORIZATION.VOIDED', resourceType: 'authorization', resource: view, summary: `A payment authorization was voided for ${view.amount.currency_code} ${view.amount.value}` });
    return ctx.representation ? { status: 200, body: view, resourceId: voided.id } : { status: 204, resourceId: voided.id };
  },
};

/**
 * Reauthorize: once, for up to the original amount, giving a new authorization valid 29 days
 * from now (PayPal allows it after the three-day honor period; the stand-in does not wait).
 */
const reauthorize: PaypalRoute = {
  method: 'POST',
  path: '/v2/payments/authorizations/:authorization_id/reauthorize',
  docs: DOCS,
  idempotency: 'payments',
  async replay(ctx, id) {
    return { status: 201, body: authorizationView(ctx.base, await loadAuthorization(ctx, id)), resourceId: id };
  },
  async handle(ctx) {
    const request = parseMoneyRequest(z.object({ amount: PaypalMoneySchema.optional() }), ctx.body);
    refuseIfMocked(ctx, ['REAUTHORIZATION_NOT_SUPPORTED', 'PAYER_CANNOT_PAY', 'TRANSACTION_REFUSED']);
    const authorization = await loadAuthorization(ctx, ctx.params.authorization_id ?? '', { lock: true });
    if (authorization.resource.status === 'VOIDED') throw unprocessable('AUTHORIZATION_VOIDED', describeIssue('AUTHORIZATION_VOIDED'));
    if (authorization.resource.status !== 'CREATED') throw unprocessable('AUTHORIZATION_ALREADY_CAPTURED', 'Authorization has been previously captured and hence cannot be reauthorized.');
    const amount = request.amount ?? authorization.resource.amount;
    if (amount.currency_code !== authorization.resource.amount.currency_code) throw unprocessable('AUTH_CURRENCY_MISMATCH', 'The currency of the reauthorization must be the currency of the authorization.', '/amount/currency_code');
    if (unitsOf(amount) <= 0) throw unprocessable('CANNOT_BE_ZERO_OR_NEGATIVE', describeIssue('CANNOT_BE_ZERO_OR_NEGATIVE'), '/amount/value');
    if (unitsOf(amount) > unitsOf(authorization.resource.amount)) throw unprocessable('REAUTHORIZATION_NOT_SUPPORTED', 'A reauthorization cannot exceed the original authorized amount in the sandbox.', '/amount/value');
    const fresh = await createAuthorization(ctx, {
      orderId: authorization.internal.orderId, referenceId: authorization.internal.referenceId, amount: { ...amount }, buyer: authorization.internal.buyer,
      ...(authorization.resource.invoice_id ? { invoiceId: authorization.resource.invoice_id } : {}), ...(authorization.resource.custom_id ? { customId: authorization.resource.custom_id } : {}),
    });
    await attachToOrder(ctx, authorization.internal.orderId, fresh.id);
    return { status: 201, body: authorizationView(ctx.base, fresh), resourceId: fresh.id };
  },
};

export const AUTHORIZATION_ROUTES: readonly PaypalRoute[] = [getAuthorization, captureAuthorization, voidAuthorization, reauthorize];
