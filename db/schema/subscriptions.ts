import { sql } from 'drizzle-orm';
import { bigint, boolean, char, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import { users } from './auth';
import { prices } from './catalog';
import { customers, paymentProvider } from './customers';

/** Every status Stripe has for a subscription; PayPal's map onto these. */
export const subscriptionStatus = pgEnum('subscription_status', [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'canceled',
  'paused',
]);

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    provider: paymentProvider('provider').notNull(),
    providerSubscriptionId: text('provider_subscription_id').notNull(),
    status: subscriptionStatus('status').notNull(),
    priceId: uuid('price_id')
      .notNull()
      .references(() => prices.id),
    quantity: integer('quantity').notNull().default(1),
    currentPeriodStart: timestamp('current_period_start', { withTimezone: true }),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    canceledAt: timestamp('canceled_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    trialEnd: timestamp('trial_end', { withTimezone: true }),
    trialStart: timestamp('trial_start', { withTimezone: true }),
    cancelAt: timestamp('cancel_at', { withTimezone: true }),
    /** When the provider created it: the newest of an account's subscriptions is its current one. */
    providerCreatedAt: timestamp('provider_created_at', { withTimezone: true }).notNull(),
    /** The card renewals are charged to, as far as it may be shown. */
    providerPaymentMethodId: text('provider_payment_method_id'),
    paymentMethodBrand: text('payment_method_brand'),
    paymentMethodLast4: text('payment_method_last4'),
    paymentMethodExpMonth: integer('payment_method_exp_month'),
    paymentMethodExpYear: integer('payment_method_exp_year'),
    /** The email of the provider account renewals are drawn from, when it is not a card (a PayPal payer's). */
    paymentMethodEmail: text('payment_method_email'),
    /** A plan change planned for later (a downgrade at the period end) and the provider object carrying it. */
    pendingPriceId: uuid('pending_price_id').references(() => prices.id),
    pendingChangeAt: timestamp('pending_change_at', { withTimezone: true }),
    /** ProviderSubscription.changeCarrierId (a Stripe subscription schedule): named before the provider seam, kept rather than migrated. */
    providerScheduleId: text('provider_schedule_id'),
    latestProviderInvoiceId: text('latest_provider_invoice_id'),
    /** The trial end the subscriber was told about (the provider's notice a few days before it). */
    trialEndingNoticeFor: timestamp('trial_ending_notice_for', { withTimezone: true }),
    providerUpdatedAt: timestamp('provider_updated_at', { withTimezone: true }),
    /**
     * Collections of the outstanding balance the subscriber asked for (PayPal's capture): the
     * next one's idempotency key. Counted in the transaction that makes the call, so a call that
     * failed on the way is retried under its key, and one the provider answered is not replayed.
     */
    balanceCollections: integer('balance_collections').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('subscriptions_provider_subscription_key').on(t.provider, t.providerSubscriptionId),
    index('subscriptions_user_id_idx').on(t.userId),
    // The console's subscriptions list pages by keyset on (created_at desc, id desc).
    index('subscriptions_created_at_id_idx').on(t.createdAt, t.id),
    // At most one subscription per account that is live or still being set up.
    uniqueIndex('subscriptions_one_live_per_user')
      .on(t.userId)
      .where(sql`${t.status} IN ('incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused')`),
  ],
);

export const invoiceStatus = pgEnum('invoice_status', ['draft', 'open', 'paid', 'uncollectible', 'void']);

export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id').references(() => subscriptions.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    provider: paymentProvider('provider').notNull(),
    providerInvoiceId: text('provider_invoice_id').notNull(),
    number: text('number'),
    status: invoiceStatus('status').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    amountDue: bigint('amount_due', { mode: 'number' }).notNull(),
    amountPaid: bigint('amount_paid', { mode: 'number' }).notNull().default(0),
    hostedInvoiceUrl: text('hosted_invoice_url'),
    invoicePdf: text('invoice_pdf'),
    periodStart: timestamp('period_start', { withTimezone: true }),
    periodEnd: timestamp('period_end', { withTimezone: true }),
    amountRemaining: bigint('amount_remaining', { mode: 'number' }).notNull().default(0),
    /**
     * Given back from what was paid (a refund of the invoice's payment), never more than
     * `amount_paid` and never lowered: a late or stale report of fewer refunds changes nothing.
     */
    amountRefunded: bigint('amount_refunded', { mode: 'number' }).notNull().default(0),
    /**
     * The provider's payment that collected it (a Stripe PaymentIntent, a PayPal sale), once
     * known: a refund of that payment, reported as the payment's, lands on this invoice.
     */
    providerPaymentId: text('provider_payment_id'),
    /** When the provider created it (its date on the invoice), and when it is due or was paid. */
    providerCreatedAt: timestamp('provider_created_at', { withTimezone: true }).notNull(),
    dueDate: timestamp('due_date', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    billingReason: text('billing_reason'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextPaymentAttempt: timestamp('next_payment_attempt', { withTimezone: true }),
    /** The status of the payment collecting it (`requires_action`: the bank wants the subscriber to confirm). */
    paymentStatus: text('payment_status'),
    providerUpdatedAt: timestamp('provider_updated_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('invoices_provider_invoice_key').on(t.provider, t.providerInvoiceId),
    index('invoices_customer_id_idx').on(t.customerId),
    index('invoices_subscription_id_idx').on(t.subscriptionId, t.providerCreatedAt),
    // A payment's refund finds the invoice it paid (applyPayments, for every refunded payment).
    index('invoices_provider_payment_id_idx').on(t.provider, t.providerPaymentId).where(sql`${t.providerPaymentId} is not null`),
  ],
);

/**
 * `awaiting_approval`: the new subscription exists at a provider that starts with approval
 * (PayPal) and waits for the buyer; `scheduled`: the old one is set to end with its paid period,
 * and the new one takes over then; `started`: it has; `undone`: the subscriber kept the old one
 * before it ended (kept, not deleted, for the record; a later move replaces it).
 */
export const subscriptionSwitchStatus = pgEnum('subscription_switch_status', ['awaiting_approval', 'scheduled', 'started', 'undone']);

/**
 * A subscriber moving their subscription to another provider without paying twice: the
 * subscription they leave is set to end with the period paid for, and the one they move to
 * starts when it does. To a card (from PayPal): the card is saved at that provider now and the
 * new subscription made then. To PayPal (from a card): the new subscription is made now, starting
 * then (PayPal's start_time), and approved by the buyer. One per subscription left.
 */
export const subscriptionSwitches = pgTable(
  'subscription_switches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    fromSubscriptionId: uuid('from_subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    toProvider: paymentProvider('to_provider').notNull(),
    /** To a card: the provider's id of the card saved for it, and how the portal names that card. */
    providerCardId: text('provider_card_id'),
    cardBrand: text('card_brand'),
    cardLast4: char('card_last4', { length: 4 }),
    /** To PayPal: its subscription, made up front to start when the paid period ends. */
    toProviderSubscriptionId: text('to_provider_subscription_id'),
    /** When the period paid for ends: the new subscription's first charge. */
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    status: subscriptionSwitchStatus('status').notNull().default('scheduled'),
    toSubscriptionId: uuid('to_subscription_id').references(() => subscriptions.id),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('subscription_switches_from_key').on(t.fromSubscriptionId),
    index('subscription_switches_user_id_idx').on(t.userId),
    uniqueIndex('subscription_switches_to_provider_subscription_key').on(t.toProvider, t.toProviderSubscriptionId),
  ],
);
