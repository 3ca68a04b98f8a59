import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database, Transaction } from '@/db/client';
import { customers, invoices, prices, products, subscriptionSwitches, subscriptions } from '@/db/schema';
import type { PaymentsApi, SubscriptionsApi } from '@/lib/payments/provider';
import { PROVIDER_LABELS, type InvoiceStatus, type PaymentProviderName, type SubscriptionStatus } from '@/lib/payments/types';
import { money, type Money } from '@/lib/money';
import { hasOwnReceipt, receiptPath } from './receipts';
import { paysWithWallet } from './subscription-events';
import { isLive, LIVE_STATUSES } from './subscription-status';
import { invoiceRefundOf, type InvoiceRefund } from './invoice-refund';

/**
 * Subscriptions as pages show them (read models), and what the subscription actions share.
 * State here comes from the provider's webhooks (lib/billing/subscription-events.ts); the
 * actions change things at the provider and then read the provider's answer back the same way.
 */

export interface SubscriptionDependencies {
  db: Database;
  /** Makes the account's one customer at the provider (lib/billing/customers.ts). */
  payments: PaymentsApi;
  subscriptions: SubscriptionsApi;
  /** Another provider's payments and subscriptions, for an account's subscription billed there (switching providers). */
  providerOf?: (name: PaymentProviderName) => { payments: PaymentsApi; subscriptions: SubscriptionsApi };
}

/** The signed-in account a subscription action is for. */
export interface Subscriber {
  userId: string;
  email: string;
}

export type Interval = 'day' | 'week' | 'month' | 'year';

export interface PlanView {
  productName: string;
  productSlug: string;
  lookupKey: string;
  interval: Interval;
  intervalCount: number;
  price: Money;
  trialDays: number | null;
}

