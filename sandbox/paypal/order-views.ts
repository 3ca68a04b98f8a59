import type { Tx } from '../store';
import {
  paymentsOf,
  type AuthorizationRecord,
  type CaptureRecord,
  type OrderRecord,
  type PaymentRecord,
  type PaypalAuthorization,
  type PaypalCapture,
  type PaypalLink,
  type PaypalOrder,
  type PaypalRefund,
  type PurchaseUnit,
  type RefundRecord,
} from './order-types';

/**
 * Orders and payments as PayPal shows them: the stored resource plus HATEOAS links for the
 * caller's base URL, an order with its payments under each purchase unit. Event resources are
 * these same views, as PayPal's webhooks carry what a GET would answer.
 */

const link = (href: string, rel: string, method: PaypalLink['method'] = 'GET'): PaypalLink => ({ href, rel, method });

export const orderUrl = (base: string, id: string) => `${base}/v2/checkout/orders/${id}`;
/** The approval page; PayPal's is www.paypal.com/checkoutnow?token=<order id>. */
export const approvalUrl = (base: string, id: string) => `${base}/checkoutnow?token=${encodeURIComponent(id)}`;

export function captureView(base: string, capture: CaptureRecord): PaypalCapture & { links: PaypalLink[] } {
  const self = `${base}/v2/payments/captures/${capture.id}`;
  const up = capture.internal.authorizationId ? `${base}/v2/payments/authorizations/${capture.internal.authorizationId}` : orderUrl(base, capture.internal.orderId);
  return { ...capture.resource, links: [link(self, 'self'), link(`${self}/refund`, 'refund', 'POST'), link(up, 'up')] };
}

export function authorizationView(base: string, authorization: AuthorizationRecord): PaypalAuthorization & { links: PaypalLink[] } {
  const self = `${base}/v2/payments/authorizations/${authorization.id}`;
  const open = authorization.resource.status === 'CREATED' || authorization.resource.status === 'PARTIALLY_CAPTURED';
  return {
    ...authorization.resource,
    links: [
      link(self, 'self'),
      ...(open ? [link(`${self}/capture`, 'capture', 'POST'), link(`${self}/void`, 'void', 'POST'), link(`${self}/reauthorize`, 'reauthorize', 'POST')] : []),
      link(orderUrl(base, authorization.internal.orderId), 'up'),
    ],
  };
}

export function refundView(base: string, refund: RefundRecord): PaypalRefund & { links: PaypalLink[] } {
  return {
    ...refund.resource,
    links: [link(`${base}/v2/payments/refunds/${refund.id}`, 'self'), link(`${base}/v2/payments/captures/${refund.internal.captureId}`, 'up')],
  };
}

/** The links PayPal gives an order in its status: how to approve it, or what may still be done to it. */
function orderLinks(base: string, order: OrderRecord): PaypalLink[] {
  const { id, status, intent } = order.resource;
  const self = link(orderUrl(base, id), 'self');
  const approve = link(approvalUrl(base, id), order.internal.approvalRel);
  const update = link(orderUrl(base, id), 'update', 'PATCH');
  const complete = intent === 'CAPTURE' ? link(`${orderUrl(base, id)}/capture`, 'capture', 'POST') : link(`${orderUrl(base, id)}/authorize`, 'authorize', 'POST');
  if (status === 'PAYER_ACTION_REQUIRED') return [self, link(approvalUrl(base, id), 'payer-action')];
  if (status === 'CREATED') return order.internal.approvalRel === 'payer-action' ? [self, approve] : [self, approve, update, complete];
  if (status === 'APPROVED') return [self, update, complete];
  return [self];
}

export function orderViewWith(base: string, order: OrderRecord, payments: PaymentRecord[]): PaypalOrder & { links: PaypalLink[] } {
  const purchaseUnits = order.resource.purchase_units.map((unit): PurchaseUnit & { payments?: Record<string, unknown[]> } => {
    const mine = payments.filter((payment) => payment.internal.referenceId === unit.reference_id);
    const captures = mine.filter((payment): payment is CaptureRecord => payment.object === 'paypal_capture').map((capture) => captureView(base, capture));
    const authorizations = mine.filter((payment): payment is AuthorizationRecord => payment.object === 'paypal_authorization').map((authorization) => authorizationView(base, authorization));
    const refunds = mine.filter((payment): payment is RefundRecord => payment.object === 'paypal_refund').map((refund) => refundView(base, refund));
    const groups = { ...(authorizations.length ? { authorizations } : {}), ...(captures.length ? { captures } : {}), ...(refunds.length ? { refunds } : {}) };
    return Object.keys(groups).length ? { ...unit, payments: groups } : unit;
  });
  return { ...order.resource, purchase_units: purchaseUnits, links: orderLinks(base, order) };
}

/** The whole order with its payments: two statements (the order, then its payments by id). */
export async function orderView(tx: Tx, base: string, order: OrderRecord) {
  return orderViewWith(base, order, await paymentsOf(tx, order));
}

/** `Prefer: return=minimal`, PayPal's default: the id, the status and the links. */
export function minimalOrder(view: PaypalOrder & { links: PaypalLink[] }) {
  return { id: view.id, status: view.status, links: view.links };
}
