import { beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '@/db/seed';
import type { PaymentProviderName } from '@/lib/payments/types';
import type { PlanPriceRequest, SubscriptionsApi } from '@/lib/payments/provider';
import { isolatedDatabase } from '@/test/database';
import { eq } from 'drizzle-orm';
import { prices, providerPrices } from '@/db/schema';
import { providerPriceFor, subscribablePlan } from './plans';

const t = isolatedDatabase();

beforeAll(async () => {
  await seedCatalog(t.db);
});

/**
 * A provider that makes a new price each time it is asked, as PayPal does (it has no lookup
 * keys to find an earlier one by), and counts the times. `arrivals` holds each call until that
 * many calls have arrived, so concurrent callers all ask before any of them records an answer.
 */
function fakeProvider(name: PaymentProviderName, arrivals = 1, plansCarryTerms = name === 'paypal') {
  const requests: PlanPriceRequest[] = [];
  let release: () => void = () => {};
  const allArrived = new Promise<void>((resolve) => (release = resolve));
  const provider: Pick<SubscriptionsApi, 'name' | 'ensurePlanPrice' | 'plansCarryTerms'> = {
    name,
    plansCarryTerms,
    async ensurePlanPrice(price) {
      const made = requests.push(price);
      if (made >= arrivals) release();
      await allArrived;
      return `${name}-${price.lookupKey}-${made}`;
    },
  };
  return { provider, requests };
}

function recordedFor(priceId: string) {
  return t.db.select({ provider: providerPrices.provider, providerPriceId: providerPrices.providerPriceId, terms: providerPrices.terms }).from(providerPrices).where(eq(providerPrices.priceId, priceId));
}

describe('a plan’s price at the providers', () => {
  it('is made once at each provider and reused from then on, whichever provider came first', async () => {
    const stripe = fakeProvider('stripe');
    const paypal = fakeProvider('paypal');
    const first = await subscribablePlan(t.db, 'starter-monthly-usd');
    expect(await recordedFor(first.priceId)).toEqual([]);

    const stripeId = await providerPriceFor(t.db, stripe.provider, first);
    const paypalId = await providerPriceFor(t.db, paypal.provider, await subscribablePlan(t.db, 'starter-monthly-usd'));
    expect(paypal.requests).toEqual([expect.objectContaining({ priceId: first.priceId, lookupKey: 'starter-monthly-usd', amount: { amount: 900, currency: 'USD' } })]);

    expect(await recordedFor(first.priceId)).toEqual(expect.arrayContaining([
      { provider: 'stripe', providerPriceId: stripeId, terms: '' },
      { provider: 'paypal', providerPriceId: paypalId, terms: '900 USD every 1 month; trial 0 days' },
    ]));
    expect(await providerPriceFor(t.db, paypal.provider, await subscribablePlan(t.db, 'starter-monthly-usd'))).toBe(paypalId);
    expect(await providerPriceFor(t.db, stripe.provider, await subscribablePlan(t.db, 'starter-monthly-usd'))).toBe(stripeId);
    expect(stripe.requests).toHaveLength(1);
    expect(paypal.requests).toHaveLength(1);
  });

  it('is the same for two first subscribers at once, though the provider made two: the first recorded wins', async () => {
    const paypal = fakeProvider('paypal', 2);
    const plan = await subscribablePlan(t.db, 'pro-yearly-usd');
    const [one, two] = await Promise.all([
      t.db.transaction((tx) => providerPriceFor(tx, paypal.provider, plan)),
      t.db.transaction((tx) => providerPriceFor(tx, paypal.provider, plan)),
    ]);
    expect(paypal.requests).toHaveLength(2);
    expect(two).toBe(one);
    expect(await recordedFor(plan.priceId)).toEqual([{ provider: 'paypal', providerPriceId: one, terms: expect.any(String) }]);
  });

  it('is a plan per trial at a provider whose plans carry it, and a new plan when the price’s amount changes; one price per price elsewhere', async () => {
    const paypal = fakeProvider('paypal');
    const stripe = fakeProvider('stripe');
    const plan = await subscribablePlan(t.db, 'pro-monthly-usd');
    const withTrial = await providerPriceFor(t.db, paypal.provider, plan, 14);
    const withoutTrial = await providerPriceFor(t.db, paypal.provider, plan, null);
    expect(withoutTrial).not.toBe(withTrial);
    expect(await providerPriceFor(t.db, paypal.provider, plan, 14)).toBe(withTrial);
    expect(paypal.requests.map((request) => request.trialDays)).toEqual([14, null]);

    const stripeId = await providerPriceFor(t.db, stripe.provider, plan, 14);
    expect(await providerPriceFor(t.db, stripe.provider, plan, null)).toBe(stripeId);
    expect(stripe.requests).toEqual([expect.objectContaining({ trialDays: null })]);

    // The catalog's price changes: new subscribers get a new plan; the old one stays recorded for those on it.
    await t.db.update(prices).set({ amount: plan.amount + 500 }).where(eq(prices.id, plan.priceId));
    const repriced = await providerPriceFor(t.db, paypal.provider, await subscribablePlan(t.db, 'pro-monthly-usd'), 14);
    expect([withTrial, withoutTrial]).not.toContain(repriced);
    expect(paypal.requests.at(-1)).toEqual(expect.objectContaining({ amount: { amount: plan.amount + 500, currency: 'USD' }, trialDays: 14 }));
    expect((await recordedFor(plan.priceId)).filter((row) => row.provider === 'paypal')).toHaveLength(3);
    await t.db.update(prices).set({ amount: plan.amount }).where(eq(prices.id, plan.priceId));
  });
});
