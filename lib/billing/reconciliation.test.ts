import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, disputes, orders, payments, prices, reconciliationFindings, reconciliationRuns, refunds, users } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import type { SessionUser } from '@/lib/auth/users';
import { BOSS_SCHEMA, RECONCILIATION_QUEUE } from '@/lib/jobs/queues';
import { processReconciliation } from '@/lib/jobs/reconciliation-worker';
import { createPaymentRegistry } from '@/lib/payments';
import { seedCatalog } from '@/db/seed';
import type { PaymentProvider } from '@/lib/payments/provider';
import { isolatedDatabase } from '@/test/database';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { requestReconciliation } from './admin/reconciliation';
import { startApprovalPayment } from './approval-checkout';
import { startCheckout, type CheckoutDependencies } from './checkout';
import { reconcileProvider, type ReconciliationReport } from './reconciliation';

const t = isolatedDatabase();
const sandbox = isolatedSandbox();
let provider: PaymentProvider;
let paypal: PaymentProvider;
let deps: CheckoutDependencies;
let notebookPriceId: string;

beforeAll(async () => {
  await seedCatalog(t.db);
  const [price] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'field-notebook-usd'));
  notebookPriceId = price!.id;
  provider = stripeThrough(sandbox.stripe);
  paypal = paypalThrough(sandbox.server.url);
  deps = { db: t.db, payments: provider.payments };
});

const buyer = (label: string) => ({ userId: null, email: `${label}-${crypto.randomUUID().slice(0, 8)}@example.com` });

/** The last hour and the next minute: everything these tests made. */
function reconcile(which: PaymentProvider = provider): Promise<ReconciliationReport> {
  const now = Date.now();
  return reconcileProvider({ db: t.db, provider: which }, { window: { from: new Date(now - 3_600_000), to: new Date(now + 60_000) }, requestedBy: 'test' });
}

async function findingsFor(providerObjectId: string) {
  return t.db.select().from(reconciliationFindings).where(eq(reconciliationFindings.providerObjectId, providerObjectId));
}

async function paymentRow(providerPaymentId: string) {
  const [row] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, providerPaymentId));
  return row;
}

