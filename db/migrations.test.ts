import { eq, sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedDatabase } from '@/test/database';
import { MIGRATIONS_FOLDER } from './migrate';
import { providerPrices, providerProducts } from './schema';

const t = isolatedDatabase({ migrated: false });
const folders: string[] = [];

afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** The committed migrations up to and including `tag`, as a folder of their own for the migrator. */
async function migrationsUpTo(tag: string): Promise<string> {
  const journal = JSON.parse(await readFile(path.join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === tag);
  if (last < 0) throw new Error(`no migration ${tag}`);
  const entries = journal.entries.slice(0, last + 1);
  const folder = await mkdtemp(path.join(os.tmpdir(), 'billfold-migrations-'));
  folders.push(folder);
  await mkdir(path.join(folder, 'meta'));
  await writeFile(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const entry of entries) await copyFile(path.join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), path.join(folder, `${entry.tag}.sql`));
  return folder;
}

describe('0004_provider_catalog_ids', () => {
  it('moves the provider ids recorded on products and prices into the mapping tables, so no plan is made at a provider again', async () => {
    await migrate(t.db, { migrationsFolder: await migrationsUpTo('0003_subscription_billing'), migrationsSchema: 'drizzle' });
    // Rows as the code before 0004 wrote them: the provider ids on the catalog rows themselves.
    const [product] = await t.db.execute<{ id: string }>(
      sql`insert into products (slug, name, kind, stripe_product_id) values ('pro', 'Pro', 'plan', 'prod_pro') returning id`,
    );
    const [monthly] = await t.db.execute<{ id: string }>(sql`
      insert into prices (product_id, lookup_key, amount, currency, type, interval, stripe_price_id, paypal_plan_id)
      values (${product!.id}, 'pro-monthly-usd', 2900, 'USD', 'recurring', 'month', 'price_pro_monthly', 'P-PRO-MONTHLY') returning id`);
    const [yearly] = await t.db.execute<{ id: string }>(sql`
      insert into prices (product_id, lookup_key, amount, currency, type, interval)
      values (${product!.id}, 'pro-yearly-usd', 29000, 'USD', 'recurring', 'year') returning id`);

    await migrate(t.db, { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema: 'drizzle' });

    const recorded = (priceId: string) => t.db.select({ provider: providerPrices.provider, id: providerPrices.providerPriceId }).from(providerPrices).where(eq(providerPrices.priceId, priceId)).orderBy(providerPrices.provider);
    expect(await recorded(monthly!.id)).toEqual([{ provider: 'stripe', id: 'price_pro_monthly' }, { provider: 'paypal', id: 'P-PRO-MONTHLY' }]);
    expect(await t.db.select({ provider: providerPrices.provider }).from(providerPrices).where(eq(providerPrices.priceId, yearly!.id))).toEqual([]);
    expect(await t.db.select({ productId: providerProducts.productId, provider: providerProducts.provider, id: providerProducts.providerProductId }).from(providerProducts)).toEqual([
      { productId: product!.id, provider: 'stripe', id: 'prod_pro' },
    ]);
    const leftover = await t.db.execute(sql`
      select column_name from information_schema.columns
      where table_schema = 'public' and table_name in ('products', 'prices') and column_name like any (array['stripe_%', 'paypal_%'])`);
    expect(leftover).toHaveLength(0);
  });
});
