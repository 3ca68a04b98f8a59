import type Stripe from 'stripe';
import type { TestSandbox } from '@/test/sandbox';

/**
 * What the billing tests set up again and again: prices, customers on test clocks with a card on
 * file, and the events that concern one object. Assertions stay in the tests.
 */

export const DAY = 86_400;
/** 1 April 2026, 00:00 UTC: April has 30 days, so a month's proration has round numbers. */
export const APRIL_1 = Date.UTC(2026, 3, 1) / 1000;

export function billingFixtures(t: TestSandbox) {
  return {
    price(unitAmount: number, options: { currency?: string; interval?: 'day' | 'week' | 'month' | 'year'; name?: string } = {}): Promise<Stripe.Price> {
      return t.stripe.prices.create({
        currency: options.currency ?? 'usd',
        unit_amount: unitAmount,
        recurring: { interval: options.interval ?? 'month' },
        product_data: { name: options.name ?? 'Pro plan' },
      });
    },

    clock(frozenTime = APRIL_1): Promise<Stripe.TestHelpers.TestClock> {
      return t.stripe.testHelpers.testClocks.create({ frozen_time: frozenTime, name: 'billing test' });
    },

    /** A card PaymentMethod made from a raw number with the publishable key, as Stripe.js does. */
    card(number: string): Promise<Stripe.PaymentMethod> {
      return t.publishable.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' } });
    },

    /** A customer (on `clock`, if given) whose default payment method is a card with `number`. */
    async customerWithCard(number: string | null, options: { clock?: Stripe.TestHelpers.TestClock; email?: string } = {}) {
      const customer = await t.stripe.customers.create({ email: options.email ?? 'subscriber@example.com', name: 'Ada Subscriber', ...(options.clock ? { test_clock: options.clock.id } : {}) });
      if (!number) return { customer, paymentMethod: null };
      const paymentMethod = await this.card(number);
      await t.stripe.paymentMethods.attach(paymentMethod.id, { customer: customer.id });
      const updated = await t.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: paymentMethod.id } });
      return { customer: updated, paymentMethod };
    },

    advance(clock: Stripe.TestHelpers.TestClock, to: number): Promise<Stripe.TestHelpers.TestClock> {
      return t.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });
    },

    /** Events about one object (oldest first), optionally of one type. */
    async eventsFor(objectId: string, type?: Stripe.Event.Type): Promise<Stripe.Event[]> {
      const page = await t.stripe.events.list({ limit: 100, ...(type ? { type } : {}) });
      return page.data.filter((event) => (event.data.object as { id?: string }).id === objectId).reverse();
    },

    async invoicesOf(subscription: Stripe.Subscription): Promise<Stripe.Invoice[]> {
      const page = await t.stripe.invoices.list({ subscription: subscription.id, limit: 100 });
      return page.data.reverse();
    },
  };
}

export function periodOf(subscription: Stripe.Subscription): { start: number; end: number } {
  const item = subscription.items.data[0];
  if (!item) throw new Error('subscription without items');
  return { start: item.current_period_start, end: item.current_period_end };
}
