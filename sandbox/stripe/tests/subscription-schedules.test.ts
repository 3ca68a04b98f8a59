import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';
import { APRIL_1, billingFixtures, DAY, periodOf } from './billing-fixtures';

const t = isolatedSandbox();
const f = billingFixtures(t);
const MAY_1 = Date.UTC(2026, 4, 1) / 1000;
const JUNE_1 = Date.UTC(2026, 5, 1) / 1000;
const HOUR = 3600;

/** A $30/month Team subscription on a clock from 1 April, paid with 4242, and a $10 Basic price. */
async function teamSubscription() {
  const clock = await f.clock();
  const team = await f.price(3000, { name: 'Team' });
  const basic = await f.price(1000, { name: 'Basic' });
  const { customer } = await f.customerWithCard('4242424242424242', { clock, email: 'scheduled@example.com' });
  const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: team.id }] });
  return { clock, team, basic, customer, subscription };
}

const priceOf = (subscription: Stripe.Subscription) => subscription.items.data.map((item) => item.price.id);

describe('downgrading at the end of the period with a subscription schedule', () => {
  it('from_subscription, a second phase with the cheaper price: the renewal bills it, then the schedule releases the subscription', async () => {
    const { clock, team, basic, subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    expect(schedule).toMatchObject({
      object: 'subscription_schedule',
      status: 'active',
      subscription: subscription.id,
      end_behavior: 'release',
      current_phase: { start_date: APRIL_1, end_date: MAY_1 },
      phases: [{ start_date: APRIL_1, end_date: MAY_1, items: [{ price: team.id, quantity: 1 }], proration_behavior: 'create_prorations', currency: 'usd' }],
      test_clock: clock.id,
    });
    expect(schedule.id).toMatch(/^sub_sched_/);
    const managed = await t.stripe.subscriptions.retrieve(subscription.id, { expand: ['schedule'] });
    expect((managed.schedule as Stripe.SubscriptionSchedule).id).toBe(schedule.id);
    const attached = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).at(-1);
    expect(attached?.data.previous_attributes).toEqual({ schedule: null });
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.created')).toHaveLength(1);

    const current = schedule.phases[0] as Stripe.SubscriptionSchedule.Phase;
    const updated = await t.stripe.subscriptionSchedules.update(schedule.id, {
      phases: [
        { items: [{ price: team.id, quantity: 1 }], start_date: current.start_date, end_date: current.end_date },
        { items: [{ price: basic.id, quantity: 1 }], duration: { interval: 'month' }, proration_behavior: 'none' },
      ],
      end_behavior: 'release',
    });
    expect(updated.phases.map((phase) => [phase.start_date, phase.end_date, phase.items[0]?.price])).toEqual([
      [APRIL_1, MAY_1, team.id],
      [MAY_1, JUNE_1, basic.id],
    ]);
    // Nothing changes before the boundary, and the next invoice already shows the lower price.
    expect(priceOf(await t.stripe.subscriptions.retrieve(subscription.id))).toEqual([team.id]);
    const preview = await t.stripe.invoices.createPreview({ subscription: subscription.id });
    expect(preview.lines.data.map((line) => [line.amount, line.period.start])).toEqual([[1000, MAY_1]]);
    const bySchedule = await t.stripe.invoices.createPreview({ schedule: schedule.id });
    expect(bySchedule).toMatchObject({ total: 1000, billing_reason: 'subscription_cycle' });
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.updated')).toHaveLength(1);

    await f.advance(clock, MAY_1 + 2 * HOUR);
    const downgraded = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(priceOf(downgraded)).toEqual([basic.id]);
    expect(downgraded).toMatchObject({ status: 'active', schedule: schedule.id });
    expect(periodOf(downgraded)).toEqual({ start: MAY_1, end: JUNE_1 });
    const renewal = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 1000 });
    expect(renewal.lines.data.map((line) => [line.amount, line.pricing?.price_details?.price])).toEqual([[1000, basic.id]]);
    expect(await t.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: 'active', current_phase: { start_date: MAY_1, end_date: JUNE_1 } });
    const switched = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).find(
      (event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).items?.data[0]?.price.id === team.id,
    );
    expect(switched?.created).toBeDefined();
    const phaseEvent = (await f.eventsFor(schedule.id, 'subscription_schedule.updated')).at(-1);
    expect(phaseEvent?.data.previous_attributes).toMatchObject({ current_phase: { start_date: APRIL_1, end_date: MAY_1 } });

    await f.advance(clock, JUNE_1 + 2 * HOUR);
    const released = await t.stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(released).toMatchObject({ status: 'released', released_at: JUNE_1, released_subscription: subscription.id, subscription: null, current_phase: null });
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.released')).toHaveLength(1);
    const free = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(free).toMatchObject({ status: 'active', schedule: null });
    expect(priceOf(free)).toEqual([basic.id]);
    expect((await f.invoicesOf(subscription)).map((invoice) => [invoice.total, invoice.status])).toEqual([
      [3000, 'paid'],
      [1000, 'paid'],
      [1000, 'paid'],
    ]);
  });

  it('end_behavior=cancel sets the subscription to end with the last phase, then completes', async () => {
    const { clock, subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    await t.stripe.subscriptionSchedules.update(schedule.id, { end_behavior: 'cancel' });
    const ending = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(ending).toMatchObject({ cancel_at: MAY_1, status: 'active' });

    await f.advance(clock, MAY_1 + DAY);
    expect(await t.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: 'completed', completed_at: MAY_1, current_phase: null });
    expect(await t.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'canceled', ended_at: MAY_1 });
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.completed')).toHaveLength(1);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.deleted')).toHaveLength(1);
    expect(await f.invoicesOf(subscription)).toHaveLength(1);
  });

  it('releasing takes the subscription out of the schedule, and its pending downgrade with it', async () => {
    const { clock, team, basic, subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    await t.stripe.subscriptionSchedules.update(schedule.id, {
      phases: [
        { items: [{ price: team.id }], start_date: APRIL_1, end_date: MAY_1 },
        { items: [{ price: basic.id }], duration: { interval: 'month' } },
      ],
    });
    const released = await t.stripe.subscriptionSchedules.release(schedule.id);
    expect(released).toMatchObject({ status: 'released', released_subscription: subscription.id, subscription: null });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).schedule).toBeNull();

    await f.advance(clock, MAY_1 + 2 * HOUR);
    expect(priceOf(await t.stripe.subscriptions.retrieve(subscription.id))).toEqual([team.id]);
    expect((await f.invoicesOf(subscription)).at(-1)).toMatchObject({ amount_paid: 3000 });

    // A released schedule is finished: it cannot be changed, released or canceled again.
    const update = await stripeError(t.stripe.subscriptionSchedules.update(schedule.id, { end_behavior: 'cancel' }));
    expect(update).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(update.message).toContain('`released` status');
    expect((await stripeError(t.stripe.subscriptionSchedules.release(schedule.id))).statusCode).toBe(400);
    expect((await stripeError(t.stripe.subscriptionSchedules.cancel(schedule.id))).statusCode).toBe(400);
  });

  it('canceling the schedule cancels its subscription now, crediting the unused time', async () => {
    const { clock, customer, subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    await f.advance(clock, APRIL_1 + 10 * DAY);
    const canceled = await t.stripe.subscriptionSchedules.cancel(schedule.id);
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: APRIL_1 + 10 * DAY, current_phase: null });
    expect(await t.stripe.subscriptions.retrieve(subscription.id)).toMatchObject({ status: 'canceled', ended_at: APRIL_1 + 10 * DAY });
    // 20 of April's 30 days unused: $20 back on the customer's balance.
    expect(((await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-2000);
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.canceled')).toHaveLength(1);
  });

  it('canceling the subscription itself cancels the schedule that managed it', async () => {
    const { subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    await t.stripe.subscriptions.cancel(subscription.id);
    expect(await t.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ status: 'canceled', current_phase: null });
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.canceled')).toHaveLength(1);
  });
});

