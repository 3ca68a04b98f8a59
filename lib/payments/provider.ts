import type { Money } from '@/lib/money';
import type {
  DisputeEvidence,
  InvoicePreview,
  PaymentProviderName,
  ProviderCard,
  ProviderCardUpdate,
  ProviderDispute,
  ProviderInvoice,
  ProviderPayment,
  ProviderRefund,
  ProviderSubscription,
  SubscriptionCheckout,
  PaymentHandoff,
  VerifiedWebhookEvent,
  WebhookAction,
} from './types';

/**
 * What a payment provider offers Billfold, in Billfold's words (shared/design.md, "Layout"). A
 * provider folder (lib/payments/<provider>/) implements these and registers itself once in
 * lib/payments/index.ts; lib/billing decides what to call. Every mutating call takes an
 * idempotency key that the caller derives from our own ids.
 */

export interface PaymentRequest {
  amount: Money;
  /** The provider's id of the customer paying, for providers that have customers. */
  customerId: string | null;
  receiptEmail: string;
  /** Our order: the provider object carries it, so a webhook can be traced back to it. */
  orderId: string;
  metadata: Record<string, string>;
}

export interface RefundRequest {
  paymentId: string;
  amount: Money;
  reason: 'requested_by_customer' | 'duplicate' | 'fraudulent';
  metadata: Record<string, string>;
}

/**
 * What came of asking the provider to cancel a payment. `refused`: the provider would not,
 * because it is being paid or has been; the money is the customer's decision now, so the caller
 * leaves it alone.
 */
export type CancelOutcome = { outcome: 'canceled'; payment: ProviderPayment } | { outcome: 'refused' };

export interface PaymentsApi {
  readonly name: PaymentProviderName;
  /** Providers with customer objects make one per buyer; others leave this out. */
  createCustomer?(customer: { email: string; userId: string | null }, idempotencyKey: string): Promise<{ id: string }>;
  createPayment(request: PaymentRequest, idempotencyKey: string): Promise<ProviderPayment>;
  /**
   * Brings a payment nobody has paid yet in line with a changed cart. Left out by providers
   * whose buyer approves a payment for its amount before the server takes the money (PayPal's
   * orders): there a changed cart makes a new payment, so nothing approved for one amount is
   * ever captured for another.
   */
  updatePayment?(id: string, request: PaymentRequest, idempotencyKey: string): Promise<ProviderPayment>;
  /** Whether the provider can take this amount (its currency, its decimals); left out by providers that take any. */
  accepts?(amount: Money): boolean;
  retrievePayment(id: string): Promise<ProviderPayment>;
  /**
   * The payment and every refund of it, from one read: for providers whose payment object holds
   * its refunds (a PayPal order). Left out where they are separate objects; the caller then asks
   * retrievePayment and refundsOf.
   */
  retrievePaymentWithRefunds?(id: string): Promise<{ payment: ProviderPayment; refunds: ProviderRefund[] }>;
  /** Cancels a payment nobody is paying any more, so it can never be paid. */
  cancelPayment(id: string, reason: 'abandoned', idempotencyKey: string): Promise<CancelOutcome>;
  /** Takes the money of a payment the buyer approved (PayPal's orders; Stripe's manual capture). */
  capturePayment(id: string, idempotencyKey: string): Promise<ProviderPayment>;
  refundPayment(request: RefundRequest, idempotencyKey: string): Promise<ProviderRefund>;
  /** Every refund of a payment, as the provider holds them now. */
  refundsOf(paymentId: string): Promise<ProviderRefund[]>;
  retrieveDispute(id: string): Promise<ProviderDispute>;
  /** Sends the merchant's evidence and submits it for the bank's (or PayPal's) review: it cannot be changed after. */
  submitDisputeEvidence(id: string, evidence: DisputeEvidence, idempotencyKey: string): Promise<ProviderDispute>;
  /** Concedes a dispute: the buyer keeps the money. */
  acceptDispute(id: string, idempotencyKey: string): Promise<ProviderDispute>;
  /**
   * Every payment the provider holds for one of our orders among one customer's payments made
   * since `createdSince`, including any we never recorded.
   */
  paymentsForOrder(query: { customerId: string; orderId: string; createdSince: Date }): Promise<ProviderPayment[]>;
}

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
  /**
   * The free days before the first charge, at a provider whose plans carry their trial
   * (`plansCarryTerms`); null for none. Other providers are given the trial per subscription.
   */
  trialDays: number | null;
}

