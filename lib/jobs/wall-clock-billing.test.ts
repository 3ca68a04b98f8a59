import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptions, webhookEvents } from '@/db/schema';
import { startSubscription } from '@/lib/billing/subscribe';
import { currentSubscription, invoicesFor } from '@/lib/billing/subscriptions';
import { registryThrough } from '@/test/payments';
import { eventually, webhookReceiver } from '@/test/sandbox';
import { confirmSetup, newSubscriber, subscriptionTestContext } from '@/test/subscriptions';
import { recordWebhookEvent } from './webhook-ledger';
import { processWebhookEvent, type WebhookDeps } from './webhook-worker';

/**
 * The sandbox bills a customer without a test clock as real time passes (its wall-clock
 * scheduler); the webhooks it sends then reach Billfold as any other: signed deliveries,
 * verified with Billfold's verifier, stored in the ledger and applied by the worker.
 */

const t = subscriptionTestContext();
let sql: postgres.Sql;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let deps: WebhookDeps;

beforeAll(async () => {
  sql = postgres(t.sandbox.databaseUrl, { max: 2, onnotice: () => {} });
  receiver = await webhookReceiver();
  const endpoint = await t.sandbox.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
  deps = { db: t.db, payments: registryThrough(t.sandbox.stripe, { webhookSecrets: [String(endpoint.secret)] }) };
});
afterAll(async () => {
  await receiver.close();
  await sql.end();
});

const now = () => Math.floor(Date.now() / 1000);

/** What reached the endpoint since the last call, taken as the webhook route takes it and applied as the worker applies it. */
async function receiveWebhooks(): Promise<void> {
  const stripe = deps.payments.get('stripe');
  for (const delivery of receiver.received.splice(0)) {
    const event = await stripe.webhooks.verify(delivery.body, new Headers({ 'stripe-signature': delivery.signature }));
    if (!event) throw new Error('a sandbox webhook did not verify');
    await recordWebhookEvent(sql, event);
    const [stored] = await t.db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.eventId, event.eventId));
    if (stored) await processWebhookEvent(deps, stored.id);
  }
}

describe('billing by the wall clock, seen from Billfold', () => {
  it('a trial cut to a few seconds turns active in Billfold’s database when the sandbox ends it, and its first charge is recorded paid, with no clock advance', async () => {
    const subscriber = await newSubscriber(t.db, 'wall-clock-trial');
    const started = await startSubscription(t.deps, subscriber, 'pro-monthly-usd');
    await confirmSetup(t, started.handoff);
    const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, started.subscriptionId));
    const providerId = row!.providerSubscriptionId;
    await eventually(async () => {
      await receiveWebhooks();
      return (await currentSubscription(t.db, subscriber.userId))?.status === 'trialing';
    });

    // The trial shortened at the provider (as from Stripe's Dashboard) to end three seconds from now.
    const trialEnd = now() + 3;
    await t.sandbox.stripe.subscriptions.update(providerId, { trial_end: trialEnd });
    const active = await eventually(async () => {
      await receiveWebhooks();
      const view = await currentSubscription(t.db, subscriber.userId);
      return view?.status === 'active' && view;
    });
    expect(active.currentPeriodEnd!.getTime()).toBeGreaterThan(trialEnd * 1000);

    // Stripe charges a renewal an hour after drafting it; that hour brought forward to a second.
    const [draft] = (await t.sandbox.stripe.invoices.list({ subscription: providerId, status: 'draft' })).data;
    expect(draft).toMatchObject({ billing_reason: 'subscription_cycle', amount_due: 2900, automatically_finalizes_at: trialEnd + 3600 });
    await t.sandbox.stripe.invoices.update(draft!.id, { automatically_finalizes_at: now() + 1 });
    const paid = await eventually(async () => {
      await receiveWebhooks();
      return (await invoicesFor(t.db, subscriber.userId)).find((invoice) => invoice.status === 'paid' && invoice.amountPaid.amount === 2900);
    });
    expect(paid).toMatchObject({ amountPaid: { amount: 2900, currency: 'USD' } });
    expect(await currentSubscription(t.db, subscriber.userId)).toMatchObject({ status: 'active', paymentMethod: { last4: '4242' } });
  }, 30_000);
});