describe('schedules made of phases', () => {
  it('starts the subscription now from the first phase and moves to the next mid-period, prorating it', async () => {
    const clock = await f.clock();
    const team = await f.price(3000, { name: 'Team' });
    const basic = await f.price(1000, { name: 'Basic' });
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const schedule = await t.stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: 'now',
      phases: [
        { items: [{ price: team.id, quantity: 1 }], end_date: APRIL_1 + 10 * DAY },
        { items: [{ price: basic.id, quantity: 1 }], metadata: { plan: 'basic' } },
      ],
    });
    expect(schedule).toMatchObject({ status: 'active', current_phase: { start_date: APRIL_1, end_date: APRIL_1 + 10 * DAY } });
    // The last phase lasts one billing period of its price unless told otherwise.
    expect(schedule.phases[1]).toMatchObject({ start_date: APRIL_1 + 10 * DAY, end_date: Date.UTC(2026, 4, 11) / 1000 });
    const subscription = await t.stripe.subscriptions.retrieve(String(schedule.subscription), { expand: ['latest_invoice'] });
    expect(subscription).toMatchObject({ status: 'active', schedule: schedule.id });
    expect(subscription.latest_invoice).toMatchObject({ status: 'paid', amount_paid: 3000 });

    await f.advance(clock, APRIL_1 + 10 * DAY + HOUR);
    const moved = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(priceOf(moved)).toEqual([basic.id]);
    expect(moved.metadata).toEqual({ plan: 'basic' });
    // The change waits for the renewal as prorations: 20 of 30 days of Team back, of Basic due.
    const pending = await t.stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((item) => item.amount).sort((a, b) => a - b)).toEqual([-2000, 667]);

    const listed = await t.stripe.subscriptionSchedules.list({ customer: customer.id });
    expect(listed.data.map((item) => item.id)).toEqual([schedule.id]);
  });

  it('a future start_date waits, not_started, and starts the subscription when the clock gets there', async () => {
    const clock = await f.clock();
    const price = await f.price(1500);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const schedule = await t.stripe.subscriptionSchedules.create({ customer: customer.id, start_date: MAY_1, end_behavior: 'cancel', phases: [{ items: [{ price: price.id }], duration: { interval: 'month', interval_count: 2 } }] });
    expect(schedule).toMatchObject({ status: 'not_started', subscription: null, current_phase: null, phases: [{ start_date: MAY_1, end_date: Date.UTC(2026, 6, 1) / 1000 }] });
    expect((await t.stripe.subscriptionSchedules.list({ customer: customer.id, scheduled: true })).data).toHaveLength(1);

    await f.advance(clock, MAY_1 + DAY);
    const started = await t.stripe.subscriptionSchedules.retrieve(schedule.id);
    expect(started).toMatchObject({ status: 'active', current_phase: { start_date: MAY_1 } });
    const subscription = await t.stripe.subscriptions.retrieve(String(started.subscription));
    expect(subscription).toMatchObject({ status: 'active', start_date: MAY_1, cancel_at: Date.UTC(2026, 6, 1) / 1000 });

    await f.advance(clock, Date.UTC(2026, 6, 1) / 1000 + DAY);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
    expect((await t.stripe.subscriptionSchedules.retrieve(schedule.id)).status).toBe('completed');
    expect((await f.invoicesOf(subscription)).map((invoice) => invoice.amount_paid)).toEqual([1500, 1500]);
  });
});

