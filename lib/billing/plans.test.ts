import { beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '@/db/seed';
import type { PaymentProviderName } from '@/lib/payments/types';
import type { PlanPriceRequest, SubscriptionsApi } from '@/lib/payments/provider';
import { isolatedDatabase } from '@/test/database';
import { planByPriceId, providerPriceFor, subscribablePlan } from './plans';

const t = isolatedDatabase();

beforeAll(async () => {
  await seedCatalog(t.db);
});

/**
 * A provider that makes a new price each time it is asked, as PayPal does (it has no lookup
 * keys to find an earlier one by), and counts the times. `arrivals` holds each call until that
 * many calls have arrived, so concurrent callers all ask before any of them records an answer.
 */
function fakeProvider(name: PaymentProviderName, arrivals = 1) {
  const requests: PlanPriceRequest[] = [];
  let release: () => void = () => {};
  const allArrived = new Promise<void>((resolve) => (release = resolve));
  const provider: Pick<SubscriptionsApi, 'name' | 'ensurePlanPrice'> = {
    name,
    async ensurePlanPrice(price) {
      const made = requests.push(price);
      if (made >= arrivals) release();
      await allArrived;
      return `${name}-${price.lookupKey}-${made}`;
    },
  };
  return { provider, requests };
}

describe('a plan’s price at the providers', () => {
  it('is made once at each provider and reused from then on, whichever provider came first', async () => {
    const stripe = fakeProvider('stripe');
    const paypal = fakeProvider('paypal');
    const first = await subscribablePlan(t.db, 'starter-monthly-usd');
    expect(first.providerPriceIds).toEqual({});

    const stripeId = await providerPriceFor(t.db, stripe.provider, first);
    const paypalId = await providerPriceFor(t.db, paypal.provider, await subscribablePlan(t.db, 'starter-monthly-usd'));
    expect(paypal.requests).toEqual([expect.objectContaining({ priceId: first.priceId, lookupKey: 'starter-monthly-usd', amount: { amount: 900, currency: 'USD' } })]);

    const later = await planByPriceId(t.db, first.priceId);
    expect(later.providerPriceIds).toEqual({ stripe: stripeId, paypal: paypalId });
    expect(await providerPriceFor(t.db, paypal.provider, later)).toBe(paypalId);
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
    expect((await planByPriceId(t.db, plan.priceId)).providerPriceIds).toEqual({ paypal: one });
  });
});
