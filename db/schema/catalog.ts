import { sql } from 'drizzle-orm';
import { boolean, check, char, index, integer, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';

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
  stripeProductId: text('stripe_product_id').unique(),
  paypalProductId: text('paypal_product_id').unique(),
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
    stripePriceId: text('stripe_price_id').unique(),
    paypalPlanId: text('paypal_plan_id').unique(),
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
