import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { customers, invoices, subscriptions } from '@/db/schema';
import { money } from '@/lib/money';
import type { ProviderInvoice } from '@/lib/payments/types';
import { accessToken } from '@/sandbox/paypal/tests/support';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { applyEvent, confirmPayment, eventApplier, newSubscriber, subscriptionTestContext } from '@/test/subscriptions';
import { customerDetail } from './admin/customers';
import { volumeByCurrency } from './admin/revenue';
import { closeDisownedSubscription } from './disowned-subscriptions';
import { applyBillingChange } from './payment-events';
import { receiptForUser } from './receipts';
import { startSubscription, type StartedSubscription } from './subscribe';
import { invoicesFor, type Subscriber } from './subscriptions';
import { webhookEffect } from './webhook-actions';

/**
 * A subscription payment given back, in part or whole (from Stripe's dashboard, from PayPal, or
 * by Billfold's own disowned-subscriptions job), shows on its invoice everywhere: the portal's
 * list, the receipt, the console, and the console's lifetime value, however its events arrive.
 * Against the sandbox, whose refunds raise what the providers raise.
 */

const t = subscriptionTestContext();
const stripeEvents = eventApplier(t);
const usd = (amount: number) => money(amount, 'USD');

async function invoiceRowsOf(subscriber: Subscriber) {
  return t.db
    .select({ invoice: invoices })
    .from(invoices)
    .innerJoin(customers, eq(customers.id, invoices.customerId))
    .where(eq(customers.userId, subscriber.userId))
    .orderBy(invoices.providerCreatedAt)
    .then((rows) => rows.map((row) => row.invoice));
}

async function onlyInvoiceOf(subscriber: Subscriber) {
  const rows = (await invoiceRowsOf(subscriber)).filter((row) => row.status === 'paid');
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** Everything a subscriber and an admin are shown about one account's invoices. */
async function shown(subscriber: Subscriber) {
  const detail = await customerDetail(t.db, subscriber.userId);
  return {
    portal: (await invoicesFor(t.db, subscriber.userId)).filter((invoice) => invoice.status === 'paid').map((invoice) => invoice.refund),
    console: detail!.invoices.filter((invoice) => invoice.status === 'paid').map((invoice) => invoice.amountRefunded),
    lifetimeValue: detail!.lifetimeValue,
  };
}

describe('a Stripe subscription invoice refunded', () => {
  async function subscribedByCard(label: string) {
    const subscriber = await newSubscriber(t.db, label);
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, started.handoff);
    await stripeEvents.applyNew();
    const invoice = await onlyInvoiceOf(subscriber);
    expect(invoice.providerPaymentId).toMatch(/^pi_/);
    return { subscriber, invoice, intentId: invoice.providerPaymentId! };
  }

  it('shows Partly refunded with the amount, then Refunded, in the portal and the console, and nets it out of lifetime value', async () => {
    const { subscriber, invoice, intentId } = await subscribedByCard('stripe-refund-steps');
    const paid = invoice.amountPaid;
    expect(await shown(subscriber)).toEqual({ portal: [null], console: [usd(0)], lifetimeValue: [usd(paid)] });

    const today = async () => (await volumeByCurrency(t.db, new Date())).find((volume) => volume.currency === 'USD')!.windows.today;
    const before = await today();

    // Refunded from Stripe's dashboard: Billfold hears of it only through the charge's and refund's events.
    await t.sandbox.stripe.refunds.create({ payment_intent: intentId, amount: 300 });
    await stripeEvents.applyNew();
    expect(await shown(subscriber)).toEqual({
      portal: [{ kind: 'partly_refunded', amount: usd(300) }],
      console: [usd(300)],
      lifetimeValue: [usd(paid - 300)],
    });
    // The overview's revenue nets it out too: the invoice's payment is one of the payments it sums.
    const after = await today();
    expect([after.gross, after.refunded, after.net]).toEqual([before.gross, usd(before.refunded.amount + 300), usd(before.net.amount - 300)]);

    await t.sandbox.stripe.refunds.create({ payment_intent: intentId });
    await stripeEvents.applyNew();
    expect(await shown(subscriber)).toEqual({ portal: [{ kind: 'refunded', amount: usd(paid) }], console: [usd(paid)], lifetimeValue: [] });
    // Still a paid invoice: the money was collected, then given back.
    expect((await onlyInvoiceOf(subscriber)).status).toBe('paid');
  });

  it('ends with the refund whatever order the events arrive in, and again when all are redelivered', async () => {
    const subscriber = await newSubscriber(t.db, 'stripe-refund-order');
    const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    const intent = await confirmPayment(t, started.handoff);
    await t.sandbox.stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    // The refund's events first, before the invoice is recorded at all; then everything else.
    const refundFirst = (events: Stripe.Event[]) => [...events.filter((event) => /refund/.test(event.type)), ...events.filter((event) => !/refund/.test(event.type))];
    const applied = await stripeEvents.applyNew(refundFirst);
    expect(applied.some((event) => event.type === 'charge.refunded')).toBe(true);
    const { updatedAt: _written, providerUpdatedAt: _read, ...invoice } = await onlyInvoiceOf(subscriber);
    expect(invoice.amountRefunded).toBe(500);

    for (const event of [...applied].reverse()) await applyEvent(t, event);
    expect(await onlyInvoiceOf(subscriber)).toMatchObject(invoice);
  });

  it('never lowers what was refunded for a stale read of the invoice, nor records more than was paid', async () => {
    const { subscriber, invoice, intentId } = await subscribedByCard('stripe-refund-stale');
    // Read before the refund, written after it: a worker that was slow to commit.
    const stale = await t.deps.subscriptions.retrieveInvoice(invoice.providerInvoiceId);
    expect(stale.amountRefunded).toEqual(usd(0));
    await t.sandbox.stripe.refunds.create({ payment_intent: intentId, amount: 200 });
    await stripeEvents.applyNew();
    const key = { provider: 'stripe' as const, providerCustomerId: stale.customerId };
    await applyBillingChange(t.db, key, async () => ({ kind: 'subscription', subscription: null, invoices: [stale] }));
    expect((await onlyInvoiceOf(subscriber)).amountRefunded).toBe(200);

    const overstated: ProviderInvoice = { ...stale, amountRefunded: usd(invoice.amountPaid + 100) };
    await applyBillingChange(t.db, key, async () => ({ kind: 'subscription', subscription: null, invoices: [overstated] }));
    expect((await onlyInvoiceOf(subscriber)).amountRefunded).toBe(invoice.amountPaid);
  });
});

