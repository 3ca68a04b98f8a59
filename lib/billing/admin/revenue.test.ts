import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { customers, disputes, payments, prices, products, refunds, subscriptions, users } from '@/db/schema';
import { money } from '@/lib/money';
import type { SubscriptionStatus } from '@/lib/payments/types';
import { isolatedDatabase, type TestDatabase } from '@/test/database';
import { dailyVolume, paymentOutcomes, subscriptionFigures, volumeByCurrency, windowStarts } from './revenue';

const NOW = new Date('2026-12-04T15:00:00Z');
const HOUR = 60 * 60 * 1000;
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR).toISOString();

let sequence = 0;

async function payment(t: TestDatabase, fixture: { at: string; currency?: string; captured?: number; status?: 'succeeded' | 'requires_payment_method' | 'canceled'; failureCode?: string }) {
  sequence += 1;
  const captured = fixture.captured ?? 0;
  const [row] = await t.db
    .insert(payments)
    .values({
      provider: 'stripe',
      providerPaymentId: `pi_rev${sequence}`,
      status: fixture.status ?? 'succeeded',
      currency: fixture.currency ?? 'USD',
      amount: Math.max(captured, 100),
      amountCaptured: captured,
      failureCode: fixture.failureCode ?? null,
      createdAt: sql`${fixture.at}::timestamptz`,
    })
    .returning();
  return row!;
}

describe('money in and out, per currency', () => {
  const t = isolatedDatabase();

  it('sums gross, refunds and lost disputes per window and currency, never across currencies, net of what left', async () => {
    const usd = await payment(t, { at: ago(2), captured: 10_000 }); // today, and every window
    await payment(t, { at: ago(3 * 24), captured: 5_000 }); // 7, 30, 90 days
    await payment(t, { at: ago(20 * 24), captured: 2_000 }); // 30, 90 days
    await payment(t, { at: ago(100 * 24), captured: 99_999 }); // outside every window
    await payment(t, { at: ago(1), currency: 'JPY', captured: 4_200 });
    await payment(t, { at: ago(1), status: 'requires_payment_method' }); // nothing captured
    await t.db.insert(refunds).values([
      { paymentId: usd.id, provider: 'stripe', providerRefundId: 're_1', status: 'succeeded', amount: 1_500, currency: 'USD', createdAt: sql`${ago(1)}::timestamptz` },
      // Pending and failed refunds have not moved money.
      { paymentId: usd.id, provider: 'stripe', providerRefundId: 're_2', status: 'pending', amount: 700, currency: 'USD', createdAt: sql`${ago(1)}::timestamptz` },
      { paymentId: usd.id, provider: 'stripe', providerRefundId: 're_3', status: 'failed', amount: 300, currency: 'USD', createdAt: sql`${ago(1)}::timestamptz` },
    ]);
    await t.db.insert(disputes).values([
      { paymentId: usd.id, provider: 'stripe', providerDisputeId: 'du_1', status: 'lost', amount: 2_000, currency: 'USD', createdAt: sql`${ago(10 * 24)}::timestamptz`, updatedAt: sql`${ago(5 * 24)}::timestamptz` },
      { paymentId: usd.id, provider: 'stripe', providerDisputeId: 'du_2', status: 'needs_response', amount: 1_000, currency: 'USD', createdAt: sql`${ago(5)}::timestamptz` },
    ]);

    const volume = await volumeByCurrency(t.db, NOW);
    expect(volume.map((each) => each.currency)).toEqual(['JPY', 'USD']);
    const [jpy, dollars] = volume;
    expect(jpy!.windows.today).toEqual({ gross: money(4_200, 'JPY'), refunded: money(0, 'JPY'), disputed: money(0, 'JPY'), disputesLost: money(0, 'JPY'), net: money(4_200, 'JPY') });
    expect(dollars!.windows.today).toMatchObject({ gross: money(10_000, 'USD'), refunded: money(1_500, 'USD'), disputed: money(1_000, 'USD'), disputesLost: money(0, 'USD'), net: money(8_500, 'USD') });
    expect(dollars!.windows['7d']).toMatchObject({ gross: money(15_000, 'USD'), disputesLost: money(2_000, 'USD'), net: money(11_500, 'USD') });
    expect(dollars!.windows['30d']).toMatchObject({ gross: money(17_000, 'USD'), disputed: money(3_000, 'USD'), net: money(13_500, 'USD') });
    expect(dollars!.windows['90d'].gross).toEqual(money(17_000, 'USD'));
  });

  it('gives every day of the chart a point, zero where nothing happened', async () => {
    const series = await dailyVolume(t.db, NOW, 7);
    const dollars = series.find((each) => each.currency === 'USD')!;
    expect(dollars.points.map((point) => point.day)).toEqual(['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']);
    expect(dollars.points.at(-1)).toEqual({ day: '2026-12-04', gross: 10_000, refunded: 1_500 });
    expect(dollars.points.find((point) => point.day === '2026-12-01')).toEqual({ day: '2026-12-01', gross: 5_000, refunded: 0 });
    expect(dollars.points.find((point) => point.day === '2026-11-30')).toEqual({ day: '2026-11-30', gross: 0, refunded: 0 });
  });

  it('starts "today" at midnight UTC and the other windows that many days before now', () => {
    const starts = windowStarts(NOW);
    expect(starts.today.toISOString()).toBe('2026-12-04T00:00:00.000Z');
    expect(starts['7d'].toISOString()).toBe('2026-11-27T15:00:00.000Z');
  });
});

