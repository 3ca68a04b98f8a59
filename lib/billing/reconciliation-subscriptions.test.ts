import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { reconciliationFindings, subscriptions } from '@/db/schema';
import { stripeThrough } from '@/test/payments';
import { confirmPayment, eventApplier, newSubscriber, subscriptionTestContext } from '@/test/subscriptions';
import { reconcileProvider } from './reconciliation';
import { startSubscription } from './subscribe';
import { currentSubscription } from './subscriptions';

/** Reconciliation of subscriptions, against real PostgreSQL and the sandbox's Stripe billing. */

const t = subscriptionTestContext();
const events = eventApplier(t);

function reconcile() {
  const now = Date.now();
  return reconcileProvider({ db: t.db, provider: stripeThrough(t.sandbox.stripe) }, { window: { from: new Date(now - 3_600_000), to: new Date(now + 60_000) }, requestedBy: 'test' });
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