interface PaypalEvent {
  id: string;
  event_type: string;
  resource: { id?: string; billing_agreement_id?: string; sale_id?: string };
}

async function paypalEvents(): Promise<PaypalEvent[]> {
  const rows = await t.db.execute<{ event: PaypalEvent }>(sql`select data->'resource' as event from sandbox.objects where type = 'paypal_event' order by seq`);
  return rows.map((row) => row.event);
}

async function applyPaypalEvent(event: PaypalEvent): Promise<void> {
  const action = await t.paypal.webhooks.classify({ type: event.event_type, payload: event });
  if (!action) return;
  const effect = webhookEffect(t.paypal, action);
  await applyBillingChange(t.db, effect.key, effect.refetch);
}

/** The events about a PayPal subscription and its sales, their refunds included. */
async function paypalEventsOf(subscriptionId: string, saleIds: string[] = []): Promise<PaypalEvent[]> {
  return (await paypalEvents()).filter(
    (event) => event.resource.id === subscriptionId || event.resource.billing_agreement_id === subscriptionId || saleIds.includes(event.resource.sale_id ?? ''),
  );
}

function paypalIdOf(started: StartedSubscription): string {
  if (started.handoff.kind !== 'approval' || !started.handoff.approveUrl) throw new Error('expected a PayPal approval');
  return started.handoff.providerOrderId;
}

