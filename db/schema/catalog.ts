import { sql } from 'drizzle-orm';
import { boolean, check, char, index, integer, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import { paymentProvider } from './customers';

export const priceType = pgEnum('price_type', ['one_time', 'recurring']);
export const billingInterval = pgEnum('billing_interval', ['day', 'week', 'month', 'year']);

export const products = pgTable('products', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  /** Plans are sold on the pricing page, other products in the shop. */
  kind: text('kind', { enum: ['good', 'plan'] }).notNull(),
  active: boolean('active').notNull().default(true),
  /** Display order in the shop and on the pricing page, lowest first. */
  position: integer('position').notNull().default(0),
  ...timestamps,
});

export const prices = pgTable(
  'prices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    /** Stable name used by seeds and code (`pro-monthly-usd`); mirrors Stripe's lookup_key. */
    lookupKey: text('lookup_key').notNull().unique(),
    /** Minor units of `currency`. */
    amount: integer('amount').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    type: priceType('type').notNull(),
    interval: billingInterval('interval'),
    intervalCount: integer('interval_count').notNull().default(1),
    trialDays: integer('trial_days'),
    active: boolean('active').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    index('prices_product_id_idx').on(t.productId),
    check('prices_amount_non_negative', sql`${t.amount} >= 0`),
    check('prices_currency_iso', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('prices_interval_matches_type', sql`(${t.type} = 'recurring') = (${t.interval} IS NOT NULL)`),
    check('prices_interval_count_positive', sql`${t.intervalCount} >= 1`),
    check('prices_trial_only_recurring', sql`${t.trialDays} IS NULL OR (${t.type} = 'recurring' AND ${t.trialDays} > 0)`),
    uniqueIndex('prices_product_currency_interval_key').on(t.productId, t.currency, t.type, t.interval, t.intervalCount),
  ],
);

/**
 * Our product as each provider knows it. Unique both ways: one provider product per product
 * and provider, and a provider's product is never two of ours. Only ids carried over from the
 * old products columns are here so far: ensurePlanPrice reports the price it made, not its product.
 */
export const providerProducts = pgTable(
  'provider_products',
  {
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    provider: paymentProvider('provider').notNull(),
    providerProductId: text('provider_product_id').notNull(),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.productId, t.provider] }), uniqueIndex('provider_products_provider_product_key').on(t.provider, t.providerProductId)],
);

/**
 * Our price as each provider knows it (a Stripe price, a PayPal plan), recorded the first time
 * anyone subscribes to it there. A provider's price always names one of ours. A provider whose
 * plans are fixed with their amount and trial (PayPal) has one per `terms` (amount, interval,
 * trial), so a price changed in our catalog, or subscribed without the trial, gets a new plan
 * there while subscribers keep theirs; other providers have one per price, with `terms` ''.
 */
export const providerPrices = pgTable(
  'provider_prices',
  {
    priceId: uuid('price_id')
      .notNull()
      .references(() => prices.id, { onDelete: 'cascade' }),
    provider: paymentProvider('provider').notNull(),
    providerPriceId: text('provider_price_id').notNull(),
    terms: text('terms').notNull().default(''),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.priceId, t.provider, t.terms] }), uniqueIndex('provider_prices_provider_price_key').on(t.provider, t.providerPriceId)],
);