/** What starting a subscription asks of the provider. */
export interface SubscriptionRequest {
  /** The provider's id of the customer billed (for a provider without customers, our reference it keeps: PayPal's `custom_id`). */
  customerId: string;
  /** The provider's price (ensurePlanPrice). */
  priceId: string;
  /** Free days before the first charge, at a provider that gives trials per subscription; ignored where the plan carries it. */
  trialDays: number | null;
  /** Where receipts go; a provider with its own buyer accounts may prefill its approval page with it. */
  email: string;
  metadata: Record<string, string>;
  /**
   * Billing starts then, not now (a subscription taking over from another provider's when its
   * paid period ends): at a provider whose subscriptions start with approval (PayPal's start_time).
   */
  startAt?: Date;
}

/** Saving and charging cards for a provider's subscriptions from Billfold's own card form (Stripe's SetupIntents). */
export interface SubscriptionCardsApi {
  /** Starts saving a new card for future charges; an open card update made for the same purpose is continued. */
  startCardUpdate(customerId: string, metadata: Record<string, string>, idempotencyKey: string): Promise<ProviderCardUpdate>;
  /** Null when the provider has no card update with this id. */
  retrieveCardUpdate(id: string): Promise<ProviderCardUpdate | null>;
  /** Makes a saved card what the customer's invoices, and the subscription's renewals, are charged to. */
  makeDefaultCard(request: { customerId: string; subscriptionId: string | null; cardId: string }, idempotencyKey: string): Promise<void>;
  retrieveCard(cardId: string): Promise<ProviderCard | null>;
  /** The card invoices are charged to now (the subscription's, else the customer's default), if any. */
  retrieveDefaultCard(customerId: string, subscriptionId: string | null): Promise<ProviderCard | null>;
  /** How the browser pays an open invoice. */
  invoiceToPay(id: string): Promise<PaymentHandoff>;
  /**
   * A subscription paid by a card already saved, with nobody in the browser (a subscriber who
   * moved here from another provider, once that one's paid period is over): its first invoice
   * is charged off-session now, or at `firstChargeAt` when that is later (free until then). A
   * refused first charge leaves it incomplete, for the subscriber to pay in the portal.
   */
  subscribeWithSavedCard(request: SubscriptionRequest & { cardId: string; firstChargeAt: Date | null }, idempotencyKey: string): Promise<ProviderSubscription>;
}