async function approve(started: StartedSubscription): Promise<void> {
  if (started.handoff.kind !== 'approval' || !started.handoff.approveUrl) throw new Error('expected a PayPal approval');
  expect((await decide(started.handoff.approveUrl, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
}

/** A refund made at PayPal (its REST API, as the merchant's dashboard does), of `value` or of what is left. */
async function refundAtPaypal(saleId: string, value?: string): Promise<void> {
  const paypalUrl = `${t.sandbox.server.url}/paypal`;
  const response = await fetch(`${paypalUrl}/v1/payments/sale/${saleId}/refund`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await accessToken(paypalUrl)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(value ? { amount: { total: value, currency: 'USD' } } : {}),
  });
  expect(response.status).toBe(201);
}

describe('a PayPal subscription payment refunded', () => {
  it('shows Refunded on the invoice and its receipt once the disowned-subscriptions job gave the payment back, and nets it out', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-disowned-refund');
    const abandoned = await startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd');
    const byCard = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
    await confirmPayment(t, byCard.handoff);
    await stripeEvents.applyNew();
    // The PayPal window left open: the buyer approves there, PayPal takes the first payment, and Billfold gives it back.
    await approve(abandoned);
    const id = paypalIdOf(abandoned);
    for (const event of await paypalEventsOf(id)) await applyPaypalEvent(event);
    const [given] = await t.db.select().from(subscriptions).where(eq(subscriptions.providerSubscriptionId, id));
    const sale = (await invoiceRowsOf(subscriber)).find((row) => row.provider === 'paypal' && row.status === 'paid')!;
    expect(sale.amountRefunded).toBe(0);

    const closed = await closeDisownedSubscription({ db: t.db, depsOf: (name: string) => (name === 'paypal' ? t.paypalDeps : t.deps) }, given!.id);
    expect(closed.outcome).toBe('closed');
    const refundEvents = (await paypalEventsOf(id, [sale.providerInvoiceId])).filter((event) => event.event_type === 'PAYMENT.SALE.REFUNDED');
    expect(refundEvents).toHaveLength(1);
    await applyPaypalEvent(refundEvents[0]!);

    const [row] = await t.db.select().from(invoices).where(eq(invoices.id, sale.id));
    expect(row).toMatchObject({ status: 'paid', amountPaid: 900, amountRefunded: 900 });
    expect((await invoicesFor(t.db, subscriber.userId)).find((invoice) => invoice.id === sale.id)?.refund).toEqual({ kind: 'refunded', amount: usd(900) });
    expect((await receiptForUser(t.db, subscriber.userId, sale.id))?.refund).toEqual({ kind: 'refunded', amount: usd(900) });
    // Only the card subscription's payment is kept.
    const card = (await invoiceRowsOf(subscriber)).find((each) => each.provider === 'stripe')!;
    expect((await customerDetail(t.db, subscriber.userId))?.lifetimeValue).toEqual([usd(card.amountPaid)]);
  });

  it('shows a partial refund’s amount, which PayPal’s transactions do not give, and ends fully refunded whatever order the refunds’ events come in, and when they come again', async () => {
    const subscriber = await newSubscriber(t.db, 'paypal-partial-refund');
    const started = await startSubscription(t.paypalDeps, subscriber, 'starter-monthly-usd');
    await approve(started);
    const id = paypalIdOf(started);
    for (const event of await paypalEventsOf(id)) await applyPaypalEvent(event);
    const sale = await onlyInvoiceOf(subscriber);
    expect(sale.amountPaid).toBe(900);

    await refundAtPaypal(sale.providerInvoiceId, '2.00');
    const [partial] = (await paypalEventsOf(id, [sale.providerInvoiceId])).filter((event) => event.event_type === 'PAYMENT.SALE.REFUNDED');
    await applyPaypalEvent(partial!);
    expect((await onlyInvoiceOf(subscriber)).amountRefunded).toBe(200);
    // A re-read of the subscription (any of its events) lists the sale PARTIALLY_REFUNDED, without the amount: 2.00 stays.
    for (const event of await paypalEventsOf(id)) await applyPaypalEvent(event);
    expect((await invoicesFor(t.db, subscriber.userId)).map((invoice) => invoice.refund)).toEqual([{ kind: 'partly_refunded', amount: usd(200) }]);

    await refundAtPaypal(sale.providerInvoiceId);
    const refunds = (await paypalEventsOf(id, [sale.providerInvoiceId])).filter((event) => event.event_type === 'PAYMENT.SALE.REFUNDED');
    expect(refunds).toHaveLength(2);
    // The rest's event first, then the first refund's late, then both again.
    for (const event of [...refunds].reverse()) await applyPaypalEvent(event);
    expect((await onlyInvoiceOf(subscriber)).amountRefunded).toBe(900);
    for (const event of refunds) await applyPaypalEvent(event);
    expect((await onlyInvoiceOf(subscriber)).amountRefunded).toBe(900);
    expect((await receiptForUser(t.db, subscriber.userId, sale.id))?.refund).toEqual({ kind: 'refunded', amount: usd(900) });
    expect((await customerDetail(t.db, subscriber.userId))?.lifetimeValue).toEqual([]);
  });
});
