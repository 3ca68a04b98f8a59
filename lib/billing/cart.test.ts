import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { prices, products } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { isolatedDatabase } from '@/test/database';
import { CartError, priceCart, type CartItem } from './cart';

const t = isolatedDatabase();
const ids: Record<string, string> = {};

beforeAll(async () => {
  await seedCatalog(t.db);
  for (const price of await t.db.select().from(prices)) ids[price.lookupKey] = price.id;
});

async function refusal(items: CartItem[]): Promise<CartError> {
  try {
    await priceCart(t.db, items);
  } catch (error) {
    if (error instanceof CartError) return error;
    throw error;
  }
  throw new Error('expected the cart to be refused');
}

describe('pricing a cart on the server', () => {
  it('prices each line from the catalog and adds them up in minor units', async () => {
    const cart = await priceCart(t.db, [
      { priceId: ids['field-notebook-usd']!, quantity: 3 },
      { priceId: ids['brass-fountain-pen-usd']!, quantity: 1 },
    ]);
    expect(cart.currency).toBe('USD');
    expect(cart.lines).toEqual([
      { priceId: ids['field-notebook-usd'], description: 'Field Notebook', unitAmount: { amount: 1800, currency: 'USD' }, quantity: 3, amountTotal: { amount: 5400, currency: 'USD' } },
      { priceId: ids['brass-fountain-pen-usd'], description: 'Brass Fountain Pen', unitAmount: { amount: 6400, currency: 'USD' }, quantity: 1, amountTotal: { amount: 6400, currency: 'USD' } },
    ]);
    expect(cart.total).toEqual({ amount: 11800, currency: 'USD' });
  });

  it('prices a zero-decimal currency in its own minor units', async () => {
    const cart = await priceCart(t.db, [{ priceId: ids['washi-tape-set-jpy']!, quantity: 99 }]);
    expect(cart.total).toEqual({ amount: 196020, currency: 'JPY' });
  });

  it('refuses an empty cart', async () => {
    expect((await refusal([])).code).toBe('empty_cart');
  });

  it('refuses a price that does not exist, or an id that is not one', async () => {
    expect((await refusal([{ priceId: crypto.randomUUID(), quantity: 1 }])).code).toBe('unknown_price');
    expect((await refusal([{ priceId: "1' or '1'='1", quantity: 1 }])).code).toBe('unknown_price');
  });

  it('refuses an inactive price, and an active price of an inactive product', async () => {
    await t.db.update(prices).set({ active: false }).where(eq(prices.lookupKey, 'field-notebook-usd'));
    const inactivePrice = await refusal([{ priceId: ids['field-notebook-usd']!, quantity: 1 }]);
    expect(inactivePrice.code).toBe('inactive_price');
    expect(inactivePrice.message).toContain('Field Notebook is no longer for sale');
    await t.db.update(prices).set({ active: true }).where(eq(prices.lookupKey, 'field-notebook-usd'));

    await t.db.update(products).set({ active: false }).where(eq(products.slug, 'brass-fountain-pen'));
    expect((await refusal([{ priceId: ids['brass-fountain-pen-usd']!, quantity: 1 }])).code).toBe('inactive_price');
    await t.db.update(products).set({ active: true }).where(eq(products.slug, 'brass-fountain-pen'));
  });

  it('refuses a recurring (membership) price', async () => {
    const error = await refusal([{ priceId: ids['pro-monthly-usd']!, quantity: 1 }]);
    expect(error.code).toBe('not_one_time');
  });

  it('refuses a cart that mixes currencies, naming them', async () => {
    const error = await refusal([
      { priceId: ids['field-notebook-usd']!, quantity: 1 },
      { priceId: ids['washi-tape-set-jpy']!, quantity: 1 },
    ]);
    expect(error.code).toBe('mixed_currencies');
    expect(error.message).toContain('USD and JPY');
  });

  it('refuses quantities outside 1–99 and fractional quantities', async () => {
    for (const quantity of [0, -1, 100, 1.5, 1e21, 2 ** 53 + 2, Number.NaN]) {
      expect((await refusal([{ priceId: ids['field-notebook-usd']!, quantity }])).code, String(quantity)).toBe('invalid_quantity');
    }
  });

  it('says which product has the wrong quantity, and marks that line for the cart page', async () => {
    const error = await refusal([
      { priceId: ids['brass-fountain-pen-usd']!, quantity: 1 },
      { priceId: ids['field-notebook-usd']!, quantity: 1.5 },
    ]);
    expect(error.message).toBe('Quantity of Field Notebook must be a whole number between 1 and 99.');
    expect(error.field).toBe('items.1.quantity');
  });

  it('refuses the same price listed twice', async () => {
    const priceId = ids['field-notebook-usd']!;
    expect((await refusal([{ priceId, quantity: 1 }, { priceId: priceId.toUpperCase(), quantity: 99 }])).code).toBe('duplicate_item');
  });
});
