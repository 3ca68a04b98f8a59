import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { prices, products } from '@/db/schema';
import type { Money } from '@/lib/money';

export interface CatalogPrice {
  id: string;
  lookupKey: string;
  price: Money;
  type: 'one_time' | 'recurring';
  interval: 'day' | 'week' | 'month' | 'year' | null;
  intervalCount: number;
  trialDays: number | null;
}

export interface CatalogProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  kind: 'good' | 'plan';
  prices: CatalogPrice[];
}

/** Active products with their active prices, in a stable order. */
export async function listCatalog(db: Database): Promise<CatalogProduct[]> {
  const rows = await db
    .select({ product: products, price: prices })
    .from(products)
    .innerJoin(prices, eq(prices.productId, products.id))
    .where(and(eq(products.active, true), eq(prices.active, true)))
    .orderBy(asc(products.position), asc(products.name), asc(prices.interval), asc(prices.currency), asc(prices.amount));

  const byId = new Map<string, CatalogProduct>();
  for (const { product, price } of rows) {
    let entry = byId.get(product.id);
    if (!entry) {
      entry = { id: product.id, slug: product.slug, name: product.name, description: product.description, kind: product.kind, prices: [] };
      byId.set(product.id, entry);
    }
    entry.prices.push({
      id: price.id,
      lookupKey: price.lookupKey,
      price: { amount: price.amount, currency: price.currency },
      type: price.type,
      interval: price.interval,
      intervalCount: price.intervalCount,
      trialDays: price.trialDays,
    });
  }
  return [...byId.values()];
}
