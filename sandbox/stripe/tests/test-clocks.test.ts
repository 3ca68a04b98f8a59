import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';
import { APRIL_1, billingFixtures, DAY, periodOf } from './billing-fixtures';

const t = isolatedSandbox();
const f = billingFixtures(t);
const MAY_1 = Date.UTC(2026, 4, 1) / 1000;
const JUNE_1 = Date.UTC(2026, 5, 1) / 1000;

async function setBillingSettings(settings: Record<string, unknown>) {
  const response = await fetch(`${t.server.url}/_sandbox/billing`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(settings) });
  expect(response.status).toBe(200);
  return response.json() as Promise<Record<string, unknown>>;
}

describe('test clocks', () => {
  it('are created, listed, advanced (advancing → ready) and deleted with their customers', async () => {
    const clock = await f.clock();
    expect(clock).toMatchObject({ object: 'test_helpers.test_clock', frozen_time: APRIL_1, status: 'ready', name: 'billing test' });
    expect((await t.stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toContain(clock.id);

    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    expect(customer.created).toBe(APRIL_1);
    expect(customer.test_clock).toBe(clock.id);

    const advanced = await f.advance(clock, APRIL_1 + 3 * DAY);
    // The advance runs inside the request: the clock is already ready at its new time.
    expect(advanced).toMatchObject({ status: 'ready', frozen_time: APRIL_1 + 3 * DAY });
    expect(await t.stripe.testHelpers.testClocks.retrieve(clock.id)).toMatchObject({ status: 'ready', frozen_time: APRIL_1 + 3 * DAY });
    const advancing = await f.eventsFor(clock.id, 'test_helpers.test_clock.advancing');
    expect(advancing[0]?.data.object).toMatchObject({ status: 'advancing', status_details: { advancing: { target_frozen_time: APRIL_1 + 3 * DAY } } });
    expect(await f.eventsFor(clock.id, 'test_helpers.test_clock.ready')).toHaveLength(1);

    const backwards = await stripeError(f.advance(clock, APRIL_1));
    expect(backwards).toMatchObject({ statusCode: 400, param: 'frozen_time' });

    const deleted = await t.stripe.testHelpers.testClocks.del(clock.id);
    expect(deleted).toMatchObject({ id: clock.id, deleted: true });
    expect((await stripeError(t.stripe.testHelpers.testClocks.retrieve(clock.id))).statusCode).toBe(404);
    expect((await stripeError(t.stripe.customers.retrieve(customer.id))).statusCode).toBe(404);
    const unknownClock = await stripeError(t.stripe.customers.create({ test_clock: 'clock_nope' }));
    expect(unknownClock).toMatchObject({ statusCode: 404, param: 'test_clock' });
  });
});

describe('renewals', () => {
  it('renews on the period end: a draft for an hour, then a paid invoice for the next period', async () => {
    const clock = await f.clock();
    const price = await f.price(1000);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(periodOf(subscription)).toEqual({ start: APRIL_1, end: MAY_1 });

    await f.advance(clock, MAY_1 - 2 * DAY);
    const upcoming = (await t.stripe.events.list({ type: 'invoice.upcoming', limit: 100 })).data.filter(
      (event) => (event.data.object as Stripe.Invoice).parent?.subscription_details?.subscription === subscription.id,
    );
    expect(upcoming).toHaveLength(1);
    expect(upcoming[0]?.data.object).toMatchObject({ billing_reason: 'subscription_cycle', total: 1000, created: MAY_1 - 3 * DAY, lines: { data: [{ period: { start: MAY_1, end: JUNE_1 } }] } });

    await f.advance(clock, MAY_1 + 60);
    const drafting = await f.invoicesOf(subscription);
    expect(drafting).toHaveLength(2);
    expect(drafting[1]).toMatchObject({ status: 'draft', billing_reason: 'subscription_cycle', automatically_finalizes_at: MAY_1 + 3600, number: null });

    await f.advance(clock, MAY_1 + 2 * 3600);
    const renewed = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.status).toBe('active');
    expect(periodOf(renewed)).toEqual({ start: MAY_1, end: JUNE_1 });
    const invoices = await f.invoicesOf(subscription);
    const second = invoices[1] as Stripe.Invoice;
    expect(second).toMatchObject({ status: 'paid', amount_paid: 1000, billing_reason: 'subscription_cycle', created: MAY_1, period_start: APRIL_1, period_end: MAY_1 });
    expect(second.number).toBe(`${customer.invoice_prefix}-0002`);
    expect(second.status_transitions.paid_at).toBe(MAY_1 + 3600);
    expect(second.lines.data[0]).toMatchObject({ amount: 1000, period: { start: MAY_1, end: JUNE_1 } });
    expect(renewed.latest_invoice).toBe(second.id);
    const charges = await t.stripe.charges.list({ customer: customer.id });
    expect(charges.data[0]).toMatchObject({ amount: 1000, status: 'succeeded', created: MAY_1 + 3600 });

    // Two more months in one advance: each renewal happens at its own time.
    await f.advance(clock, Date.UTC(2026, 6, 15) / 1000);
    const later = await f.invoicesOf(subscription);
    expect(later.map((invoice) => invoice.status)).toEqual(['paid', 'paid', 'paid', 'paid']);
    expect(later.map((invoice) => invoice.created)).toEqual([APRIL_1, MAY_1, JUNE_1, Date.UTC(2026, 6, 1) / 1000]);
  });

  it('a trial: trialing, trial_will_end three days before the end, the first charge when it ends', async () => {
    const clock = await f.clock();
    const price = await f.price(2500);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14, expand: ['latest_invoice'] });
    expect(subscription).toMatchObject({ status: 'trialing', trial_start: APRIL_1, trial_end: APRIL_1 + 14 * DAY });
    expect(subscription.latest_invoice).toMatchObject({ status: 'paid', amount_due: 0 });

    await f.advance(clock, APRIL_1 + 10 * DAY);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.trial_will_end')).toHaveLength(0);
    await f.advance(clock, APRIL_1 + 12 * DAY);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.trial_will_end')).toHaveLength(1);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('trialing');

    await f.advance(clock, APRIL_1 + 14 * DAY + 2 * 3600);
    const active = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    expect(periodOf(active)).toEqual({ start: APRIL_1 + 14 * DAY, end: Date.UTC(2026, 4, 15) / 1000 });
    const invoices = await f.invoicesOf(subscription);
    expect(invoices.map((invoice) => [invoice.total, invoice.status])).toEqual([
      [0, 'paid'],
      [2500, 'paid'],
    ]);
    const updated = await f.eventsFor(subscription.id, 'customer.subscription.updated');
    expect(updated.some((event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).status === 'trialing')).toBe(true);
  });

  it('a trial ending without a payment method can pause the subscription', async () => {
    const clock = await f.clock();
    const price = await f.price(2500);
    const { customer } = await f.customerWithCard(null, { clock });
    const subscription = await t.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 7,
      trial_settings: { end_behavior: { missing_payment_method: 'pause' } },
    });
    await f.advance(clock, APRIL_1 + 8 * DAY);
    const paused = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(paused.status).toBe('paused');
    expect(paused.status_details?.paused?.subscription.type).toBe('trial_end_without_payment_method');
    expect(await f.eventsFor(subscription.id, 'customer.subscription.paused')).toHaveLength(1);
  });
});

