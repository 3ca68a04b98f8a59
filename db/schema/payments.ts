import { sql } from 'drizzle-orm';
import { bigint, check, char, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import { paymentProvider } from './customers';
import { orders } from './orders';

export const paymentStatus = pgEnum('payment_status', [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'canceled',
]);

/** One provider payment attempt container (a Stripe PaymentIntent, a PayPal order). */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id').references(() => orders.id),
    provider: paymentProvider('provider').notNull(),
    providerPaymentId: text('provider_payment_id').notNull(),
    status: paymentStatus('status').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    amountCaptured: bigint('amount_captured', { mode: 'number' }).notNull().default(0),
    amountRefunded: bigint('amount_refunded', { mode: 'number' }).notNull().default(0),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    /** The provider object's own last-change time: older events never overwrite newer state. */
    providerUpdatedAt: timestamp('provider_updated_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('payments_provider_payment_key').on(t.provider, t.providerPaymentId),
    index('payments_order_id_idx').on(t.orderId),
    // The admin transactions list pages by keyset on (created_at desc, id desc): this index, read
    // backwards, serves every page in the same few reads however deep, so page 1,000 costs what
    // page 1 does. Filters without an index of their own (status, currency, amounts) are checked
    // while walking it, which is cheap unless a filter matches very few rows.
    index('payments_created_at_id_idx').on(t.createdAt, t.id),
    check('payments_refund_within_capture', sql`${t.amountRefunded} >= 0 AND ${t.amountRefunded} <= ${t.amountCaptured}`),
    check('payments_capture_within_amount', sql`${t.amountCaptured} >= 0 AND ${t.amountCaptured} <= ${t.amount}`),
  ],
);

export const refundStatus = pgEnum('refund_status', ['pending', 'requires_action', 'succeeded', 'failed', 'canceled']);

export const refunds = pgTable(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    provider: paymentProvider('provider').notNull(),
    providerRefundId: text('provider_refund_id'),
    status: refundStatus('status').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    reason: text('reason'),
    /** Who asked for it, when it came from an admin (null when the provider reported it first). */
    requestedBy: text('requested_by'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('refunds_provider_refund_key').on(t.provider, t.providerRefundId),
    index('refunds_payment_id_idx').on(t.paymentId),
    check('refunds_amount_positive', sql`${t.amount} > 0`),
  ],
);

export const disputeStatus = pgEnum('dispute_status', [
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
  'needs_response',
  'under_review',
  'won',
  'lost',
]);

export const disputes = pgTable(
  'disputes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    provider: paymentProvider('provider').notNull(),
    providerDisputeId: text('provider_dispute_id').notNull(),
    status: disputeStatus('status').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    reason: text('reason'),
    evidenceDueBy: timestamp('evidence_due_by', { withTimezone: true }),
    providerUpdatedAt: timestamp('provider_updated_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex('disputes_provider_dispute_key').on(t.provider, t.providerDisputeId), index('disputes_payment_id_idx').on(t.paymentId)],
);