/** Arms the sandbox's `silent` fault: the customer's next matching request changes Stripe without an event. */
async function silently(email: string, path: string): Promise<void> {
  const response = await fetch(`${sandbox.server.url}/_sandbox/chaos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ faults: [{ email, kind: 'silent', method: 'POST', path }] }),
  });
  expect(response.status).toBe(200);
}

/** A card checkout paid at Stripe whose webhooks never reached Billfold: our row still waits for payment. */
async function paidWithoutWebhooks(label: string) {
  const who = buyer(label);
  const session = await startCheckout(deps, { buyer: who, items: [{ priceId: notebookPriceId, quantity: 2 }], currentOrderId: null });
  await sandbox.stripe.paymentIntents.confirm(session.paymentId, { payment_method: 'pm_card_visa' });
  return { ...session, email: who.email };
}

describe('reconciling Stripe with Billfold', () => {
  it('heals a payment whose success webhook was lost through the webhook path: the payment succeeds and its order is paid', async () => {
    const session = await paidWithoutWebhooks('lost');
    expect((await paymentRow(session.paymentId))?.status).toBe('requires_payment_method');

    const report = await reconcile();

    expect(report.outcome).toBe('succeeded');
    const row = await paymentRow(session.paymentId);
    expect(row).toMatchObject({ status: 'succeeded', amountCaptured: row?.amount });
    const [order] = await t.db.select().from(orders).where(eq(orders.id, session.order.id));
    expect(order?.status).toBe('paid');
    const [finding] = await findingsFor(session.paymentId);
    expect(finding).toMatchObject({ kind: 'status_differs', objectType: 'payment', healed: true, oursStatus: 'requires_payment_method', theirsStatus: 'succeeded' });
  });

  it('records a payment Stripe made for one of our orders whose answer never reached us (missing here), as its webhook would have', async () => {
    const who = buyer('orphan');
    const session = await startCheckout(deps, { buyer: who, items: [{ priceId: notebookPriceId, quantity: 1 }], currentOrderId: null });
    const orphan = await sandbox.stripe.paymentIntents.create({ amount: 1234, currency: 'usd', metadata: { order_id: session.order.id }, automatic_payment_methods: { enabled: true } });

    await reconcile();

    expect(await paymentRow(orphan.id)).toMatchObject({ orderId: session.order.id, amount: 1234, currency: 'USD', status: 'requires_payment_method' });
    expect(await findingsFor(orphan.id)).toMatchObject([{ kind: 'missing_here', healed: true, theirsAmount: 1234, theirsCurrency: 'USD' }]);
  });

  it('heals a refund made at Stripe without any event: the payment’s refunded amount and the refund row follow Stripe', async () => {
    const session = await paidWithoutWebhooks('silent-refund');
    await reconcile();
    await silently(session.email, '/v1/refunds');
    const refund = await sandbox.stripe.refunds.create({ payment_intent: session.paymentId, amount: 500 });
    const events = await sandbox.stripe.events.list({ type: 'refund.created', limit: 100 });
    expect(events.data.map((event) => (event.data.object as { id: string }).id)).not.toContain(refund.id);

    await reconcile();

    expect((await paymentRow(session.paymentId))?.amountRefunded).toBe(500);
    const [row] = await t.db.select().from(refunds).where(eq(refunds.providerRefundId, refund.id));
    expect(row).toMatchObject({ amount: 500, currency: 'USD' });
    const healed = (await findingsFor(session.paymentId)).filter((finding) => finding.kind === 'amount_differs');
    expect(healed).toMatchObject([{ healed: true }]);
    const [order] = await t.db.select().from(orders).where(eq(orders.id, session.order.id));
    expect(order?.status).toBe('partially_refunded');
  });

  it('records a dispute opened at Stripe without any event (missing here), after the payment it disputes', async () => {
    const who = buyer('silent-dispute');
    const session = await startCheckout(deps, { buyer: who, items: [{ priceId: notebookPriceId, quantity: 1 }], currentOrderId: null });
    await silently(who.email, '/v1/payment_intents/:id/confirm');
    await sandbox.stripe.paymentIntents.confirm(session.paymentId, { payment_method: 'pm_card_createDispute' });
    const [dispute] = (await sandbox.stripe.disputes.list({ payment_intent: session.paymentId })).data;
    expect(dispute).toBeDefined();

    await reconcile();

    const [row] = await t.db.select().from(disputes).where(eq(disputes.providerDisputeId, dispute!.id));
    expect(row).toMatchObject({ status: dispute!.status, amount: dispute!.amount, currency: 'USD' });
    expect(await findingsFor(dispute!.id)).toMatchObject([{ kind: 'missing_here', objectType: 'dispute', healed: true }]);
    expect(await findingsFor(session.paymentId)).toMatchObject([{ kind: 'status_differs', healed: true }]);
  });

  it('skips, recording nothing, an object Stripe fails to answer for while healing it, and goes on with the others; the next run heals it', async () => {
    const unlucky = await paidWithoutWebhooks('outage');
    const other = await paidWithoutWebhooks('beside-outage');
    const armed = await fetch(`${sandbox.server.url}/_sandbox/chaos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ faults: [{ email: unlucky.email, kind: '500', method: 'GET', path: '/v1/payment_intents/:id', times: 5 }] }),
    });
    expect(armed.status).toBe(200);

    const report = await reconcile();

    expect(report).toMatchObject({ outcome: 'succeeded', unreadable: 1 });
    expect(await findingsFor(unlucky.paymentId)).toEqual([]);
    expect((await paymentRow(unlucky.paymentId))?.status).toBe('requires_payment_method');
    expect((await paymentRow(other.paymentId))?.status).toBe('succeeded');

    await fetch(`${sandbox.server.url}/_sandbox/chaos?email=${encodeURIComponent(unlucky.email)}`, { method: 'DELETE' });
    expect(await reconcile()).toMatchObject({ unreadable: 0 });
    expect((await paymentRow(unlucky.paymentId))?.status).toBe('succeeded');
  });

  it('lists a payment of ours that Stripe does not have (missing there) with what to do, and a second run adds nothing', async () => {
    const ghost = `pi_gone_${crypto.randomUUID().replaceAll('-', '')}`;
    await t.db.insert(payments).values({ provider: 'stripe', providerPaymentId: ghost, status: 'succeeded', currency: 'USD', amount: 4200, amountCaptured: 4200 });

    const first = await reconcile();
    const [finding] = await findingsFor(ghost);
    expect(finding).toMatchObject({ kind: 'missing_there', healed: false, resolvedAt: null, oursAmount: 4200, oursStatus: 'succeeded', theirsAmount: null });
    expect(finding?.action).toMatch(/provider does not know/);

    const second = await reconcile();
    expect(second).toMatchObject({ outcome: 'succeeded', healed: 0, open: first.open });
    const again = await findingsFor(ghost);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: finding!.id, runId: first.runId, lastSeenRunId: second.runId });
  });

  it('runs one reconciliation of a provider at a time: one asked for while another runs does nothing, and a run whose process died is failed after an hour', async () => {
    const window = { windowStart: new Date(), windowEnd: new Date() };
    const [other] = await t.db.insert(reconciliationRuns).values({ provider: 'stripe', requestedBy: 'another-worker', ...window }).returning();

    expect(await reconcile()).toMatchObject({ outcome: 'already_running', runId: null });

    await t.db.update(reconciliationRuns).set({ startedAt: sql`now() - interval '61 minutes'` }).where(eq(reconciliationRuns.id, other!.id));
    expect(await reconcile()).toMatchObject({ outcome: 'succeeded' });
    const [died] = await t.db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, other!.id));
    expect(died).toMatchObject({ status: 'failed', error: 'did not finish (its process stopped)' });
    const running = await t.db.select().from(reconciliationRuns).where(and(eq(reconciliationRuns.provider, 'stripe'), eq(reconciliationRuns.status, 'running')));
    expect(running).toEqual([]);
  });
});

