import { z } from 'zod';
import type { PaypalContext, PaypalReply, PaypalRoute } from './context';
import { assertInvoiceFree } from './captures';
import { PaypalApiError, invalidRequest, parseBody } from './errors';
import { paypalTime, resourceId } from './ids';
import { refuseIfMocked } from './negative-testing';
import { authorizeOrder, captureOrder } from './order-completion';
import { CreateOrderSchema, PurchaseUnitSchema, checkedPurchaseUnits, experienceOf } from './order-request';
import { loadOrder, type OrderRecord } from './order-types';
import { minimalOrder, orderView, orderViewWith } from './order-views';
import { applyOrderPatch } from './order-patch';

/**
 * Orders v2 (developer.paypal.com/docs/api/orders/v2): create, show, update, and (in
 * order-completion.ts) capture and authorize. An order made with `payment_source.paypal` waits
 * for the buyer as PAYER_ACTION_REQUIRED with a `payer-action` link, one made the older way
 * (`application_context`, or nothing, as the JS SDK's createOrder does) as CREATED with an
 * `approve` link; either is approved on /checkoutnow (checkout-page.ts).
 */

const DOCS = 'orders/v2';

// A patched order is checked as a new one would be, with the same field pointers.
const PatchedUnitsSchema = z.object({ purchase_units: z.array(PurchaseUnitSchema).min(1).max(10) });

/** Negative-testing codes create can answer with no effect (the 422s its spec lists that a mock may ask for). */
const CREATE_MOCKABLE = ['DUPLICATE_INVOICE_ID', 'PAYEE_ACCOUNT_RESTRICTED', 'PAYEE_ACCOUNT_LOCKED_OR_CLOSED', 'PAYER_ACCOUNT_RESTRICTED', 'PAYER_CANNOT_PAY', 'TRANSACTION_LIMIT_EXCEEDED', 'TRANSACTION_RECEIVING_LIMIT_EXCEEDED', 'PAYEE_BLOCKED_TRANSACTION', 'COMPLIANCE_VIOLATION'] as const;

/** The order as the request prefers it: `return=representation`, or PayPal's default `return=minimal`. */
async function shownOrder(ctx: PaypalContext, order: OrderRecord, status: number): Promise<PaypalReply> {
  const view = await orderView(ctx.tx, ctx.base, order);
  return { status, body: ctx.representation ? view : minimalOrder(view), resourceId: order.id };
}

const createOrder: PaypalRoute = {
  method: 'POST',
  path: '/v2/checkout/orders',
  docs: DOCS,
  idempotency: 'orders',
  async replay(ctx, id) {
    return shownOrder(ctx, await loadOrder(ctx, id), 201);
  },
  async handle(ctx) {
    const request = parseBody(CreateOrderSchema, ctx.body);
    refuseIfMocked(ctx, CREATE_MOCKABLE);
    const id = resourceId();
    const units = checkedPurchaseUnits(request.purchase_units);
    for (const unit of units) await assertInvoiceFree(ctx, unit.invoice_id, id);
    const viaPaymentSource = request.payment_source?.paypal !== undefined;
    const order: OrderRecord = {
      id,
      object: 'paypal_order',
      created: ctx.now,
      resource: { id, intent: request.intent, status: viaPaymentSource ? 'PAYER_ACTION_REQUIRED' : 'CREATED', purchase_units: units, create_time: paypalTime(ctx.now) },
      internal: { experience: experienceOf(request), approvalRel: viaPaymentSource ? 'payer-action' : 'approve', declinedAttempts: 0, paymentIds: [] },
    };
    await ctx.tx.insert(order);
    const view = orderViewWith(ctx.base, order, []);
    return { status: 201, body: ctx.representation ? view : minimalOrder(view), resourceId: id };
  },
};

const getOrder: PaypalRoute = {
  method: 'GET',
  path: '/v2/checkout/orders/:id',
  docs: DOCS,
  async handle(ctx) {
    const order = await loadOrder(ctx, ctx.params.id ?? '');
    return { status: 200, body: await orderView(ctx.tx, ctx.base, order) };
  },
};

/** PATCH: JSON Patch operations on the purchase units (and the intent), only before the order completes. */
const patchOrder: PaypalRoute = {
  method: 'PATCH',
  path: '/v2/checkout/orders/:id',
  docs: DOCS,
  async handle(ctx) {
    refuseIfMocked(ctx, ['ORDER_ALREADY_COMPLETED']);
    if (!Array.isArray(ctx.body)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The request body must be an array of JSON Patch operations.', '/');
    const order = await loadOrder(ctx, ctx.params.id ?? '', { lock: true });
    if (order.resource.status === 'COMPLETED' || order.resource.status === 'VOIDED') {
      throw new PaypalApiError(422, [{ issue: 'ORDER_ALREADY_COMPLETED', description: 'The order cannot be patched after it is completed.' }]);
    }
    const patched = applyOrderPatch(order.resource, ctx.body);
    const units = checkedPurchaseUnits(parseBody(PatchedUnitsSchema, { purchase_units: patched.purchase_units }).purchase_units);
    for (const unit of units) await assertInvoiceFree(ctx, unit.invoice_id, order.id);
    await ctx.tx.save<OrderRecord>({ ...order, resource: { ...order.resource, intent: patched.intent, purchase_units: units, update_time: paypalTime(ctx.now) } });
    return { status: 204 };
  },
};

const captureRoute: PaypalRoute = {
  method: 'POST',
  path: '/v2/checkout/orders/:id/capture',
  docs: DOCS,
  idempotency: 'orders',
  async replay(ctx, id) {
    return { status: 201, body: await orderView(ctx.tx, ctx.base, await loadOrder(ctx, id)), resourceId: id };
  },
  handle: (ctx) => captureOrder(ctx),
};

const authorizeRoute: PaypalRoute = {
  method: 'POST',
  path: '/v2/checkout/orders/:id/authorize',
  docs: DOCS,
  idempotency: 'orders',
  async replay(ctx, id) {
    return { status: 201, body: await orderView(ctx.tx, ctx.base, await loadOrder(ctx, id)), resourceId: id };
  },
  handle: (ctx) => authorizeOrder(ctx),
};

export const ORDER_ROUTES: readonly PaypalRoute[] = [createOrder, getOrder, patchOrder, captureRoute, authorizeRoute];
