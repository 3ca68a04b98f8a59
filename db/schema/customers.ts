import { sql } from 'drizzle-orm';
import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import { users } from './auth';

export const paymentProvider = pgEnum('payment_provider', ['stripe', 'paypal']);

/**
 * A person as a payment provider knows them: one row per user (or guest email) and provider,
 * so two checkouts never create two Stripe customers for one account.
 */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    email: text('email').notNull(),
    provider: paymentProvider('provider').notNull(),
    providerCustomerId: text('provider_customer_id').notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('customers_provider_customer_key').on(t.provider, t.providerCustomerId),
    uniqueIndex('customers_user_provider_key').on(t.userId, t.provider).where(sql`${t.userId} IS NOT NULL`),
    uniqueIndex('customers_guest_email_provider_key').on(t.provider, sql`lower(${t.email})`).where(sql`${t.userId} IS NULL`),
    index('customers_email_idx').on(sql`lower(${t.email})`),
  ],
);
