import { sql } from 'drizzle-orm';
import { bigint, check, char, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
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
    /**
     * The idempotency key the checkout created this payment with at the provider. Stored rather
     * than derived: the key holds the attempt number and a fingerprint of the cart at that moment
     * (lib/billing/checkout.ts), which cannot be rebuilt later. Null for payments the provider
     * reported first, and for those recorded before the column existed.
     */
    idempotencyKey: text('idempotency_key'),
    /** The provider object's own last-change time: older events never overwrite newer state. */
    providerUpdatedAt: timestamp('provider_updated_at', { withTimezone: true }),
    /** The provider's id of the money movement (Stripe's charge `ch_`/`py_`, PayPal's capture), which support is often given instead of the payment's. */
    providerChargeId: text('provider_charge_id'),
    /** The card it was paid with (or last tried), in Billfold's lower-case brand names; null for a wallet or before a card is known. */
    cardBrand: text('card_brand'),
    cardLast4: char('card_last4', { length: 4 }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('payments_provider_payment_key').on(t.provider, t.providerPaymentId),
    // The admin search by charge or capture id: an exact probe. Partial, since payments never
    // charged (abandoned checkouts: most rows of a busy shop) have none. Not unique: a search
    // index must never become a reason a provider's webhook cannot be applied.
    index('payments_provider_charge_id_idx').on(t.providerChargeId).where(sql`${t.providerChargeId} is not null`),
    // The admin search by card last 4: ten thousand values, so one of them can still match many
    // payments (every test-mode payment is 4242). Ordered like the list (and read backwards like its index), so "4242, newest first"
    // is a keyset walk of this index from the cursor, not a sort of every match.
    index('payments_card_last4_created_at_id_idx').on(t.cardLast4, t.createdAt, t.id).where(sql`${t.cardLast4} is not null`),
    check('payments_card_last4_digits', sql`${t.cardLast4} ~ '^[0-9]{4}$'`),
    index('payments_order_id_idx').on(t.orderId),
    // The admin transactions list pages by keyset on (created_at desc, id desc): this index, read
    // backwards, serves every page in the same few reads however deep, so page 1,000 costs what
    // page 1 does. Filters without an index of their own (status, currency, amounts) are checked
    // while walking it, which is cheap unless a filter matches very few rows.
    // The overview's sums over a window of days (volume per currency, outcomes) read only these
    // columns, so they come from this index alone, without visiting the table (Drizzle has no
    // INCLUDE, so they are trailing key columns: the list still walks the (created_at, id) prefix).
    index('payments_created_at_id_idx').on(t.createdAt, t.id, t.currency, t.amountCaptured, t.status, t.failureCode),
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

export const refundReason = pgEnum('refund_reason', ['requested_by_customer', 'duplicate', 'fraudulent']);

/**
 * `awaiting_approval`: above ADMIN_REFUND_APPROVAL_ABOVE, waiting for a second admin;
 * `sent`: the provider took it (its refund is in `refunds`, pending until the webhook settles it);
 * `rejected`: a second admin refused it; `failed`: the provider refused it (see `last_error`).
 */
export const refundRequestStatus = pgEnum('refund_request_status', ['awaiting_approval', 'sent', 'rejected', 'failed', 'withdrawn']);

/**
 * An admin's refund, from the moment it is asked for: every console refund is one of these
 * (lib/billing/refunds.ts), sent at once or after a second admin's approval. The idempotency key
 * is derived from the payment and the request id the admin's form carried, so a double submit
 * finds this row and the provider makes one refund. Requests awaiting approval count against what
 * is left to refund, so two requests can never together promise more than was captured.
 */
export const refundRequests = pgTable(
  'refund_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    reason: refundReason('reason').notNull(),
    note: text('note'),
    requestedBy: text('requested_by')
      .notNull()
      .references(() => users.id),
    status: refundRequestStatus('status').notNull(),
    /** Who approved or rejected it; null when it needed no approval. */
    decidedBy: text('decided_by').references(() => users.id),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** `refund:<paymentId>:<requestId>`: what the provider call carried (shared/design.md, "Idempotency"). */
    idempotencyKey: text('idempotency_key').notNull(),
    /** The provider's refund, once sent. */
    providerRefundId: text('provider_refund_id'),
    lastError: text('last_error'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('refund_requests_idempotency_key').on(t.idempotencyKey),
    index('refund_requests_payment_id_idx').on(t.paymentId),
    // The approval queue: small however many refunds were ever sent.
    index('refund_requests_awaiting_idx').on(t.createdAt).where(sql`${t.status} = 'awaiting_approval'`),
    check('refund_requests_amount_positive', sql`${t.amount} > 0`),
    // Maker-checker, enforced below the app as well: nobody decides their own request.
    check('refund_requests_decider_not_requester', sql`${t.decidedBy} is null or ${t.decidedBy} <> ${t.requestedBy}`),
  ],
);