describe('payment outcomes', () => {
  const t = isolatedDatabase();

  it('rates success among payments that ended, and ranks the decline reasons; abandoned checkouts count in neither', async () => {
    for (let i = 0; i < 6; i += 1) await payment(t, { at: ago(i + 1), captured: 1_000 });
    for (const code of ['card_declined', 'card_declined', 'insufficient_funds', 'card_declined']) {
      await payment(t, { at: ago(2), status: 'requires_payment_method', failureCode: code });
    }
    await payment(t, { at: ago(2), status: 'requires_payment_method' });
    await payment(t, { at: ago(40 * 24), status: 'requires_payment_method', failureCode: 'expired_card' }); // before the window
    const outcomes = await paymentOutcomes(t.db, NOW, 30);
    expect(outcomes).toEqual({
      succeeded: 6,
      failed: 4,
      successRate: 0.6,
      topDeclines: [
        { code: 'card_declined', count: 3 },
        { code: 'insufficient_funds', count: 1 },
      ],
    });
  });
});

describe('recurring revenue and subscribers', () => {
  const t = isolatedDatabase();

  async function subscribe(price: { id: string }, status: SubscriptionStatus, options: { quantity?: number; createdHoursAgo?: number; endedHoursAgo?: number } = {}) {
    sequence += 1;
    const [user] = await t.db.insert(users).values({ email: `sub${sequence}@example.com` }).returning();
    const [customer] = await t.db.insert(customers).values({ userId: user!.id, email: user!.email, provider: 'stripe', providerCustomerId: `cus_${sequence}` }).returning();
    await t.db.insert(subscriptions).values({
      userId: user!.id,
      customerId: customer!.id,
      provider: 'stripe',
      providerSubscriptionId: `sub_${sequence}`,
      status,
      priceId: price.id,
      quantity: options.quantity ?? 1,
      providerCreatedAt: new Date(NOW.getTime() - (options.createdHoursAgo ?? 1000) * HOUR),
      endedAt: options.endedHoursAgo === undefined ? null : new Date(NOW.getTime() - options.endedHoursAgo * HOUR),
    });
  }

  it('normalises every price to a month, per currency, from active and past-due subscriptions only', async () => {
    const [product] = await t.db.insert(products).values({ slug: 'plan', name: 'Plan', kind: 'plan' }).returning();
    const price = async (lookupKey: string, amount: number, currency: string, interval: 'month' | 'year' | 'week', intervalCount = 1) =>
      (await t.db.insert(prices).values({ productId: product!.id, lookupKey, amount, currency, type: 'recurring', interval, intervalCount }).returning())[0]!;
    const monthly = await price('m-usd', 1_500, 'USD', 'month');
    const yearly = await price('y-usd', 10_000, 'USD', 'year');
    const quarterly = await price('q-eur', 3_000, 'EUR', 'month', 3);
    const weekly = await price('w-jpy', 700, 'JPY', 'week');

    await subscribe(monthly, 'active', { quantity: 2, createdHoursAgo: 24 }); // 3,000
    await subscribe(yearly, 'past_due'); // 833.33…
    await subscribe(yearly, 'active'); // 833.33… (the sum is rounded once: 1,666.67 → 1,667)
    await subscribe(quarterly, 'active', { createdHoursAgo: 20 * 24 }); // 1,000
    await subscribe(weekly, 'active'); // 700 × 52 / 12 = 3,033.33…
    await subscribe(monthly, 'trialing', { createdHoursAgo: 2 }); // no revenue yet
    await subscribe(monthly, 'canceled', { endedHoursAgo: 3 * 24 });
    await subscribe(monthly, 'canceled', { endedHoursAgo: 60 * 24 });
    await subscribe(monthly, 'incomplete', { createdHoursAgo: 1 }); // never started

    const figures = await subscriptionFigures(t.db, NOW);
    expect(figures.mrr).toEqual([money(1_000, 'EUR'), money(3_033, 'JPY'), money(4_667, 'USD')]);
    expect(figures).toMatchObject({ active: 4, trialing: 1, pastDue: 1, started: { '7d': 2, '30d': 3 }, churned: { '7d': 1, '30d': 1, '90d': 2 } });
  });
});
