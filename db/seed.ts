import { sql } from 'drizzle-orm';
import type { Database } from './client';
import { prices, products } from './schema';

type SeedPrice = Omit<typeof prices.$inferInsert, 'productId'>;
interface SeedProduct {
  product: Omit<typeof products.$inferInsert, 'id'>;
  prices: SeedPrice[];
}

/** The demo catalog: goods in USD and JPY, and two plans, one with a trial. */
export const DEMO_CATALOG: SeedProduct[] = [
  {
    product: { slug: 'field-notebook', position: 1, kind: 'good', name: 'Field Notebook', description: 'A5 dot-grid notebook, 192 pages of 100 g/m² paper, lay-flat binding.' },
    prices: [{ lookupKey: 'field-notebook-usd', amount: 1800, currency: 'USD', type: 'one_time' }],
  },
  {
    product: { slug: 'brass-fountain-pen', position: 2, kind: 'good', name: 'Brass Fountain Pen', description: 'Solid brass body with a steel fine nib. Ages beautifully.' },
    prices: [{ lookupKey: 'brass-fountain-pen-usd', amount: 6400, currency: 'USD', type: 'one_time' }],
  },
  {
    product: { slug: 'washi-tape-set', position: 3, kind: 'good', name: 'Washi Tape Set', description: 'Six rolls of Japanese paper tape, printed in Kyoto.' },
    prices: [{ lookupKey: 'washi-tape-set-jpy', amount: 1980, currency: 'JPY', type: 'one_time' }],
  },
  {
    product: { slug: 'starter', position: 4, kind: 'plan', name: 'Starter', description: 'For individuals: monthly notebook refills and the members’ library.' },
    prices: [
      { lookupKey: 'starter-monthly-usd', amount: 900, currency: 'USD', type: 'recurring', interval: 'month' },
      { lookupKey: 'starter-yearly-usd', amount: 9000, currency: 'USD', type: 'recurring', interval: 'year' },
    ],
  },
  {
    product: { slug: 'pro', position: 5, kind: 'plan', name: 'Pro', description: 'For studios: everything in Starter, plus pens, priority shipping and workshops.' },
    prices: [
      { lookupKey: 'pro-monthly-usd', amount: 2900, currency: 'USD', type: 'recurring', interval: 'month', trialDays: 14 },
      { lookupKey: 'pro-yearly-usd', amount: 29000, currency: 'USD', type: 'recurring', interval: 'year', trialDays: 14 },
      { lookupKey: 'pro-monthly-jpy', amount: 4200, currency: 'JPY', type: 'recurring', interval: 'month', trialDays: 14 },
    ],
  },
];

/**
 * Upserts the demo catalog by slug and lookup key, so it can run on every start without
 * duplicating rows or undoing provider ids recorded since.
 */
export async function seedCatalog(db: Database, catalog: SeedProduct[] = DEMO_CATALOG): Promise<void> {
  await db.transaction(async (tx) => {
    for (const entry of catalog) {
      const [product] = await tx
        .insert(products)
        .values(entry.product)
        .onConflictDoUpdate({
          target: products.slug,
          set: { name: entry.product.name, description: entry.product.description, kind: entry.product.kind, position: entry.product.position, updatedAt: sql`now()` },
        })
        .returning({ id: products.id });
      if (!product) throw new Error(`seeding ${entry.product.slug} returned no row`);
      for (const price of entry.prices) {
        await tx
          .insert(prices)
          .values({ ...price, productId: product.id })
          // Prices are immutable once created, as at Stripe: a changed price gets a new lookup key.
          .onConflictDoNothing({ target: prices.lookupKey });
      }
    }
  });
}
