import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isolatedSandbox } from '@/test/sandbox';
import { billingFixtures, DAY, periodOf } from './billing-fixtures';

const t = isolatedSandbox();
const f = billingFixtures(t);

/** POST /_sandbox/customers/:id/advance, as a Playwright test would call it. */
async function advanceCustomer(customerId: string, body: unknown) {
  const response = await fetch(`${t.server.url}/_sandbox/customers/${customerId}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Stripe.TestHelpers.TestClock & { error?: { message: string; code?: string } } };
}

describe('moving one customer through time', () => {
  it('attaches a clock frozen at the present to a customer without one and renews its wall-clock subscription on time', async () => {
    const price = await f.price(1200);
    const { customer } = await f.customerWithCard('4242424242424242', { email: 'traveller@example.com' });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(subscription.test_clock).toBeNull();
    const { end } = periodOf(subscription);
    const bystander = await f.customerWithCard('4242424242424242', { email: 'bystander@example.com' });
    const untouched = await t.stripe.subscriptions.create({ customer: bystander.customer.id, items: [{ price: price.id }] });

    const before = Math.floor(Date.now() / 1000);
    const { status, body: clock } = await advanceCustomer(customer.id, { days: 32 });
    expect(status).toBe(200);
    expect(clock).toMatchObject({ object: 'test_helpers.test_clock', status: 'ready' });
    expect(clock.frozen_time - 32 * DAY).toBeGreaterThanOrEqual(before);
    expect(clock.frozen_time - 32 * DAY).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(((await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer).test_clock).toBe(clock.id);
    expect(await f.eventsFor(clock.id, 'test_helpers.test_clock.created')).toHaveLength(1);
    expect(await f.eventsFor(clock.id, 'test_helpers.test_clock.ready')).toHaveLength(1);

    // Simulated time carries on from the real present: the renewal comes at the period's end.
    const renewed = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(renewed).toMatchObject({ status: 'active', test_clock: clock.id });
    expect(periodOf(renewed).start).toBe(end);
    const invoices = await f.invoicesOf(subscription);
    expect(invoices.map((invoice) => [invoice.billing_reason, invoice.status, invoice.amount_paid])).toEqual([
      ['subscription_create', 'paid', 1200],
      ['subscription_cycle', 'paid', 1200],
    ]);
    expect(invoices[1]).toMatchObject({ created: end, test_clock: clock.id });

    // Nobody else moved.
    expect(periodOf(await t.stripe.subscriptions.retrieve(untouched.id))).toEqual(periodOf(untouched));
    expect(((await t.stripe.customers.retrieve(bystander.customer.id)) as Stripe.Customer).test_clock).toBeNull();

    // The next advance continues on the same clock, to a given moment.
    const again = await advanceCustomer(customer.id, { to: clock.frozen_time + DAY });
    expect(again.body).toMatchObject({ id: clock.id, frozen_time: clock.frozen_time + DAY });
  });

  it('runs a trial to its end: trial_will_end three days ahead, then the first charge', async () => {
    const price = await f.price(2500);
    const { customer } = await f.customerWithCard('4242424242424242');
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14 });
    await advanceCustomer(customer.id, { days: 10 });
    expect(await f.eventsFor(subscription.id, 'customer.subscription.trial_will_end')).toHaveLength(0);
    await advanceCustomer(customer.id, { days: 1.5 });
    const notice = await f.eventsFor(subscription.id, 'customer.subscription.trial_will_end');
    expect(notice).toHaveLength(1);
    await advanceCustomer(customer.id, { days: 3 });
    const active = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    expect((await f.invoicesOf(subscription)).map((invoice) => [invoice.total, invoice.status])).toEqual([
      [0, 'paid'],
      [2500, 'paid'],
    ]);
  });

  it('applies a scheduled downgrade when the customer reaches the period end', async () => {
    const team = await f.price(3000, { name: 'Team' });
    const basic = await f.price(1000, { name: 'Basic' });
    const { customer } = await f.customerWithCard('4242424242424242');
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: team.id }] });
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    const current = schedule.phases[0] as Stripe.SubscriptionSchedule.Phase;
    await t.stripe.subscriptionSchedules.update(schedule.id, {
      phases: [
        { items: [{ price: team.id }], start_date: current.start_date, end_date: current.end_date },
        { items: [{ price: basic.id }], duration: { interval: 'month' } },
      ],
    });
    await advanceCustomer(customer.id, { to: current.end_date + 2 * 3600 });
    const downgraded = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(downgraded.items.data.map((item) => item.price.id)).toEqual([basic.id]);
    expect((await f.invoicesOf(subscription)).at(-1)).toMatchObject({ amount_paid: 1000, billing_reason: 'subscription_cycle' });
  });

  it('refuses what it cannot do and changes nothing', async () => {
    const { customer } = await f.customerWithCard(null);
    for (const body of [{}, { days: 0 }, { days: -1 }, { days: 'two' }, { days: 1, to: 2_000_000_000 }, { weeks: 1 }]) {
      const { status, body: answer } = await advanceCustomer(customer.id, body);
      expect(status).toBe(400);
      expect(answer.error?.message).toBeTruthy();
    }
    const past = await advanceCustomer(customer.id, { to: 1_000_000_000 });
    expect(past.status).toBe(400);
    expect(past.body.error?.message).toContain('must be after its current frozen_time');
    // A refused advance attaches no clock either.
    expect(((await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer).test_clock).toBeNull();
    const unknown = await advanceCustomer('cus_missing', { days: 1 });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
    const get = await fetch(`${t.server.url}/_sandbox/customers/${customer.id}/advance`);
    expect(get.status).toBe(405);
  });

  it('is a form on the dashboard', async () => {
    const { customer } = await f.customerWithCard(null, { email: 'dashboard-traveller@example.com' });
    const html = await (await fetch(`${t.server.url}/`)).text();
    expect(html).toContain('action="/_sandbox/dashboard/advance-customer"');
    const response = await fetch(`${t.server.url}/_sandbox/dashboard/advance-customer`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ customer: customer.id, days: '3' }),
    });
    const notice = new URL(String(response.headers.get('location')), t.server.url).searchParams.get('notice') ?? '';
    expect(notice).toContain(`${customer.id} is now at`);
    const clock = ((await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer).test_clock;
    expect(typeof clock).toBe('string');
    expect(await (await fetch(`${t.server.url}/`)).text()).toContain('(test clock)');
  });
});