export interface CardView {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface SubscriptionView {
  id: string;
  /** The provider it is billed through. */
  provider: PaymentProviderName;
  status: SubscriptionStatus;
  plan: PlanView;
  quantity: number;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  /** When a cancellation takes effect (the period end when cancelling at period end). */
  cancelAt: Date | null;
  trialEnd: Date | null;
  /** A plan change that takes effect later (a downgrade at the period end). */
  pendingChange: { plan: PlanView; effectiveAt: Date } | null;
  paymentMethod: CardView | null;
  /** The provider account renewals are drawn from instead of a card (a PayPal payer), with its email when known. */
  wallet: { email: string | null } | null;
  /** What the next renewal will charge, and when; null when nothing more will be charged. */
  nextCharge: { amount: Money; at: Date } | null;
  /** The unpaid invoice of a subscription that is behind on payments. */
  openInvoice: { amountDue: Money; hostedInvoiceUrl: string | null; needsAction: boolean } | null;
  /** A move to another provider (a card there, or PayPal), taking over when the period paid for ends (provider-switch.ts). */
  movingTo: { provider: PaymentProviderName; card: { brand: string; last4: string } | null; startsAt: Date } | null;
}

export interface InvoiceView {
  id: string;
  number: string | null;
  /** How the subscriber names it: its number, else the provider's id of the payment (PayPal's transaction), or 'Draft' before it has either. */
  reference: string;
  status: InvoiceStatus;
  amountDue: Money;
  amountPaid: Money;
  created: Date;
  dueDate: Date | null;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  /** Billfold's own PDF receipt, for a paid invoice the provider has no PDF of (PayPal's). */
  receiptUrl: string | null;
  /** A void invoice whose amount a later payment collected (a PayPal balance): the money is on that payment's invoice. */
  collectedLater: boolean;
  /** What went back from its payment, if anything: the invoice stays paid, and says so beside it. */
  refund: InvoiceRefund | null;
}

export interface BillingAlert {
  /** `collecting_at_provider`: a renewal failed at a provider that keeps the subscriber's funding (PayPal), which retries it. */
  kind: 'past_due' | 'action_required' | 'trial_ending' | 'collecting_at_provider';
  message: string;
  amountDue?: Money;
  /** The provider the subscription is billed through (for `collecting_at_provider`, where to fix it). */
  provider: PaymentProviderName;
}

type SubscriptionRow = typeof subscriptions.$inferSelect;

function planView(price: typeof prices.$inferSelect, product: typeof products.$inferSelect): PlanView {
  if (!price.interval) throw new Error(`price ${price.lookupKey} is not recurring`);
  return {
    productName: product.name,
    productSlug: product.slug,
    lookupKey: price.lookupKey,
    interval: price.interval,
    intervalCount: price.intervalCount,
    price: money(price.amount, price.currency),
    trialDays: price.trialDays,
  };
}

/**
 * The account's subscription row: the live one, else the most recent. Ownership is part of the
 * query, so no caller can reach another account's subscription.
 */
export async function subscriptionRowFor(db: Database | Transaction, userId: string): Promise<SubscriptionRow | null> {
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(eq(subscriptions.userId, userId))
    .orderBy(desc(inArray(subscriptions.status, LIVE_STATUSES)), desc(subscriptions.providerCreatedAt))
    .limit(1);
  return row ?? null;
}

const pendingPrices = alias(prices, 'pending_prices');
const pendingProducts = alias(products, 'pending_products');

/** The subscriber portal's view of the account's subscription, or null if it never had one. */
export async function currentSubscription(db: Database, userId: string): Promise<SubscriptionView | null> {
  const [row] = await db
    .select({ subscription: subscriptions, price: prices, product: products, pendingPrice: pendingPrices, pendingProduct: pendingProducts })
    .from(subscriptions)
    .innerJoin(prices, eq(prices.id, subscriptions.priceId))
    .innerJoin(products, eq(products.id, prices.productId))
    .leftJoin(pendingPrices, eq(pendingPrices.id, subscriptions.pendingPriceId))
    .leftJoin(pendingProducts, eq(pendingProducts.id, pendingPrices.productId))
    .where(eq(subscriptions.userId, userId))
    .orderBy(desc(inArray(subscriptions.status, LIVE_STATUSES)), desc(subscriptions.providerCreatedAt))
    .limit(1);
  if (!row) return null;
  const { subscription } = row;
  const plan = planView(row.price, row.product);
  const pendingChange =
    row.pendingPrice && row.pendingProduct && subscription.pendingChangeAt
      ? { plan: planView(row.pendingPrice, row.pendingProduct), effectiveAt: subscription.pendingChangeAt }
      : null;

  // What a running subscription owes. A first payment is made on the subscribe page, and an
  // ended subscription's unpaid invoice is no longer the subscriber's to settle here.
  const [open] = isLive(subscription.status) && subscription.status !== 'incomplete'
    ? await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.subscriptionId, subscription.id), eq(invoices.status, 'open'), ne(invoices.amountRemaining, 0)))
        .orderBy(desc(invoices.providerCreatedAt))
        .limit(1)
    : [];
  const [move] = await db
    .select()
    .from(subscriptionSwitches)
    .where(and(eq(subscriptionSwitches.fromSubscriptionId, subscription.id), eq(subscriptionSwitches.status, 'scheduled')));

  return {
    id: subscription.id,
    provider: subscription.provider,
    status: subscription.status,
    plan,
    quantity: subscription.quantity,
    currentPeriodEnd: subscription.currentPeriodEnd,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    cancelAt: subscription.cancelAt,
    trialEnd: subscription.trialEnd,
    pendingChange,
    paymentMethod:
      subscription.paymentMethodBrand && subscription.paymentMethodLast4
        ? {
            brand: subscription.paymentMethodBrand,
            last4: subscription.paymentMethodLast4,
            expMonth: subscription.paymentMethodExpMonth ?? 0,
            expYear: subscription.paymentMethodExpYear ?? 0,
          }
        : null,
    wallet: paysWithWallet(subscription) ? { email: subscription.paymentMethodEmail } : null,
    nextCharge: nextCharge(subscription, plan, pendingChange),
    openInvoice: open
      ? { amountDue: money(open.amountRemaining, open.currency), hostedInvoiceUrl: open.hostedInvoiceUrl, needsAction: open.paymentStatus === 'requires_action' }
      : null,
    movingTo: move
      ? { provider: move.toProvider, card: move.cardBrand && move.cardLast4 ? { brand: move.cardBrand, last4: move.cardLast4 } : null, startsAt: move.startsAt }
      : null,
  };
}

/**
 * The renewal the subscriber can expect: the plan's price at the period end (the new plan's
 * when a change takes effect then), times the quantity. Plan changes now are invoiced at once,
 * so no prorations wait for the renewal.
 */
