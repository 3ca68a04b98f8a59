import { eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { listCatalog } from '@/lib/billing/catalog';
import { isolatedDatabase } from '@/test/database';
import { customers, orderItems, orders, prices, products, providerPrices, providerProducts, users, webhookEvents } from './schema';
import { seedCatalog } from './seed';

const t = isolatedDatabase();

async function constraintError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { constraint_name?: string; message?: string } }).cause;
    return cause?.constraint_name ?? cause?.message ?? String(error);
  }
  throw new Error('expected the database to refuse the row');
}

describe('demo catalog', () => {
  it('seeds one-time goods and plans with monthly and yearly prices, one with a trial, in USD and JPY', async () => {
    await seedCatalog(t.db);
    const catalog = await listCatalog(t.db);
    const goods = catalog.filter((product) => product.kind === 'good');
    const plans = catalog.filter((product) => product.kind === 'plan');
    expect(goods.length).toBeGreaterThanOrEqual(2);
    expect(goods.every((good) => good.prices.every((price) => price.type === 'one_time'))).toBe(true);
    for (const plan of plans) {
      const intervals = plan.prices.map((price) => price.interval);
      expect(intervals).toContain('month');
      expect(intervals).toContain('year');
    }
    expect(plans.some((plan) => plan.prices.some((price) => price.trialDays === 14))).toBe(true);
    const currencies = new Set(catalog.flatMap((product) => product.prices.map((price) => price.price.currency)));
    expect(currencies).toEqual(new Set(['USD', 'JPY']));
    const washi = catalog.find((product) => product.slug === 'washi-tape-set');
    expect(washi?.prices[0]?.price).toEqual({ amount: 1980, currency: 'JPY' }); // ¥1,980, zero-decimal
  });

  it('can run again without duplicating anything or changing existing prices', async () => {
    await seedCatalog(t.db);
    const [before] = await t.db.select({ count: sql<number>`count(*)::int` }).from(prices);
    const [notebook] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'field-notebook-usd'));
    await t.db.insert(providerPrices).values({ priceId: notebook!.id, provider: 'stripe', providerPriceId: 'price_from_stripe' });
    await seedCatalog(t.db);
    const [after] = await t.db.select({ count: sql<number>`count(*)::int` }).from(prices);
    expect(after?.count).toBe(before?.count);
    const [again] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'field-notebook-usd'));
    expect(again).toEqual(notebook);
    expect(await t.db.select({ id: providerPrices.providerPriceId }).from(providerPrices).where(eq(providerPrices.priceId, notebook!.id))).toEqual([
      { id: 'price_from_stripe' },
    ]);
  });

  it('hides inactive products and prices', async () => {
    await seedCatalog(t.db);
    await t.db.update(products).set({ active: false }).where(eq(products.slug, 'brass-fountain-pen'));
    await t.db.update(prices).set({ active: false }).where(eq(prices.lookupKey, 'pro-monthly-jpy'));
    const catalog = await listCatalog(t.db);
    expect(catalog.find((product) => product.slug === 'brass-fountain-pen')).toBeUndefined();
    expect(catalog.flatMap((product) => product.prices).find((price) => price.lookupKey === 'pro-monthly-jpy')).toBeUndefined();
    await t.db.update(products).set({ active: true });
    await t.db.update(prices).set({ active: true });
  });
});

