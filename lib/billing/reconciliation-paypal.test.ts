import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { disputes, orders, payments, prices, reconciliationFindings, refunds } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { paypalClientFor } from '@/lib/payments/paypal/client';
import { paypalReconciliation } from '@/lib/payments/paypal/reconciliation';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@/lib/payments/paypal/sandbox-credentials';
import type { ListingWindow, PaymentProvider } from '@/lib/payments/provider';
import type { ProviderPayment } from '@/lib/payments/types';
import { accessToken } from '@/sandbox/paypal/tests/support';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { isolatedDatabase } from '@/test/database';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { startApprovalPayment } from './approval-checkout';
import { startCheckout, type CheckoutDependencies } from './checkout';
import { reconcileProvider } from './reconciliation';

/**
 * Reconciling PayPal through its transaction search, against real PostgreSQL and the sandbox's
 * PayPal: each kind of drift a lost or never-sent webhook leaves is found, and what a re-read
 * explains is healed through the webhook path and recorded.
 */

const t = isolatedDatabase();
const sandbox = isolatedSandbox();
let paypal: PaymentProvider;
let deps: CheckoutDependencies;
let notebookPriceId: string;

beforeAll(async () => {
  await seedCatalog(t.db);
  const [price] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'field-notebook-usd'));
  notebookPriceId = price!.id;
  paypal = paypalThrough(sandbox.server.url);
  deps = { db: t.db, payments: stripeThrough(sandbox.stripe).payments };
});

const paypalUrl = () => `${sandbox.server.url}/paypal`;
const buyer = (label: string) => ({ userId: null, email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` });

/** The last hour and the next minute: everything these tests made. */
const recentWindow = (): ListingWindow => ({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) });

function reconcile(which: PaymentProvider = paypal, window: ListingWindow = recentWindow()) {
  return reconcileProvider({ db: t.db, provider: which }, { window, requestedBy: 'test' });
}

async function findingsFor(providerObjectId: string) {
  return t.db.select().from(reconciliationFindings).where(eq(reconciliationFindings.providerObjectId, providerObjectId));
}

async function paymentRow(providerPaymentId: string) {
  const [row] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, providerPaymentId));
  return row;
}

async function orderStatus(orderId: string) {
  const [order] = await t.db.select().from(orders).where(eq(orders.id, orderId));
  return order?.status;
}

/** A REST call to the sandbox's PayPal as PayPal's dashboard (or another of the merchant's tools) would make it: Billfold hears nothing. */
async function atPaypal<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${paypalUrl()}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await accessToken(paypalUrl())}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Every webhook delivery of events about this order of ours is lost on the way, as the sandbox's
 * `drop-webhooks` fault loses them. These tests register no endpoint and apply no event, so what
 * Billfold knows is only what its own calls answered and what reconciliation finds.
 */
async function dropDeliveriesFor(orderId: string): Promise<void> {
  const response = await fetch(`${sandbox.server.url}/_sandbox/chaos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ faults: { paypal: [{ custom_id: orderId, kind: 'drop-webhooks', times: 100 }] } }),
  });
  expect(response.status).toBe(200);
}