function nextCharge(subscription: SubscriptionRow, plan: PlanView, pendingChange: SubscriptionView['pendingChange']): SubscriptionView['nextCharge'] {
  if (!['active', 'trialing', 'past_due'].includes(subscription.status)) return null;
  if (subscription.cancelAtPeriodEnd || !subscription.currentPeriodEnd) return null;
  const at = subscription.currentPeriodEnd;
  const charged = pendingChange && pendingChange.effectiveAt.getTime() <= at.getTime() ? pendingChange.plan : plan;
  return { amount: money(charged.price.amount * subscription.quantity, charged.price.currency), at };
}

/** The account's invoices, newest first (drafts are not shown: they may still change). */
export async function invoicesFor(db: Database, userId: string): Promise<InvoiceView[]> {
  const rows = await db
    .select({ invoice: invoices })
    .from(invoices)
    .innerJoin(customers, eq(customers.id, invoices.customerId))
    .where(and(eq(customers.userId, userId), ne(invoices.status, 'draft')))
    .orderBy(desc(invoices.providerCreatedAt), desc(invoices.createdAt));
  return rows.map(({ invoice }) => ({
    id: invoice.id,
    number: invoice.number,
    reference: invoice.number ?? (invoice.status === 'draft' ? 'Draft' : invoice.providerInvoiceId),
    status: invoice.status,
    amountDue: money(invoice.amountDue, invoice.currency),
    amountPaid: money(invoice.amountPaid, invoice.currency),
    created: invoice.providerCreatedAt,
    dueDate: invoice.dueDate,
    hostedInvoiceUrl: invoice.hostedInvoiceUrl,
    invoicePdf: invoice.invoicePdf,
    receiptUrl: hasOwnReceipt(invoice) ? receiptPath(invoice.id) : null,
    collectedLater: invoice.status === 'void' && invoice.paymentStatus === 'succeeded',
    refund: invoiceRefundOf(money(invoice.amountPaid, invoice.currency), money(invoice.amountRefunded, invoice.currency)),
  }));
}

/** The one thing about billing the app should tell this user everywhere (the banner), if any. */
export async function billingAlertFor(db: Database, userId: string): Promise<BillingAlert | null> {
  const view = await currentSubscription(db, userId);
  if (!view) return null;
  if (view.openInvoice && ['past_due', 'unpaid', 'active', 'trialing'].includes(view.status)) {
    if (view.openInvoice.needsAction) {
      return {
        kind: 'action_required',
        message: 'Your bank needs you to confirm your latest payment. Confirm it, or pay with another card, to keep your subscription.',
        amountDue: view.openInvoice.amountDue,
        provider: view.provider,
      };
    }
    if ((view.status === 'past_due' || view.status === 'unpaid') && view.wallet) {
      const provider = PROVIDER_LABELS[view.provider];
      return {
        kind: 'collecting_at_provider',
        message: `${provider} could not collect your latest subscription payment. Change how you pay at ${provider}, then pay the balance to keep access.`,
        amountDue: view.openInvoice.amountDue,
        provider: view.provider,
      };
    }
    if (view.status === 'past_due' || view.status === 'unpaid') {
      return {
        kind: 'past_due',
        message: 'We could not charge your card for your subscription. Update your card and pay the open invoice to keep access.',
        amountDue: view.openInvoice.amountDue,
        provider: view.provider,
      };
    }
  }
  const [row] = await db
    .select({ trialEnd: subscriptions.trialEnd, notice: subscriptions.trialEndingNoticeFor })
    .from(subscriptions)
    .where(eq(subscriptions.id, view.id));
  if (view.status === 'trialing' && row?.trialEnd && row.notice && row.notice.getTime() === row.trialEnd.getTime() && !view.cancelAtPeriodEnd) {
    return {
      kind: 'trial_ending',
      message: view.paymentMethod
        ? `Your free trial ends on ${formatDay(row.trialEnd)}; your card ending ${view.paymentMethod.last4} will then be charged.`
        : view.wallet
          ? `Your free trial ends on ${formatDay(row.trialEnd)}; ${PROVIDER_LABELS[view.provider]} will then collect your first payment.`
          : `Your free trial ends on ${formatDay(row.trialEnd)}. Add a card to keep your subscription.`,
      ...(view.nextCharge ? { amountDue: view.nextCharge.amount } : {}),
      provider: view.provider,
    };
  }
  return null;
}

export function formatDay(date: Date): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(date);
}
