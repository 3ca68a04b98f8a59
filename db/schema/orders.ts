import { sql } from 'drizzle-orm';
import { bigint, check, char, index, integer, pgEnum, pgTable, text, timestamp, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import { users } from './auth';
import { prices } from './catalog';
import { customers } from './customers';
import { payments } from './payments';

export const orderStatus = pgEnum('order_status', [
  'open', // created, awaiting payment
  'processing', // the provider has the payment in flight
  'paid',
  'payment_failed', // the last attempt failed; the order is still payable
  'canceled',
  'partially_refunded',
  'refunded',
]);

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Short human reference shown on receipts; the uuid stays the key. */
    number: bigint('number', { mode: 'number' }).generatedAlwaysAsIdentity({ startWith: 1000 }).notNull().unique(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    customerId: uuid('customer_id').references(() => customers.id),
    email: text('email').notNull(),
    status: orderStatus('status').notNull().default('open'),
    currency: char('currency', { length: 3 }).notNull(),
    amountSubtotal: bigint('amount_subtotal', { mode: 'number' }).notNull(),
    amountTotal: bigint('amount_total', { mode: 'number' }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    /**
     * The payment that paid the order: the first to succeed, recorded when the order became paid
     * and never changed after. Any other payment of the order that takes money is a duplicate and
     * is refunded (lib/billing/duplicate-payments.ts). Typed by hand: payments references orders.
     */
    paidByPaymentId: uuid('paid_by_payment_id').references((): AnyPgColumn => payments.id),
    ...timestamps,
  },
  (t) => [
    index('orders_user_id_idx').on(t.userId),
    // Admin search by a buyer's email matches case-insensitively (lib/admin/transactions.ts).
    index('orders_email_idx').on(sql`lower(${t.email})`),
    check('orders_amounts_non_negative', sql`${t.amountSubtotal} >= 0 AND ${t.amountTotal} >= 0`),
    check('orders_currency_iso', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    priceId: uuid('price_id')
      .notNull()
      .references(() => prices.id),
    /** Snapshot of the product name at purchase: receipts must not change when the catalog does. */
    description: text('description').notNull(),
    unitAmount: bigint('unit_amount', { mode: 'number' }).notNull(),
    quantity: integer('quantity').notNull(),
    amountTotal: bigint('amount_total', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
  },
  (t) => [
    index('order_items_order_id_idx').on(t.orderId),
    check('order_items_quantity_range', sql`${t.quantity} BETWEEN 1 AND 99`),
    check('order_items_total', sql`${t.amountTotal} = ${t.unitAmount} * ${t.quantity}`),
  ],
);
