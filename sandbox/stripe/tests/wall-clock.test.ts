import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '@/sandbox/server';
import { eventually, isolatedSandbox, webhookReceiver } from '@/test/sandbox';
import { APRIL_1, billingFixtures } from './billing-fixtures';

/**
 * Billing by the wall clock (billing/wall-clock.ts): a customer without a test clock is billed
 * as real time passes, with no clock advance. Stripe's periods are days at the shortest, so what
 * can happen within a test's seconds is what a timestamp given through the API sets off: a trial
 * ending (`trial_end`), a renewal draft finalized when its `automatically_finalizes_at` comes
 * (Stripe's hour, brought forward as Stripe allows), a schedule starting, a cancellation.
 */

const t = isolatedSandbox();
const f = billingFixtures(t);
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;

beforeAll(async () => {
  receiver = await webhookReceiver();
  await t.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
});
afterAll(async () => {
  await receiver.close();
});

const now = () => Math.floor(Date.now() / 1000);

function delivered(type: Stripe.Event.Type, objectId: string): Stripe.Event[] {
  return receiver.received
    .map((webhook) => JSON.parse(webhook.body) as Stripe.Event)
    .filter((event) => event.type === type && (event.data.object as { id?: string }).id === objectId);
}

describe('billing by the wall clock', () => {
  it('a subscription without a test clock whose trial_end is a few seconds away is charged by the sandbox’s scheduler with no clock advance', async () => {
    const price = await f.price(2500);
    const { customer } = await f.customerWithCard('4242424242424242', { email: 'wall-clock-trial@example.com' });
    const trialEnd = now() + 3;
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: trialEnd });
    expect(subscription).toMatchObject({ status: 'trialing', test_clock: null });

    // The trial ends on time: active, a new period, and the renewal draft for Stripe's hour.
    const draft = await eventually(async () => {
      const invoices = await f.invoicesOf(subscription);
      return invoices.length === 2 && invoices[1];
    });
    expect(draft).toMatchObject({ status: 'draft', billing_reason: 'subscription_cycle', total: 2500, created: trialEnd, automatically_finalizes_at: trialEnd + 3600 });
    const active = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(active).toMatchObject({ status: 'active', latest_invoice: draft.id });
    // trial_will_end came at once: the trial was shorter than the three days' notice.
    expect(await f.eventsFor(subscription.id, 'customer.subscription.trial_will_end')).toHaveLength(1);

    // The draft's finalization brought forward to a moment two seconds away: charged then.
    const finalizesAt = now() + 2;
    await t.stripe.invoices.update(draft.id, { automatically_finalizes_at: finalizesAt });
    const paid = await eventually(async () => {
      const invoice = await t.stripe.invoices.retrieve(draft.id);
      return invoice.status === 'paid' && invoice;
    });
    expect(paid).toMatchObject({ amount_paid: 2500, attempt_count: 1 });
    expect(paid.status_transitions.finalized_at).toBeGreaterThanOrEqual(finalizesAt);

    // Both reached the webhook endpoint, stamped with the wall-clock time they happened at.
    const [paidEvent] = await eventually(() => delivered('invoice.paid', draft.id).length > 0 && delivered('invoice.paid', draft.id));
    expect(paidEvent?.created).toBeGreaterThanOrEqual(finalizesAt);
    expect(paidEvent?.created).toBeLessThanOrEqual(now());
    expect(paidEvent?.request).toEqual({ id: null, idempotency_key: null });
    const updates = await eventually(() => {
      const events = delivered('customer.subscription.updated', subscription.id);
      return events.some((event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).status === 'trialing') && events;
    });
    const trialEnded = updates.find((event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).status === 'trialing');
    expect(trialEnded?.created).toBeGreaterThanOrEqual(trialEnd);
    expect(trialEnded?.created).toBeLessThan(trialEnd + 5);
    expect(trialEnded?.data.object).toMatchObject({ status: 'active' });
  });

  it('starts a schedule when its start_date comes and charges the first invoice then, with no clock advance', async () => {
    const price = await f.price(1500);
    const { customer } = await f.customerWithCard('4242424242424242', { email: 'wall-clock-schedule@example.com' });
    const startDate = now() + 3;
    const schedule = await t.stripe.subscriptionSchedules.create({ customer: customer.id, start_date: startDate, phases: [{ items: [{ price: price.id }], duration: { interval: 'month' } }] });
    expect(schedule).toMatchObject({ status: 'not_started', subscription: null });

    const started = await eventually(async () => {
      const current = await t.stripe.subscriptionSchedules.retrieve(schedule.id);
      return current.status === 'active' && current;
    });
    const subscription = await t.stripe.subscriptions.retrieve(String(started.subscription), { expand: ['latest_invoice'] });
    expect(subscription).toMatchObject({ status: 'active', start_date: startDate, test_clock: null });
    expect(subscription.latest_invoice).toMatchObject({ status: 'paid', amount_paid: 1500, billing_reason: 'subscription_create' });
    await eventually(() => delivered('customer.subscription.created', subscription.id).length === 1);
  });

  it('cancels at cancel_at by the wall clock', async () => {
    const price = await f.price(1000);
    const { customer } = await f.customerWithCard('4242424242424242', { email: 'wall-clock-cancel@example.com' });
    const cancelAt = now() + 3;
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], cancel_at: cancelAt });
    expect(subscription).toMatchObject({ status: 'active', cancel_at: cancelAt });

    const [deleted] = await eventually(() => delivered('customer.subscription.deleted', subscription.id).length > 0 && delivered('customer.subscription.deleted', subscription.id));
    expect(deleted?.data.object).toMatchObject({ status: 'canceled', ended_at: cancelAt });
    expect(deleted?.created).toBeGreaterThanOrEqual(cancelAt);
    expect(await t.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'canceled', ended_at: cancelAt });
  });

  it('leaves a customer on a test clock where its clock is, however much real time passes', async () => {
    const clock = await f.clock(APRIL_1);
    const price = await f.price(2500);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    // Trial end and period end long past by the wall clock, but not by the clock's time.
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: APRIL_1 + 2 });
    // A customer given per-customer time (a clock frozen at the present) stays too.
    const traveller = await f.customerWithCard('4242424242424242', { email: 'wall-clock-traveller@example.com' });
    const travelling = await t.stripe.subscriptions.create({ customer: traveller.customer.id, items: [{ price: price.id }], trial_end: now() + 2 });
    const moved = await fetch(`${t.server.url}/_sandbox/customers/${traveller.customer.id}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ to: now() + 1 }) });
    expect(moved.status).toBe(200);
    const wallClockCustomer = await f.customerWithCard('4242424242424242', { email: 'wall-clock-witness@example.com' });
    const witness = await t.stripe.subscriptions.create({ customer: wallClockCustomer.customer.id, items: [{ price: price.id }], trial_end: now() + 2 });

    // Once the wall-clock subscription ended its trial, the scheduler has looked more than once.
    await eventually(async () => (await t.stripe.subscriptions.retrieve(witness.id)).status === 'active');
    expect(await t.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'trialing', test_clock: clock.id });
    expect(await f.invoicesOf(subscription)).toHaveLength(1);
    expect(await t.stripe.testHelpers.testClocks.retrieve(clock.id)).toMatchObject({ frozen_time: APRIL_1 });
    expect(await t.stripe.subscriptions.retrieve(travelling.id)).toMatchObject({ status: 'trialing' });
    expect(await f.invoicesOf(travelling)).toHaveLength(1);

    // Its clock moves it, and the events carry the clock's time.
    await f.advance(clock, APRIL_1 + 60);
    expect(await t.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'active' });
    const [ended] = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).filter(
      (event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).status === 'trialing',
    );
    expect(ended?.created).toBe(APRIL_1 + 2);
  });

  it('moves each subscription once when two sandbox processes share the database', async () => {
    const second = await startSandbox({ port: 0, databaseUrl: t.databaseUrl, allowReset: false });
    try {
      const price = await f.price(900);
      const customers: Stripe.Customer[] = [];
      for (let index = 0; index < 4; index++) customers.push((await f.customerWithCard('4242424242424242', { email: `wall-clock-pair-${index}@example.com` })).customer);
      const trialEnd = now() + 4;
      const started = await Promise.all(customers.map((customer) => t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_end: trialEnd })));
      await eventually(async () => {
        const states = await Promise.all(started.map((subscription) => t.stripe.subscriptions.retrieve(subscription.id)));
        return states.every((subscription) => subscription.status === 'active');
      }, 20_000);
      for (const subscription of started) {
        expect((await f.invoicesOf(subscription)).map((invoice) => invoice.billing_reason)).toEqual(['subscription_create', 'subscription_cycle']);
        const endings = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).filter(
          (event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).status === 'trialing',
        );
        expect(endings).toHaveLength(1);
        expect(await f.eventsFor(subscription.id, 'customer.subscription.trial_will_end')).toHaveLength(1);
      }
    } finally {
      await second.close();
    }
  });
});