/** A PayPal checkout Billfold started and captured, whose webhooks never reached it; healed by a first run, so later drift is the test's own. */
async function paidWithPaypal(label: string): Promise<{ orderId: string; paymentId: string; captureId: string }> {
  const who = buyer(label);
  const session = await startCheckout(deps, { buyer: who, items: [{ priceId: notebookPriceId, quantity: 1 }], currentOrderId: null });
  await dropDeliveriesFor(session.order.id);
  const { paymentId } = await startApprovalPayment({ db: t.db, payments: paypal.payments }, { userId: null, email: who.email, orderId: session.order.id, items: [{ priceId: notebookPriceId, quantity: 1 }] });
  expect((await decide(`${paypalUrl()}/checkoutnow?token=${encodeURIComponent(paymentId)}`, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
  const captured: ProviderPayment = await paypal.payments.capturePayment(paymentId, `test-capture:${paymentId}`);
  await reconcile();
  expect(await paymentRow(paymentId)).toMatchObject({ status: 'succeeded' });
  return { orderId: session.order.id, paymentId, captureId: captured.chargeId! };
}

describe('reconciling PayPal through its transaction search', () => {
  it('records a PayPal capture for one of our orders that Billfold never recorded (its answer and every delivery lost), through the webhook path: the order is paid', async () => {
    const who = buyer('paypal-orphan');
    const session = await startCheckout(deps, { buyer: who, items: [{ priceId: notebookPriceId, quantity: 1 }], currentOrderId: null });
    await dropDeliveriesFor(session.order.id);
    // Billfold asked PayPal for an order and never heard back: PayPal has it, Billfold has no row.
    const order = await atPaypal<{ id: string }>('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value: '18.00' }, custom_id: session.order.id }] });
    expect((await decide(`${paypalUrl()}/checkoutnow?token=${encodeURIComponent(order.id)}`, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
    await atPaypal('POST', `/v2/checkout/orders/${order.id}/capture`, {});
    expect(await paymentRow(order.id)).toBeUndefined();

    const report = await reconcile();

    expect(report.outcome).toBe('succeeded');
    expect(await paymentRow(order.id)).toMatchObject({ provider: 'paypal', orderId: session.order.id, status: 'succeeded', amount: 1800, amountCaptured: 1800, currency: 'USD' });
    expect(await orderStatus(session.order.id)).toBe('paid');
    expect(await findingsFor(order.id)).toMatchObject([{ provider: 'paypal', objectType: 'payment', kind: 'missing_here', healed: true, theirsAmount: 1800, theirsCurrency: 'USD', theirsStatus: 'succeeded' }]);
  });

  it('heals a refund made at PayPal without any event: the refund row, the payment’s refunded amount, and a finding that shows both sides’ refunded totals', async () => {
    const paid = await paidWithPaypal('paypal-silent-refund');
    const refund = await atPaypal<{ id: string }>('POST', `/v2/payments/captures/${paid.captureId}/refund`, { amount: { currency_code: 'USD', value: '5.00' } });

    await reconcile();

    const [row] = await t.db.select().from(refunds).where(eq(refunds.providerRefundId, refund.id));
    expect(row).toMatchObject({ provider: 'paypal', amount: 500, currency: 'USD', status: 'succeeded' });
    expect((await paymentRow(paid.paymentId))?.amountRefunded).toBe(500);
    expect(await orderStatus(paid.orderId)).toBe('partially_refunded');
    const drift = (await findingsFor(paid.paymentId)).filter((finding) => finding.kind === 'amount_differs');
    expect(drift).toMatchObject([{ healed: true, oursRefunded: 0, theirsRefunded: 500, oursCurrency: 'USD', theirsCurrency: 'USD' }]);
  });

  it('compares a PayPal refund’s own status: one our row has wrong is set back to PayPal’s through the webhook path', async () => {
    const paid = await paidWithPaypal('paypal-refund-status');
    const refund = await atPaypal<{ id: string }>('POST', `/v2/payments/captures/${paid.captureId}/refund`, { amount: { currency_code: 'USD', value: '3.00' } });
    await reconcile();
    await t.db.update(refunds).set({ status: 'pending' }).where(eq(refunds.providerRefundId, refund.id));

    await reconcile();

    const [row] = await t.db.select().from(refunds).where(eq(refunds.providerRefundId, refund.id));
    expect(row?.status).toBe('succeeded');
    expect(await findingsFor(refund.id)).toMatchObject([{ objectType: 'refund', kind: 'status_differs', healed: true, oursStatus: 'pending', theirsStatus: 'succeeded' }]);
  });

  it('records a dispute the buyer opened at PayPal without any event (missing here), then follows its resolution, also unannounced (status differs)', async () => {
    const paid = await paidWithPaypal('paypal-silent-dispute');
    const opened = await fetch(`${paypalUrl()}/_sandbox/disputes`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ capture_id: paid.captureId, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' }) });
    expect(opened.status).toBe(201);
    const { dispute_id: disputeId } = (await opened.json()) as { dispute_id: string };

    await reconcile();

    const [row] = await t.db.select().from(disputes).where(eq(disputes.providerDisputeId, disputeId));
    expect(row).toMatchObject({ provider: 'paypal', status: 'warning_needs_response', amount: 1800, currency: 'USD' });
    expect(await findingsFor(disputeId)).toMatchObject([{ objectType: 'dispute', kind: 'missing_here', healed: true }]);

    const resolved = await fetch(`${paypalUrl()}/_sandbox/disputes/${disputeId}/resolve`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ outcome: 'seller' }) });
    expect(resolved.status).toBe(200);
    await reconcile();

    const [after] = await t.db.select().from(disputes).where(eq(disputes.providerDisputeId, disputeId));
    expect(after?.status).toBe('warning_closed');
    expect((await findingsFor(disputeId)).map((finding) => finding.kind)).toEqual(expect.arrayContaining(['missing_here', 'status_differs']));
  });

  it('a second run over the same window heals nothing more: every drift above is in agreement now', async () => {
    const report = await reconcile();
    expect(report).toMatchObject({ outcome: 'succeeded', healed: 0, open: 0, unreadable: 0 });
    expect(report.compared).toBeGreaterThan(0);
  });
});

describe('paging through PayPal’s transaction search', () => {
  /** PayPal with the search asking for `pageSize` transactions a page. */
  function paypalPaging(pageSize: number): PaymentProvider {
    const client = paypalClientFor({ apiBase: paypalUrl(), clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
    return { ...paypal, reconciliation: paypalReconciliation(client, paypal.payments, paypal.subscriptions!, { pageSize }) };
  }

  it('reads every page: each payment of the window is listed once, however small the pages', async () => {
    const listing = paypalPaging(1).reconciliation!.listing!;
    const window = recentWindow();
    const all = await paypal.reconciliation!.listing!.listPayments(window, null);
    expect(all.next).toBeNull();
    expect(all.items.length).toBeGreaterThan(1);

    const listed: string[] = [];
    let pages = 0;
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof listing.listPayments>> = await listing.listPayments(window, cursor);
      listed.push(...page.items.map((payment) => payment.id));
      cursor = page.next;
      pages += 1;
    } while (cursor);

    expect(pages).toBeGreaterThan(all.items.length);
    expect(new Set(listed)).toEqual(new Set(all.items.map((payment) => payment.id)));
  });

  it('searches a window longer than PayPal’s 31 days in slices PayPal accepts, and a run over it succeeds', async () => {
    const window = { from: new Date(Date.now() - 45 * 86_400_000), to: new Date(Date.now() + 60_000) };
    const listing = paypal.reconciliation!.listing!;
    const first = await listing.listPayments(window, null);
    expect(first.next).not.toBeNull();
    const second = await listing.listPayments(window, first.next);
    expect(second.next).toBeNull();
    expect(second.items.length).toBeGreaterThan(0);

    expect(await reconcile(paypalPaging(2), window)).toMatchObject({ outcome: 'succeeded', healed: 0, open: 0 });
  });
});