describe('reconciling PayPal with Billfold (its transaction search, and our own orders re-read)', () => {
  it('heals a PayPal order captured while Billfold heard nothing (the buyer’s browser and the webhook both lost): its order is paid', async () => {
    const who = buyer('paypal-lost');
    const session = await startCheckout(deps, { buyer: who, items: [{ priceId: notebookPriceId, quantity: 1 }], currentOrderId: null });
    const { paymentId } = await startApprovalPayment({ db: t.db, payments: paypal.payments }, { userId: null, email: who.email, orderId: session.order.id, items: [{ priceId: notebookPriceId, quantity: 1 }] });
    const approved = await decide(`${sandbox.server.url}/paypal/checkoutnow?token=${encodeURIComponent(paymentId)}`, 'approve', 'buyer@example.com');
    expect(approved.status).toBeLessThan(400);
    await paypal.payments.capturePayment(paymentId, `test-capture:${paymentId}`);
    expect((await paymentRow(paymentId))?.status).not.toBe('succeeded');

    await reconcile(paypal);

    expect(await paymentRow(paymentId)).toMatchObject({ status: 'succeeded', amountCaptured: 1800 });
    const [order] = await t.db.select().from(orders).where(eq(orders.id, session.order.id));
    expect(order?.status).toBe('paid');
    expect(await findingsFor(paymentId)).toMatchObject([{ kind: 'status_differs', healed: true, theirsStatus: 'succeeded' }]);
  });

  it('lists a PayPal order of ours that PayPal does not have (missing there)', async () => {
    const ghost = `GHOST${crypto.randomUUID().replaceAll('-', '').slice(0, 12).toUpperCase()}`;
    await t.db.insert(payments).values({ provider: 'paypal', providerPaymentId: ghost, status: 'succeeded', currency: 'USD', amount: 900, amountCaptured: 900 });

    await reconcile(paypal);

    expect(await findingsFor(ghost)).toMatchObject([{ provider: 'paypal', kind: 'missing_there', healed: false, oursAmount: 900 }]);
  });
});

