import type { invoiceStatus, subscriptionStatus } from '@/db/schema';
import type { Money } from '@/lib/money';
import type { PaymentProviderName, PaymentStatus } from './card-payments';

/**
 * What subscriptions need from a payment provider, in Billfold's own types. Each provider
 * folder implements it (lib/payments/stripe/subscriptions.ts); lib/billing decides what to call.
 * Every mutating call takes an idempotency key that the caller derives from our own ids.
 */

export type SubscriptionStatus = (typeof subscriptionStatus.enumValues)[number];
export type InvoiceStatus = (typeof invoiceStatus.enumValues)[number];

/** A plan price as the provider needs it to bill it. */
export interface PlanPriceRequest {
  /** Our price id (prices.id). */
  priceId: string;
  lookupKey: string;
  productId: string;
  productName: string;
  amount: Money;
  interval: 'day' | 'week' | 'month' | 'year';
  intervalCount: number;
}

/** A saved card, as much of it as may be shown: never the number. */
export interface ProviderCard {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  /** When the card was saved at the provider: the newer of two cards is the one the customer gave last. */
  created: Date;
}

/** The provider's price of a subscription item: its id, and the lookup key we gave it. */
export interface ProviderPriceRef {
  id: string;
  lookupKey: string | null;
}

export interface ProviderSubscription {
  provider: PaymentProviderName;
  id: string;
  /** The provider's id of the customer it bills. */
  customerId: string;
  status: SubscriptionStatus;
  /** The one item Billfold subscriptions have. */
  itemId: string;
  price: ProviderPriceRef;
  quantity: number;
  /** When the provider created it: orders the subscriptions of one account. */
  created: Date;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  trialStart: Date | null;
  trialEnd: Date | null;
  /** The card renewals are charged to: the subscription's default, else the customer's. */
  paymentMethod: ProviderCard | null;
  latestInvoiceId: string | null;
  /** Set while a trial's card has not been collected yet. */
  pendingSetupIntentId: string | null;
  /** The provider object that carries a change planned for later (a Stripe subscription schedule). */
  scheduleId: string | null;
  pendingChange: { price: ProviderPriceRef; effectiveAt: Date } | null;
}

export interface ProviderInvoicePayment {
  id: string;
  status: PaymentStatus;
  /** The card was set up for future use while paying (the customer gave it to pay this invoice). */
  setupFutureUsage: boolean;
  card: ProviderCard | null;
  failureMessage: string | null;
}

export interface ProviderInvoice {
  provider: PaymentProviderName;
  id: string;
  customerId: string;
  subscriptionId: string | null;
  number: string | null;
  status: InvoiceStatus;
  amountDue: Money;
  amountPaid: Money;
  amountRemaining: Money;
  created: Date;
  dueDate: Date | null;
  paidAt: Date | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  hostedInvoiceUrl: string | null;
  invoicePdf: string | null;
  /** Why it was made: `subscription_create`, `subscription_cycle` (a renewal), `subscription_update`, … */
  billingReason: string | null;
  attemptCount: number;
  nextPaymentAttempt: Date | null;
  payment: ProviderInvoicePayment | null;
}

/** What the browser needs to finish starting a subscription: pay its first invoice, or save a card for a trial. */
export interface SubscriptionCheckout {
  subscription: ProviderSubscription;
  /** Null when there is nothing left to confirm. */
  confirmation: { intent: 'payment' | 'setup'; clientSecret: string } | null;
}

export interface InvoicePreview {
  amountDue: Money;
  lines: { description: string; amount: Money }[];
}

export interface ProviderSetupIntent {
  id: string;
  customerId: string | null;
  status: 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'processing' | 'canceled' | 'succeeded';
  paymentMethodId: string | null;
  clientSecret: string;
  /** Our note of why it was made (metadata), so only our own card updates are acted on. */
  purpose: string | null;
}

export interface SubscriptionProvider {
  readonly name: PaymentProviderName;
  /** The provider's id of a plan price, creating its product and price there the first time. */
  ensurePlanPrice(price: PlanPriceRequest): Promise<string>;
  /** A subscription that waits for its first payment (or a trial's card) to be confirmed in the browser. */
  createSubscription(
    request: { customerId: string; priceId: string; trialDays: number | null; metadata: Record<string, string> },
    idempotencyKey: string,
  ): Promise<SubscriptionCheckout>;
  retrieveSubscription(id: string): Promise<ProviderSubscription>;
  /** The subscription with what is still to confirm in the browser (a retry or a second tab resumes it). */
  retrieveSubscriptionCheckout(id: string): Promise<SubscriptionCheckout>;
  /** Ends it now (an abandoned first payment being replaced). */
  cancelSubscriptionNow(id: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /** Moves to another price now, invoicing the prorations at once; refused when that invoice cannot be paid. */
  changePriceNow(subscription: ProviderSubscription, priceId: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /** Moves to another price at the end of the current (paid) period. */
  changePriceAtPeriodEnd(subscription: ProviderSubscription, priceId: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /** Drops a change planned for later; the subscription carries on as it is. */
  cancelPendingChange(subscription: ProviderSubscription, idempotencyKey: string): Promise<ProviderSubscription>;
  setCancelAtPeriodEnd(id: string, cancel: boolean, idempotencyKey: string): Promise<ProviderSubscription>;
  /** What moving to `priceId` would invoice: now (prorations), or at the next renewal. */
  previewPriceChange(subscription: ProviderSubscription, priceId: string, timing: 'now' | 'period_end'): Promise<InvoicePreview>;
  /** An off-session SetupIntent to save a new card; an open one made for the same purpose is reused. */
  setupIntentForNewCard(customerId: string, metadata: Record<string, string>, idempotencyKey: string): Promise<ProviderSetupIntent>;
  /** Null when the provider has no SetupIntent with this id. */
  retrieveSetupIntent(id: string): Promise<ProviderSetupIntent | null>;
  /** Makes a saved card what the customer's invoices, and the subscription's, are charged to. */
  makeDefaultPaymentMethod(
    request: { customerId: string; subscriptionId: string | null; paymentMethodId: string },
    idempotencyKey: string,
  ): Promise<void>;
  retrieveCard(paymentMethodId: string): Promise<ProviderCard | null>;
  /** The card invoices are charged to now (the customer's default), if any. */
  retrieveDefaultCard(customerId: string, subscriptionId: string | null): Promise<ProviderCard | null>;
  retrieveInvoice(id: string): Promise<ProviderInvoice>;
  /** The client secret that pays an open invoice in the browser. */
  invoicePaymentSecret(id: string): Promise<string>;
}

/**
 * A change that had to be paid at once was not: the card was declined or needs the
 * subscriber's confirmation. The provider undid the change; `message` is the provider's.
 */
export class PaymentDeclinedError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PaymentDeclinedError';
  }
}
