import { actionButton, escapeHtml } from '../dashboard';
import { settleCapture } from './captures';
import { paypalTime } from './ids';
import type { CaptureRecord, OrderRecord, RefundRecord } from './order-types';
import { DASHBOARD_ACTION_PATH, type PaypalDashboardPart, type PaypalServices } from './parts';

/**
 * The dashboard's view of Orders and Payments: the latest orders, and the latest captures and
 * refunds with buttons that settle a PENDING capture now (as the background work would later).
 */

const SHOWN = 50;
const COMPLETE = 'paypal-capture-complete';
const DENY = 'paypal-capture-deny';

const status = (value: string) => `<span class="status">${escapeHtml(value)}</span>`;
const money = (amount: { value: string; currency_code: string }) => escapeHtml(`${amount.value} ${amount.currency_code}`);

async function settleFromForm(form: URLSearchParams, services: PaypalServices, to: 'COMPLETED' | 'DENIED'): Promise<string> {
  const id = form.get('capture') ?? '';
  await services.transaction(services.base(), (ctx) => settleCapture(ctx, id, to));
  return `PayPal capture ${id} is now ${to === 'COMPLETED' ? 'COMPLETED' : 'DECLINED (denied)'}.`;
}

export const ORDERS_DASHBOARD: PaypalDashboardPart = {
  async tables(services) {
    const sql = services.store.sql;
    const [orders, payments] = await Promise.all([
      sql<{ data: OrderRecord }[]>`select data from sandbox.objects where type = 'paypal_order' order by seq desc limit ${SHOWN}`,
      sql<{ data: CaptureRecord | RefundRecord }[]>`select data from sandbox.objects where type in ('paypal_capture', 'paypal_refund') order by seq desc limit ${SHOWN}`,
    ]);
    const actionPath = (name: string) => `${services.base()}${DASHBOARD_ACTION_PATH}${name}`;
    return [
      {
        id: 'paypal-orders',
        title: 'PayPal orders',
        columns: ['Order', 'Intent', 'Status', 'Amount', 'Buyer', 'Created'],
        rows: orders.map(({ data: order }) => [
          `<code>${escapeHtml(order.id)}</code>`,
          escapeHtml(order.resource.intent),
          status(order.resource.status),
          order.resource.purchase_units.map((unit) => money(unit.amount)).join('<br>'),
          escapeHtml(order.internal.buyer ?? '—'),
          escapeHtml(paypalTime(order.created)),
        ]),
        empty: 'No PayPal orders yet.',
      },
      {
        id: 'paypal-payments',
        title: 'PayPal captures and refunds',
        columns: ['Id', 'Kind', 'Status', 'Amount', 'Order', 'Created', 'Actions'],
        rows: payments.map(({ data: payment }) => {
          const pending = payment.object === 'paypal_capture' && payment.resource.status === 'PENDING';
          return [
            `<code>${escapeHtml(payment.id)}</code>`,
            payment.object === 'paypal_capture' ? 'capture' : 'refund',
            status(payment.resource.status),
            money(payment.resource.amount),
            `<code>${escapeHtml(payment.internal.orderId)}</code>`,
            escapeHtml(paypalTime(payment.created)),
            pending ? `${actionButton(actionPath(COMPLETE), { capture: payment.id }, 'Complete')} ${actionButton(actionPath(DENY), { capture: payment.id }, 'Deny')}` : '',
          ];
        }),
        empty: 'No PayPal captures yet.',
      },
    ];
  },
  actions: {
    [COMPLETE]: (form, services) => settleFromForm(form, services, 'COMPLETED'),
    [DENY]: (form, services) => settleFromForm(form, services, 'DENIED'),
  },
};