describe('running reconciliation', () => {
  it('the daily job reconciles every provider, as requested by the schedule, over a window that leaves the last minutes to their webhooks', async () => {
    const registry = createPaymentRegistry([provider, paypal]);

    const reports = await processReconciliation({ db: t.db, payments: registry }, {});

    expect(reports).toMatchObject([
      { provider: 'stripe', outcome: 'succeeded' },
      { provider: 'paypal', outcome: 'succeeded' },
    ]);
    const [run] = await t.db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, reports[0]!.runId!));
    expect(run).toMatchObject({ status: 'succeeded', requestedBy: 'schedule' });
    expect(run!.windowEnd.getTime()).toBeLessThan(Date.now() - 5 * 60_000);
  });

  it('an admin’s "Run now" queues one run, audited; asked again while it waits, nothing more is queued, but another provider’s run is; support is refused', async () => {
    const [a, s] = await t.db
      .insert(users)
      .values([
        { email: `recon-admin-${crypto.randomUUID().slice(0, 8)}@example.com`, role: 'admin' },
        { email: `recon-support-${crypto.randomUUID().slice(0, 8)}@example.com`, role: 'support' },
      ])
      .returning();
    const admin: SessionUser = { id: a!.id, email: a!.email, name: null, role: 'admin' };
    const support: SessionUser = { id: s!.id, email: s!.email, name: null, role: 'support' };
    const registry = createPaymentRegistry([provider, paypal]);
    const waitingJobs = async () =>
      (await t.db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(BOSS_SCHEMA)}.job where name = ${RECONCILIATION_QUEUE} and state = 'created'`))[0]!.n;

    await expect(requestReconciliation(t.db, registry, support, { provider: 'stripe' })).rejects.toBeInstanceOf(AuthorizationError);
    expect(await waitingJobs()).toBe(0);

    expect(await requestReconciliation(t.db, registry, admin, { provider: 'stripe' })).toEqual({ outcome: 'queued' });
    expect(await requestReconciliation(t.db, registry, admin, { provider: 'stripe' })).toEqual({ outcome: 'waiting' });
    expect(await waitingJobs()).toBe(1);
    // Stripe's run still waiting for the worker: PayPal's is queued beside it, not refused as "already waiting".
    expect(await requestReconciliation(t.db, registry, admin, { provider: 'paypal' })).toEqual({ outcome: 'queued' });
    expect(await requestReconciliation(t.db, registry, admin, { provider: 'paypal' })).toEqual({ outcome: 'waiting' });
    expect(await waitingJobs()).toBe(2);
    const audited = await t.db.select().from(auditLog).where(and(eq(auditLog.action, 'reconciliation.requested'), eq(auditLog.actorUserId, admin.id))).orderBy(auditLog.id);
    expect(audited).toMatchObject([
      { subjectType: 'reconciliation', subjectId: 'stripe' },
      { subjectType: 'reconciliation', subjectId: 'paypal' },
    ]);

    // The worker runs that job: the admin's provider alone, compared up to now.
    const [report, ...others] = await processReconciliation({ db: t.db, payments: createPaymentRegistry([provider, paypal]) }, { provider: 'stripe', requestedBy: admin.id });
    expect(others).toEqual([]);
    const [run] = await t.db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, report!.runId!));
    expect(run).toMatchObject({ provider: 'stripe', requestedBy: admin.id, status: 'succeeded' });
    expect(run!.windowEnd.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});