describe('failed renewals', () => {
  afterEach(async () => {
    await setBillingSettings({ retryDays: [3, 5, 7], afterFinalFailure: 'cancel' });
  });

  async function failingSubscription() {
    const clock = await f.clock();
    const price = await f.price(1000);
    // 4000000000000341 attaches fine and then declines every charge.
    const { customer } = await f.customerWithCard('4000000000000341', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 30 });
    const renewalAt = APRIL_1 + 30 * DAY + 3600;
    return { clock, customer, subscription, renewalAt };
  }

  it('goes past_due, is retried 3, 5 and 7 days later, then canceled', async () => {
    const { clock, subscription, renewalAt } = await failingSubscription();
    await f.advance(clock, renewalAt + 60);
    const pastDue = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(pastDue.status).toBe('past_due');
    const open = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(open).toMatchObject({ status: 'open', attempt_count: 1, next_payment_attempt: renewalAt + 3 * DAY });
    const failed = await f.eventsFor(open.id, 'invoice.payment_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data.object).toMatchObject({ next_payment_attempt: renewalAt + 3 * DAY });

    await f.advance(clock, renewalAt + 3 * DAY + 60);
    expect(await t.stripe.invoices.retrieve(open.id)).toMatchObject({ attempt_count: 2, next_payment_attempt: renewalAt + 5 * DAY });
    await f.advance(clock, renewalAt + 5 * DAY + 60);
    expect(await t.stripe.invoices.retrieve(open.id)).toMatchObject({ attempt_count: 3, next_payment_attempt: renewalAt + 7 * DAY });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');

    await f.advance(clock, renewalAt + 7 * DAY + 60);
    const canceled = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: renewalAt + 7 * DAY });
    expect(canceled.cancellation_details?.reason).toBe('payment_failed');
    expect(await t.stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
    expect(await f.eventsFor(open.id, 'invoice.payment_failed')).toHaveLength(4);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.deleted')).toHaveLength(1);
  });

  it('comes back to active when the customer updates the card and the open invoice is paid', async () => {
    const { clock, customer, subscription, renewalAt } = await failingSubscription();
    await f.advance(clock, renewalAt + 60);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const open = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;

    const card = await f.card('4242424242424242');
    await t.stripe.paymentMethods.attach(card.id, { customer: customer.id });
    await t.stripe.subscriptions.update(subscription.id, { default_payment_method: card.id });
    const paid = await t.stripe.invoices.pay(open.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1000, attempt_count: 2, next_payment_attempt: null });
    const active = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    const reactivated = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).at(-1);
    expect(reactivated?.data.previous_attributes).toMatchObject({ status: 'past_due' });

    // No retries are left scheduled: the next thing to happen is the next renewal.
    await f.advance(clock, renewalAt + 8 * DAY);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('paying with the declined card again fails with a card error and stays past_due', async () => {
    const { clock, subscription, renewalAt } = await failingSubscription();
    await f.advance(clock, renewalAt + 60);
    const open = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    const error = await stripeError(t.stripe.invoices.pay(open.id));
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect(await t.stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'open', attempt_count: 2, next_payment_attempt: renewalAt + 3 * DAY });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
  });

  it('becomes unpaid instead of canceled when the account is set up that way', async () => {
    expect(await setBillingSettings({ retryDays: [2], afterFinalFailure: 'unpaid' })).toEqual({ retryDays: [2], afterFinalFailure: 'unpaid' });
    const { clock, subscription, renewalAt } = await failingSubscription();
    await f.advance(clock, renewalAt + 2 * DAY + 60);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('unpaid');
    // Unpaid subscriptions keep invoicing without trying to charge.
    const { end } = periodOf(await t.stripe.subscriptions.retrieve(subscription.id));
    await f.advance(clock, end + 2 * 3600);
    const invoices = await f.invoicesOf(subscription);
    expect(invoices.at(-1)).toMatchObject({ status: 'open', attempt_count: 0, billing_reason: 'subscription_cycle' });
  });

  it('refuses invalid billing settings', async () => {
    const response = await fetch(`${t.server.url}/_sandbox/billing`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ afterFinalFailure: 'explode' }) });
    expect(response.status).toBe(400);
  });
});
