import { eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoices, prices, subscriptions, webhookEvents } from '@/db/schema';
import { startSubscription } from '@/lib/billing/subscribe';
import { registryThrough } from '@/test/payments';
import { allEvents, confirmPayment, subscriberOnClock, subscriptionTestContext } from '@/test/subscriptions';
import { recordWebhookEvent } from './webhook-ledger';
import { processWebhookEvent, processWebhookEvents, type WebhookDeps } from './webhook-worker';

const t = subscriptionTestContext();
let sql: postgres.Sql;
let deps: WebhookDeps;

beforeAll(() => {
  sql = postgres(t.sandbox.databaseUrl, { max: 2, onnotice: () => {} });
  deps = { db: t.db, payments: registryThrough(t.sandbox.stripe) };
});
afterAll(async () => {
  await sql.end();
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** Stores events as the webhook route does (ledger row and job), returning their ledger ids in order. */
async function ingest(events: Stripe.Event[]): Promise<string[]> {
  for (const event of events) {
    await recordWebhookEvent(sql, { provider: 'stripe', eventId: event.id, type: event.type, payloadJson: JSON.stringify(event) });
  }
  const rows = await t.db.select({ id: webhookEvents.id, eventId: webhookEvents.eventId }).from(webhookEvents).where(inArray(webhookEvents.eventId, events.map((event) => event.id)));
  return events.map((event) => rows.find((row) => row.eventId === event.id)!.id);
}

/** Forgets everything recorded about a subscription, and the events that recorded it. */
async function forget(providerSubscriptionId: string, events: Stripe.Event[]) {
  const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, providerSubscriptionId));
  if (row) {
    await t.db.delete(invoices).where(eq(invoices.subscriptionId, row.id));
    await t.db.delete(subscriptions).where(eq(subscriptions.id, row.id));
  }
  await t.db.delete(webhookEvents).where(inArray(webhookEvents.eventId, events.map((event) => event.id)));
}

describe('subscription webhooks out of order', () => {
  it('end in the state the provider holds, for every order of created, updated, invoice.paid and deleted', async () => {
    const { subscriber } = await subscriberOnClock(t, 'orders');
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, started.subscriptionId));
    const subscriptionId = row!.providerSubscriptionId;
    // The provider ends it (as after the last failed retry, or from its dashboard).
    await t.sandbox.stripe.subscriptions.cancel(subscriptionId);

    const about = (await allEvents(t)).filter((event) => JSON.stringify(event.data.object).includes(subscriptionId));
    const pick = (type: string, match: (event: Stripe.Event) => boolean = () => true) => {
      const found = about.find((event) => event.type === type && match(event));
      if (!found) throw new Error(`no ${type} event`);
      return found;
    };
    const chosen = [
      pick('customer.subscription.created'),
      pick('customer.subscription.updated', (event) => (event.data.previous_attributes as Partial<Stripe.Subscription>)?.status === 'incomplete'),
      pick('invoice.paid'),
      pick('customer.subscription.deleted'),
    ];

    const atSandbox = await t.sandbox.stripe.subscriptions.retrieve(subscriptionId);
    const invoiceAtSandbox = await t.sandbox.stripe.invoices.retrieve(String((chosen[2]!.data.object as Stripe.Invoice).id));
    expect(atSandbox.status).toBe('canceled');
    const [starter] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'starter-monthly-usd'));

    const orders = permutations(chosen);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      await forget(subscriptionId, chosen);
      for (const id of await ingest(order)) await processWebhookEvent(deps, id);

      const [stored] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, subscriptionId));
      expect(stored, order.map((event) => event.type).join(' → ')).toMatchObject({
        userId: subscriber.userId,
        status: 'canceled',
        priceId: starter!.id,
        endedAt: new Date(atSandbox.ended_at! * 1000),
        canceledAt: new Date(atSandbox.canceled_at! * 1000),
        currentPeriodEnd: new Date(atSandbox.items.data[0]!.current_period_end * 1000),
        providerCreatedAt: new Date(atSandbox.created * 1000),
        paymentMethodLast4: '4242',
      });
      const storedInvoices = await t.db.select().from(invoices).where(eq(invoices.subscriptionId, stored!.id));
      expect(storedInvoices).toEqual([
        expect.objectContaining({ providerInvoiceId: invoiceAtSandbox.id, status: 'paid', amountPaid: invoiceAtSandbox.amount_paid, amountRemaining: 0, currency: 'USD' }),
      ]);
      const ledger = await t.db.select().from(webhookEvents).where(inArray(webhookEvents.eventId, chosen.map((event) => event.id)));
      expect(ledger.map((entry) => entry.status)).toEqual(['processed', 'processed', 'processed', 'processed']);
    }
  }, 120_000);

  it('applies a storm of every event about a subscription, duplicated and in batches, to the provider’s state', async () => {
    const { subscriber } = await subscriberOnClock(t, 'storm');
    const started = await startSubscription(t.deps, subscriber, 'starter-yearly-usd');
    await confirmPayment(t, started.handoff);
    const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, started.subscriptionId));
    const subscriptionId = row!.providerSubscriptionId;
    await t.sandbox.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });

    const about = (await allEvents(t)).filter((event) => JSON.stringify(event.data.object).includes(subscriptionId));
    await forget(subscriptionId, about);
    const shuffled = [...about, ...about].sort(() => Math.random() - 0.5);
    const ids = await ingest(shuffled);
    const failures = await processWebhookEvents(deps, [...new Set(ids)]);
    expect(failures.size).toBe(0);

    const [stored] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, subscriptionId));
    const atSandbox = await t.sandbox.stripe.subscriptions.retrieve(subscriptionId);
    expect(stored).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, cancelAt: new Date(atSandbox.cancel_at! * 1000) });
  }, 60_000);
});