describe('schema guards money and identity', () => {
  it('refuses a negative price, a lower-case currency and an interval on a one-time price', async () => {
    await seedCatalog(t.db);
    const [product] = await t.db.select().from(products).where(eq(products.slug, 'field-notebook'));
    const base = { productId: product!.id, type: 'one_time' as const, currency: 'USD', amount: 100 };
    expect(await constraintError(t.db.insert(prices).values({ ...base, lookupKey: 'neg', amount: -1 }))).toBe('prices_amount_non_negative');
    expect(await constraintError(t.db.insert(prices).values({ ...base, lookupKey: 'lower', currency: 'usd' }))).toBe('prices_currency_iso');
    expect(await constraintError(t.db.insert(prices).values({ ...base, lookupKey: 'int', interval: 'month' }))).toBe('prices_interval_matches_type');
  });

  it('refuses an order line whose total is not unit amount × quantity, or whose quantity is out of 1–99', async () => {
    const [price] = await t.db.select().from(prices).limit(1);
    const [order] = await t.db.insert(orders).values({ email: 'a@example.com', currency: 'USD', amountSubtotal: 100, amountTotal: 100 }).returning();
    const line = { orderId: order!.id, priceId: price!.id, description: 'x', unitAmount: 100, currency: 'USD' };
    expect(await constraintError(t.db.insert(orderItems).values({ ...line, quantity: 2, amountTotal: 100 }))).toBe('order_items_total');
    expect(await constraintError(t.db.insert(orderItems).values({ ...line, quantity: 100, amountTotal: 10000 }))).toBe('order_items_quantity_range');
  });

  it('maps a price to one price per provider and terms, and a provider’s price to one of ours, so a webhook’s price names one plan', async () => {
    await seedCatalog(t.db);
    const [monthly, yearly] = await t.db.select().from(prices).where(inArray(prices.lookupKey, ['starter-monthly-usd', 'starter-yearly-usd'])).orderBy(prices.lookupKey);
    await t.db.insert(providerPrices).values({ priceId: monthly!.id, provider: 'stripe', providerPriceId: 'price_starter' });
    expect(await constraintError(t.db.insert(providerPrices).values({ priceId: monthly!.id, provider: 'stripe', providerPriceId: 'price_other' }))).toBe(
      'provider_prices_price_id_provider_terms_pk',
    );
    // Other terms (a PayPal plan with the trial, another without) are another provider price of the same price.
    await t.db.insert(providerPrices).values({ priceId: monthly!.id, provider: 'paypal', providerPriceId: 'P-TRIAL', terms: '900 USD every 1 month; trial 14 days' });
    await t.db.insert(providerPrices).values({ priceId: monthly!.id, provider: 'paypal', providerPriceId: 'P-NO-TRIAL', terms: '900 USD every 1 month; trial 0 days' });
    expect(await constraintError(t.db.insert(providerPrices).values({ priceId: yearly!.id, provider: 'stripe', providerPriceId: 'price_starter' }))).toBe(
      'provider_prices_provider_price_key',
    );
    // Each provider names its own objects: the same id at another provider is another price.
    await t.db.insert(providerPrices).values({ priceId: yearly!.id, provider: 'paypal', providerPriceId: 'price_starter' });

    const [pro, starter] = await t.db.select().from(products).where(inArray(products.slug, ['starter', 'pro'])).orderBy(products.slug);
    await t.db.insert(providerProducts).values({ productId: pro!.id, provider: 'stripe', providerProductId: 'prod_1' });
    expect(await constraintError(t.db.insert(providerProducts).values({ productId: starter!.id, provider: 'stripe', providerProductId: 'prod_1' }))).toBe(
      'provider_products_provider_product_key',
    );
  });

  it('keeps one provider customer per user and provider', async () => {
    const [user] = await t.db.insert(users).values({ email: 'one-customer@example.com' }).returning();
    await t.db.insert(customers).values({ userId: user!.id, email: user!.email, provider: 'stripe', providerCustomerId: 'cus_1' });
    expect(
      await constraintError(t.db.insert(customers).values({ userId: user!.id, email: user!.email, provider: 'stripe', providerCustomerId: 'cus_2' })),
    ).toBe('customers_user_provider_key');
  });

  it('stores each provider event once', async () => {
    const event = { provider: 'stripe' as const, eventId: 'evt_1', type: 'payment_intent.succeeded', payload: {} };
    await t.db.insert(webhookEvents).values(event);
    const again = await t.db.insert(webhookEvents).values(event).onConflictDoNothing().returning();
    expect(again).toHaveLength(0);
  });
});