/** Plan changes the provider makes on its own, without the buyer's approval (Stripe's prorations and schedules). */
export interface SubscriptionPriceChangesApi {
  /** Moves to another price now, invoicing the prorations at once; refused (PaymentDeclinedError) when that invoice cannot be paid. */
  changePriceNow(subscription: ProviderSubscription, priceId: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /** Moves to another price at the end of the current (paid) period: a pending change. */
  changePriceAtPeriodEnd(subscription: ProviderSubscription, priceId: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /** Drops the pending change; the subscription carries on as it is. */
  cancelPendingChange(subscription: ProviderSubscription, idempotencyKey: string): Promise<ProviderSubscription>;
  /** What moving to `priceId` would invoice: now (prorations), or at the next renewal. */
  previewPriceChange(subscription: ProviderSubscription, priceId: string, timing: 'now' | 'period_end'): Promise<InvoicePreview>;
}

/** Plan changes the buyer approves in the provider's window (PayPal's revise): in effect once approved, billed from the next payment. */
export interface SubscriptionRevisionsApi {
  /**
   * Asks the provider to move the subscription to `priceId`. Nothing changes until the buyer
   * approves at `approveUrl`; the provider then sends them to `returnUrl` (or `cancelUrl`), and
   * its webhook reports the change.
   */
  revise(subscription: ProviderSubscription, priceId: string, urls: { returnUrl: string; cancelUrl: string }): Promise<{ approveUrl: string }>;
}

export interface SubscriptionsApi {
  readonly name: PaymentProviderName;
  /**
   * How a subscriber starts one: `card`, in Billfold's card form (the provider's card fields),
   * which pays the first invoice or saves the card a trial will charge; `approval`, in the
   * provider's own window (PayPal's button), where the buyer approves the subscription and the
   * provider takes the first payment itself.
   */
  readonly startsWith: 'card' | 'approval';
  /**
   * Its plans are fixed with their amount and their trial (PayPal's billing plans: changing one
   * changes it for every subscriber). Billfold then makes one provider plan per price, amount
   * and trial, and picks the plan with the trial the account is owed. Otherwise (Stripe) there
   * is one provider price per price, and createSubscription is given the trial.
   */
  readonly plansCarryTerms: boolean;
  /** The provider's id of a plan price, creating its product and price (or plan) there the first time. */
  ensurePlanPrice(price: PlanPriceRequest): Promise<string>;
  /** A subscription that waits for the browser: its first payment or a trial's card (`card`), or the buyer's approval (`approval`). */
  createSubscription(request: SubscriptionRequest, idempotencyKey: string): Promise<SubscriptionCheckout>;
  retrieveSubscription(id: string): Promise<ProviderSubscription>;
  /** The subscription with what is still to finish in the browser (a retry or a second tab resumes it). */
  retrieveSubscriptionCheckout(id: string): Promise<SubscriptionCheckout>;
  /**
   * Ends it now (an abandoned first payment being replaced, staff ending it at once). A
   * subscription the buyer never approved cannot be ended at some providers (PayPal): it comes
   * back unchanged, and lib/billing disowns it instead.
   */
  cancelSubscriptionNow(id: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /**
   * Ends the subscription when its paid period does, with the provider ending it then (and its
   * webhook saying so), or with false no longer. A provider that cannot end a free trial later
   * (PayPal: a plan's trial cycle cannot be cut short of its regular cycles) ends it now: the
   * answer says which.
   */
  setCancelAtPeriodEnd(id: string, cancel: boolean, idempotencyKey: string): Promise<ProviderSubscription>;
  /** Cancelling a free trial ends it at once (see setCancelAtPeriodEnd), so the portal says so before. */
  readonly cancelEndsTrialsNow: boolean;
  retrieveInvoice(id: string): Promise<ProviderInvoice>;
  /**
   * Every invoice of one subscription, oldest first: for a provider whose subscription names no
   * latest invoice but lists its payments (PayPal's transactions, each an invoice to Billfold).
   * Left out where the subscription names its latest invoice. Given the subscription as this
   * provider answered it (`as`), they are listed as of that answer, without reading it again.
   */
  invoicesOf?(subscriptionId: string, as?: ProviderSubscription): Promise<ProviderInvoice[]>;
  /**
   * A refund of an invoice's payment, for a provider that reports such refunds as events of their
   * own (classified `invoice_refund`) and whose invoice reads may not say how much went back
   * (PayPal's PARTIALLY_REFUNDED transactions): the invoice it gave money back from, and the
   * total refunded from that payment once this refund was made.
   */
  retrieveInvoiceRefund?(refundId: string): Promise<{ invoiceId: string; totalRefunded: Money }>;
  /** Null for a provider whose subscribers keep their funding at the provider (PayPal). */
  readonly cards: SubscriptionCardsApi | null;
  /** Null for a provider whose plan changes need the buyer's approval (PayPal's revise). */
  readonly priceChanges: SubscriptionPriceChangesApi | null;
  /** Null for a provider that changes plans on its own (Stripe). */
  readonly revisions: SubscriptionRevisionsApi | null;
  /** Null for a provider whose subscribers pay with a card saved here (Stripe). */
  readonly wallets: SubscriptionWalletsApi | null;
}

/**
 * A provider that keeps the subscriber's funding itself (PayPal): a failed renewal is fixed at
 * the provider, where the subscriber changes how they pay, and the balance it left is then
 * collected by the provider on the merchant's request (or with the next cycle).
 */
export interface SubscriptionWalletsApi {
  /** The provider's page where a subscriber changes how their subscriptions are paid (PayPal's automatic payments). */
  readonly fundingUrl: string;
  /**
   * Collects what failed renewals left owing, now, from the subscriber's funding at the
   * provider, and carries on a subscription the provider suspended for them. The subscription
   * as it stands after: still owing when the funding refused again (nothing else changed).
   */
  collectOutstanding(subscriptionId: string, idempotencyKey: string): Promise<ProviderSubscription>;
  /**
   * Gives back, whole, a payment the provider collected for a subscription (one the buyer
   * approved after Billfold had given it up). Nothing when it is refunded already; one refunded
   * in part is refused (an operator decides what is left to give back).
   */
  refundPayment(invoice: ProviderInvoice, idempotencyKey: string): Promise<void>;
}

/** A stored event as the worker reads it back from the ledger. */
export interface StoredWebhookEvent {
  type: string;
  payload: unknown;
}

export interface WebhooksApi {
  /**
   * Checks a delivery's signature on its raw body (a network call for some providers): the
   * event it carries, or null for a missing, wrong or stale signature or a changed body.
   */
  verify(rawBody: string, headers: Headers): Promise<VerifiedWebhookEvent | null>;
  /**
   * What a verified event is about, with the ids to re-fetch; null for a type Billfold does not
   * act on. Throws for an event of a type it acts on that lacks what that type must carry. A
   * provider whose events do not name our payment may read it from the provider (a PayPal refund
   * names only its capture, whose order is our payment), hence the promise.
   */
  classify(event: StoredWebhookEvent): WebhookAction | null | Promise<WebhookAction | null>;
  /**
   * What is registered at the provider to send events to `url` (Billfold's route for this
   * provider), read from the provider: for the go-live check (lib/doctor), which decides what is
   * missing. Left out by a provider whose registrations cannot be read.
   */
  registration?(url: string): Promise<WebhookRegistration>;
}

/** The provider's webhook registrations for one URL, and what Billfold needs of them. */
export interface WebhookRegistration {
  /** Every endpoint (webhook) the provider has for that URL. */
  endpoints: {
    id: string;
    /** False for one the provider holds but does not send to (Stripe's disabled endpoints). */
    enabled: boolean;
    /** The event types it is sent; null for every type (`*`). */
    eventTypes: readonly string[] | null;
  }[];
  /** Every event type Billfold acts on (the provider's classifier's table). */
  handledEventTypes: readonly string[];
  /**
   * How Billfold tells the provider's deliveries from forgeries, as configured: a signing secret
   * (which the provider never shows again, so only its presence is known), or the ids of the
   * webhooks whose deliveries are accepted (which must include the endpoint's).
   */
  verification:
    | { kind: 'signing_secret'; variable: string; configured: boolean }
    | { kind: 'webhook_id'; variable: string; configured: readonly string[] };
}

/** A span of provider creation times, `from` included, `to` not. */
export interface ListingWindow {
  from: Date;
  to: Date;
}

/** One page of a provider listing; `next` continues it (null: the last page). */
export interface ListingPage<T> {
  items: T[];
  next: string | null;
}

/**
 * A provider's own list of what it holds for Billfold, made in a window, page by page, in the
 * neutral types the webhook path applies. Only objects Billfold made are listed (its metadata on
 * them), so another integration sharing the account is never "missing here".
 */
export interface ProviderListing {
  listPayments(window: ListingWindow, cursor: string | null): Promise<ListingPage<ProviderPayment>>;
  listRefunds(window: ListingWindow, cursor: string | null): Promise<ListingPage<ProviderRefund>>;
  listDisputes(window: ListingWindow, cursor: string | null): Promise<ListingPage<ProviderDispute>>;
  listSubscriptions(window: ListingWindow, cursor: string | null): Promise<ListingPage<ProviderSubscription>>;
}

/** What reconciliation (lib/billing/reconciliation.ts) reads from a provider. */
export interface ReconciliationApi {
  /**
   * Null for a provider with no list of what it holds: our own rows are then re-read one by one,
   * which finds drift and "missing there", never "missing here". (PayPal, which lists no orders,
   * builds its listing on its transaction search.)
   */
  readonly listing: ProviderListing | null;
  /** The payment as the provider holds it now, or null when the provider has no such payment. */
  findPayment(id: string): Promise<ProviderPayment | null>;
  /** The subscription as the provider holds it now, or null when the provider has no such subscription. */
  findSubscription(id: string): Promise<ProviderSubscription | null>;
}

/** One provider, ready to use: what a registry entry builds from the configuration. */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** It takes cards in the browser (the checkout's card form is its). */
  readonly takesCards: boolean;
  /**
   * The buyer approves a payment in the browser and Billfold's server takes the money
   * (PayPal's orders): a payment waiting in `requires_capture` is captured by the checkout, or by
   * the webhook worker when the browser never came back (lib/billing/capture.ts).
   */
  readonly capturesApprovedPayments: boolean;
  readonly payments: PaymentsApi;
  /** Null for a provider Billfold does not bill subscriptions through. */
  readonly subscriptions: SubscriptionsApi | null;
  readonly webhooks: WebhooksApi;
  /** Left out by a provider Billfold cannot reconcile yet. */
  readonly reconciliation?: ReconciliationApi;
}
