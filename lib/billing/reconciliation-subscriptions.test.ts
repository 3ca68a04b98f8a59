import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { reconciliationFindings, subscriptions } from '@/db/schema';
import type { ListingWindow, PaymentProvider } from '@/lib/payments/provider';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { accessToken } from '@/sandbox/paypal/tests/support';
import { stripeThrough } from '@/test/payments';
import { confirmPayment, eventApplier, newSubscriber, subscriptionTestContext } from '@/test/subscriptions';
import { reconcileProvider } from './reconciliation';
import { startSubscription } from './subscribe';
import { currentSubscription, type Subscriber } from './subscriptions';

/** Reconciliation of subscriptions, against real PostgreSQL and the sandbox's Stripe billing. */

const t = subscriptionTestContext();
const events = eventApplier(t);

function reconcile(provider: PaymentProvider = stripeThrough(t.sandbox.stripe), window: ListingWindow = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) }) {
  return reconcileProvider({ db: t.db, provider }, { window, requestedBy: 'test' });
}

/** A window that begins after everything a test made: only what is re-read whatever its age is compared. */
const laterWindow = (): ListingWindow => ({ from: new Date(Date.now() + 1_000), to: new Date(Date.now() + 60_000) });

/** Our subscription row of `providerId` made `days` ago, as one of long standing is. */
async function madeDaysAgo(providerId: string, days: number): Promise<void> {
  await t.db.update(subscriptions).set({ createdAt: sql`now() - make_interval(days => ${days})` }).where(eq(subscriptions.providerSubscriptionId, providerId));
}

async function subscriptionRow(providerId: string) {
  const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, providerId));
  return row;
}

async function findingsFor(providerId: string) {
  return t.db.select().from(reconciliationFindings).where(eq(reconciliationFindings.providerObjectId, providerId));
}

/** A Stripe subscription of `subscriber`, paid and active here. */
async function activeAtStripe(subscriber: Subscriber): Promise<string> {
  const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
  await confirmPayment(t, started.handoff);
  await events.applyNew();
  expect((await currentSubscription(t.db, subscriber.userId))?.status).toBe('active');
  return (await t.db.select().from(subscriptions).where(eq(subscriptions.userId, subscriber.userId)))[0]!.providerSubscriptionId;
}

describe('reconciling subscriptions with Stripe', () => {
  it('heals a subscription Stripe canceled without an event: the subscriber no longer has a live plan here', async () => {
    const subscriber = await newSubscriber(t.db, 'silent-cancel');
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await events.applyNew();
    expect((await currentSubscription(t.db, subscriber.userId))?.status).toBe('active');

    const armed = await fetch(`${t.sandbox.server.url}/_sandbox/chaos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ faults: [{ email: subscriber.email, kind: 'silent', method: 'DELETE', path: '/v1/subscriptions/:id' }] }),
    });
    expect(armed.status).toBe(200);
    const providerId = (await t.db.select().from(subscriptions).where(eq(subscriptions.userId, subscriber.userId)))[0]!.providerSubscriptionId;
    await t.sandbox.stripe.subscriptions.cancel(providerId);

    await reconcile();

    const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, providerId));
    expect(row?.status).toBe('canceled');
    expect(await t.db.select().from(reconciliationFindings).where(eq(reconciliationFindings.providerObjectId, providerId))).toMatchObject([
      { objectType: 'subscription', kind: 'status_differs', healed: true, oursStatus: 'active', theirsStatus: 'canceled' },
    ]);
  });
});

describe('reconciling subscriptions older than the window', () => {
  it('heals a Stripe subscription made months ago and canceled at Stripe without an event: every live subscription is re-read on each run', async () => {
    const subscriber = await newSubscriber(t.db, 'old-silent-cancel');
    const providerId = await activeAtStripe(subscriber);
    await madeDaysAgo(providerId, 90);
    const armed = await fetch(`${t.sandbox.server.url}/_sandbox/chaos`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ faults: [{ email: subscriber.email, kind: 'silent', method: 'DELETE', path: '/v1/subscriptions/:id' }] }),
    });
    expect(armed.status).toBe(200);
    await t.sandbox.stripe.subscriptions.cancel(providerId);

    await reconcile(undefined, laterWindow());

    expect((await subscriptionRow(providerId))?.status).toBe('canceled');
    expect(await findingsFor(providerId)).toMatchObject([{ objectType: 'subscription', kind: 'status_differs', healed: true, oursStatus: 'active', theirsStatus: 'canceled' }]);
  });

  it('heals a PayPal subscription made months ago and cancelled at PayPal without an event, and re-reads it no more once it has ended', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-old-silent-cancel');
    const started = await startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd');
    if (started.handoff.kind !== 'approval' || !started.handoff.approveUrl) throw new Error('expected a PayPal approval');
    const providerId = started.handoff.providerOrderId;
    expect((await decide(started.handoff.approveUrl, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
    // No webhook was applied: the first run finds it active at PayPal, through its first payment in the search.
    await reconcile(t.paypal);
    expect((await subscriptionRow(providerId))?.status).toBe('active');
    await madeDaysAgo(providerId, 90);
    const paypalUrl = `${t.sandbox.server.url}/paypal`;
    const cancelled = await fetch(`${paypalUrl}/v1/billing/subscriptions/${providerId}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${await accessToken(paypalUrl)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'Cancelled in PayPal’s dashboard' }),
    });
    expect(cancelled.status).toBe(204);

    const report = await reconcile(t.paypal, laterWindow());

    expect(report.outcome).toBe('succeeded');
    expect((await subscriptionRow(providerId))?.status).toBe('canceled');
    expect((await findingsFor(providerId)).filter((finding) => finding.oursStatus === 'active' && finding.theirsStatus === 'canceled')).toMatchObject([{ objectType: 'subscription', kind: 'status_differs', healed: true }]);
    const compared = report.compared;
    expect(compared).toBeGreaterThan(0);
    expect((await reconcile(t.paypal, laterWindow())).compared).toBe(compared - 1);
  });
});
