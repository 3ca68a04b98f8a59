import type http from 'node:http';
import { finishApproval, readApprovalForm, sendApprovalPage, type ApprovalView } from './approval-page';
import { buyerByEmail, payerOf, type TestBuyer } from './buyers';
import { raiseEvent } from './events';
import { paypalTime } from './ids';
import { ORDER_VALID_SECONDS, type OrderRecord, type PaypalOrder } from './order-types';
import { orderView } from './order-views';
import type { PaypalPage, PaypalServices } from './parts';

/**
 * `/checkoutnow?token=<order id>`: where a buyer approves an order, as on www.paypal.com. Approve
 * (as a chosen test buyer) makes the order APPROVED with its payer and raises
 * CHECKOUT.ORDER.APPROVED; Cancel changes nothing at PayPal (the order stays as it was) and sends
 * the browser to the shop's cancel_url, or tells the popup's opener. An order approves once,
 * except after its funding was declined (INSTRUMENT_DECLINED) or PayPal asked for a payer
 * action, when the buyer comes back to choose again. An order not approved within three hours
 * has expired, as PayPal's do.
 */

const NO_SUCH_ORDER = 'This checkout link is not valid: there is no such order.';

/** Why this order cannot be approved now, or null. */
function refusalOf(order: OrderRecord, now: number): string | null {
  const { status } = order.resource;
  if (status === 'APPROVED' && !order.internal.fundingDeclined) return 'This order has already been approved.';
  if (status === 'COMPLETED') return 'This order has already been paid.';
  if (status === 'VOIDED') return 'This order was voided by the shop.';
  if (order.internal.approvedAt === undefined && now - order.created > ORDER_VALID_SECONDS) return 'This order has expired: it was not approved within three hours. Return to the shop and start again.';
  return null;
}

function viewOf(order: PaypalOrder, brand: string | undefined, action: string, refusal: string | null, payNow: boolean): ApprovalView {
  const summary = [`Merchant: ${brand ?? 'Billfold sandbox merchant'}`];
  for (const unit of order.purchase_units) {
    if (unit.description) summary.push(unit.description);
    for (const item of unit.items ?? []) summary.push(`${item.quantity} × ${item.name}: ${item.unit_amount.value} ${item.unit_amount.currency_code}`);
    summary.push(`Total: ${unit.amount.value} ${unit.amount.currency_code}`);
  }
  const total = order.purchase_units.length === 1 ? ` ${order.purchase_units[0]?.amount.value} ${order.purchase_units[0]?.amount.currency_code}` : '';
  return { title: 'Pay with PayPal', summary, approveLabel: payNow ? `Pay${total}` : 'Continue to review order', action, ...(refusal ? { refusal } : {}) };
}

function withQuery(target: string, query: Record<string, string>): string {
  const url = new URL(target);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

function refusedPage(response: http.ServerResponse, refusal: string, status: number): void {
  sendApprovalPage(response, { title: 'Pay with PayPal', summary: [], approveLabel: '', action: '', refusal }, status);
}

async function approve(services: PaypalServices, base: string, orderId: string, buyer: TestBuyer): Promise<{ refusal: string } | { order: OrderRecord }> {
  return services.transaction(base, async (ctx) => {
    const order = orderId ? await ctx.tx.getForUpdate<OrderRecord>('paypal_order', orderId) : null;
    if (!order) return { refusal: NO_SUCH_ORDER };
    const refusal = refusalOf(order, ctx.now);
    if (refusal) return { refusal };
    const payer = payerOf(buyer);
    const approved: OrderRecord = {
      ...order,
      resource: {
        ...order.resource,
        status: 'APPROVED',
        payer,
        payment_source: { paypal: { email_address: buyer.email, account_id: buyer.payerId, account_status: 'VERIFIED', name: buyer.name, address: { country_code: buyer.countryCode } } },
        update_time: paypalTime(ctx.now),
      },
      // Approving an order PayPal had sent back for a payer action is that action done.
      internal: { ...order.internal, buyer: buyer.email, approvedAt: ctx.now, fundingDeclined: false, payerActed: order.internal.payerActed || order.resource.status === 'PAYER_ACTION_REQUIRED' },
    };
    await ctx.tx.save(approved);
    await raiseEvent(ctx, { eventType: 'CHECKOUT.ORDER.APPROVED', resourceType: 'checkout-order', resource: await orderView(ctx.tx, ctx.base, approved), summary: 'An order has been approved by buyer' });
    return { order: approved };
  });
}

/** The page itself, or a cancel (which changes nothing at PayPal): a read is all they need. */
async function showOrCancel(response: http.ServerResponse, url: URL, services: PaypalServices, orderId: string, decision: 'show' | 'cancel'): Promise<void> {
  const order = orderId ? await services.store.reader.get<OrderRecord>('paypal_order', orderId) : null;
  if (!order) return refusedPage(response, NO_SUCH_ORDER, 404);
  const experience = order.internal.experience;
  if (decision === 'show') {
    const refusal = refusalOf(order, Math.floor(Date.now() / 1000));
    return sendApprovalPage(response, viewOf(order.resource, experience.brand_name, `${url.pathname.slice(1)}${url.search}`, refusal, experience.user_action === 'PAY_NOW'));
  }
  const redirect = experience.cancel_url ? withQuery(experience.cancel_url, { token: order.id }) : null;
  finishApproval(response, url, { source: 'billfold-paypal-sandbox', outcome: 'cancelled', orderId: order.id }, redirect);
}

export const CHECKOUT_PAGE: PaypalPage = {
  path: '/checkoutnow',
  async handle(request, response, url, services) {
    const orderId = url.searchParams.get('token') ?? '';
    if (request.method === 'GET') return showOrCancel(response, url, services, orderId, 'show');
    if (request.method !== 'POST') return refusedPage(response, 'Use the buttons on the page.', 405);
    const form = await readApprovalForm(request);
    if (form.decision === 'cancel') return showOrCancel(response, url, services, orderId, 'cancel');
    const buyer = buyerByEmail(form.buyer);
    if (!buyer) return refusedPage(response, 'Choose one of the sandbox buyers.', 400);
    // The approval reads the order in its own transaction, locked: no read before it.
    const result = await approve(services, services.base(url), orderId, buyer);
    if ('refusal' in result) return refusedPage(response, result.refusal, result.refusal === NO_SUCH_ORDER ? 404 : 409);
    const { experience } = result.order.internal;
    const redirect = experience.return_url ? withQuery(experience.return_url, { token: result.order.id, PayerID: buyer.payerId }) : null;
    finishApproval(response, url, { source: 'billfold-paypal-sandbox', outcome: 'approved', orderId: result.order.id, payerId: buyer.payerId }, redirect);
  },
};