describe('refusals', () => {
  it('refuses a second schedule for a subscription, and cancellation changes on a scheduled subscription', async () => {
    const { subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    const twice = await stripeError(t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id }));
    expect(twice).toMatchObject({ statusCode: 400, code: 'resource_already_exists', param: 'from_subscription' });
    expect(twice.message).toContain(schedule.id);

    const cancel = await stripeError(t.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }));
    expect(cancel.statusCode).toBe(400);
    expect(cancel.message).toContain(`managed by the subscription schedule \`${schedule.id}\``);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
  });

  it('refuses bad phases with Stripe-shaped errors and changes nothing', async () => {
    const { team, basic, subscription } = await teamSubscription();
    const schedule = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id });
    const update = (phases: unknown) => stripeError(t.stripe.subscriptionSchedules.update(schedule.id, { phases } as Stripe.SubscriptionScheduleUpdateParams));

    const iterations = await update([{ items: [{ price: team.id }], start_date: APRIL_1, end_date: MAY_1 }, { items: [{ price: basic.id }], iterations: 1 }]);
    expect(iterations).toMatchObject({ statusCode: 400, param: 'phases[1][iterations]' });
    expect(iterations.message).toContain('duration');

    const unknownPrice = await update([{ items: [{ price: team.id }], start_date: APRIL_1, end_date: MAY_1 }, { items: [{ price: 'price_missing' }] }]);
    expect(unknownPrice).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'phases[1][items][0][price]' });

    const openEnded = await update([{ items: [{ price: team.id }], start_date: APRIL_1 }, { items: [{ price: basic.id }] }]);
    expect(openEnded).toMatchObject({ statusCode: 400, param: 'phases[0][end_date]' });

    const backwards = await update([{ items: [{ price: team.id }], start_date: APRIL_1, end_date: APRIL_1 - DAY }]);
    expect(backwards).toMatchObject({ statusCode: 400, param: 'phases[0][end_date]' });

    const moved = await update([{ items: [{ price: team.id }], start_date: APRIL_1 + HOUR, end_date: MAY_1 }]);
    expect(moved).toMatchObject({ statusCode: 400 });
    expect(moved.message).toContain('start date of the current phase');

    const euro = await f.price(900, { currency: 'eur' });
    const currency = await update([{ items: [{ price: team.id }], start_date: APRIL_1, end_date: MAY_1 }, { items: [{ price: euro.id }] }]);
    expect(currency).toMatchObject({ statusCode: 400, param: 'phases[1][items][0][price]' });

    const withPhases = await stripeError(t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id, phases: [{ items: [{ price: basic.id }] }] }));
    expect(withPhases).toMatchObject({ statusCode: 400, param: 'phases' });

    expect(await t.stripe.subscriptionSchedules.retrieve(schedule.id)).toMatchObject({ phases: schedule.phases, status: 'active' });
    expect(await f.eventsFor(schedule.id, 'subscription_schedule.updated')).toHaveLength(0);
    const missing = await stripeError(t.stripe.subscriptionSchedules.retrieve('sub_sched_missing'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('replays a create retried with the same idempotency key: one schedule', async () => {
    const { subscription } = await teamSubscription();
    const first = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id }, { idempotencyKey: `schedule:${subscription.id}` });
    const again = await t.stripe.subscriptionSchedules.create({ from_subscription: subscription.id }, { idempotencyKey: `schedule:${subscription.id}` });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    const customer = String(subscription.customer);
    expect((await t.stripe.subscriptionSchedules.list({ customer })).data).toHaveLength(1);
  });
});
