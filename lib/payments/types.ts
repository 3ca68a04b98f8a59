import type { disputeStatus, invoiceStatus, paymentProvider, paymentStatus, refundStatus, subscriptionStatus } from '@/db/schema';
import type { Money } from '@/lib/money';

/**
 * The neutral contract between Billfold's domain (lib/billing) and its payment providers
 * (lib/payments/<provider>): what a provider reports, in Billfold's words and types. A provider
 * folder translates its own objects into these; lib/billing decides what they mean.
 */

/** The providers Billfold knows: the `payment_provider` enum every provider-keyed row carries. */
export type PaymentProviderName = (typeof paymentProvider.enumValues)[number];

/** How a provider is named to people (buttons, messages, the admin console). */
export const PROVIDER_LABELS: Record<PaymentProviderName, string> = { stripe: 'Stripe', paypal: 'PayPal' };
export type PaymentStatus = (typeof paymentStatus.enumValues)[number];
export type RefundStatus = (typeof refundStatus.enumValues)[number];
export type DisputeStatus = (typeof disputeStatus.enumValues)[number];
export type SubscriptionStatus = (typeof subscriptionStatus.enumValues)[number];
export type InvoiceStatus = (typeof invoiceStatus.enumValues)[number];

/**
 * What the browser needs to go on with a payment (or a card being saved) that only the person
 * can finish, in the provider's own script:
 * - `client_secret`: Stripe.js confirms a PaymentIntent or SetupIntent with it.
 * - `approval`: the buyer approves a provider order or subscription (PayPal's buttons); for an
 *   order the server captures it after. `providerOrderId` names the object approved.
 * - `token`: the provider's script tokenizes the card and the server charges the token (Square, Braintree).
 */
export type PaymentHandoff =
  | { kind: 'client_secret'; clientSecret: string }
  | { kind: 'approval'; providerOrderId: string; approveUrl: string | null }
  | { kind: 'token'; tokenizationKey: string };

/** One provider payment (a Stripe PaymentIntent, a PayPal order), as the provider holds it now. */
export interface ProviderPayment {
  provider: PaymentProviderName;
  id: string;
  status: PaymentStatus;
  /** Our order, as the provider object carries it (its metadata or custom id). */
  orderId: string | null;
  amount: Money;
  amountCaptured: Money;
  amountRefunded: Money;
  /** The provider's id of the customer paying, if the provider has customers. */
  customerId: string | null;
  receiptEmail: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  /**
   * The provider's id of the money movement itself, as its dashboard and support name it (Stripe's
   * charge: the intent's latest charge; PayPal's capture that took the money). Null until there is one.
   */
  chargeId: string | null;
  /** The card it was paid with (or last tried), as the provider reports it; null for other funding (a PayPal wallet) or none yet. */
  card: PaidCard | null;
  /** How the browser finishes paying it; null once nobody can (paid, canceled). */
  handoff: PaymentHandoff | null;
}

/**
 * The card a payment was funded by: never more than may be shown. `brand` in Billfold's words,
 * lower case as Stripe writes it (`visa`, `mastercard`, `amex`, `unionpay`, …), whichever provider
 * reported it.
 */
export interface PaidCard {
  brand: string;
  last4: string;
}

/** How card brands are named to people; an unlisted brand is shown as the provider wrote it. */
export const CARD_BRAND_LABELS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  jcb: 'JCB',
  diners: 'Diners Club',
  unionpay: 'UnionPay',
  maestro: 'Maestro',
  cartes_bancaires: 'Cartes Bancaires',
  elo: 'Elo',
  rupay: 'RuPay',
  eftpos_au: 'eftpos',
};

/** "Visa •••• 4242". */
export function cardLabel(card: PaidCard): string {
  return `${CARD_BRAND_LABELS[card.brand] ?? card.brand} •••• ${card.last4}`;
}

export interface ProviderRefund {
  provider: PaymentProviderName;
  id: string;
  paymentId: string;
  status: RefundStatus;
  amount: Money;
  reason: string | null;
}

export interface ProviderDispute {
  provider: PaymentProviderName;
  id: string;
  paymentId: string;
  status: DisputeStatus;
  amount: Money;
  reason: string | null;
  evidenceDueBy: Date | null;
}

/** The kinds of document a merchant attaches to contest a dispute; each provider files them where it keeps that kind. */
export const EVIDENCE_DOCUMENT_KINDS = ['receipt', 'customer_communication', 'refund_policy', 'shipping_documentation', 'other'] as const;
export type EvidenceDocumentKind = (typeof EVIDENCE_DOCUMENT_KINDS)[number];
/** The file types both providers take as evidence. */
export const EVIDENCE_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;

export interface EvidenceDocument {
  kind: EvidenceDocumentKind;
  filename: string;
  contentType: (typeof EVIDENCE_CONTENT_TYPES)[number];
  data: Uint8Array;
}

/** What the merchant sends to contest a dispute: one submission, final at the provider. */
export interface DisputeEvidence {
  /** The merchant's account of why the charge stands (at most 2,000 characters: PayPal's limit). */
  explanation: string;
  productDescription: string | null;
  shipping: { carrier: string; trackingNumber: string } | null;
  /** At most one of each kind (Stripe keeps one file per kind). */
  documents: EvidenceDocument[];
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

/** A buyer's account at the provider that pays (a PayPal payer): its id there and its email, as far as it may be shown. */
export interface ProviderWallet {
  id: string;
  email: string | null;
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
  /** The provider account renewals are drawn from instead of a card (the PayPal buyer who approved), once known. */
  wallet: ProviderWallet | null;
  latestInvoiceId: string | null;
  /** The card update a trial is waiting on, while its card has not been collected yet. */
  pendingCardUpdateId: string | null;
  /** The provider object that carries changes planned for later (a Stripe subscription schedule). */
  changeCarrierId: string | null;
  /** A change planned for later: a downgrade at the period end. */
  pendingChange: { price: ProviderPriceRef; effectiveAt: Date } | null;
}

export interface ProviderInvoicePayment {
  id: string;
  status: PaymentStatus;
  /** The card was saved for future use while paying (the customer gave it to pay this invoice). */
  savesCard: boolean;
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
  /**
   * Given back from what was paid, as far as this read says: null when the provider reports
   * that some was refunded without the amount (a PayPal transaction PARTIALLY_REFUNDED; the
   * refund itself says how much, see SubscriptionsApi.retrieveInvoiceRefund).
   */
  amountRefunded: Money | null;
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

/** Saving a card for future charges, which the person finishes in the browser (a Stripe SetupIntent). */
export interface ProviderCardUpdate {
  id: string;
  customerId: string | null;
  status: 'open' | 'processing' | 'succeeded' | 'canceled';
  /** The card saved, once it is. */
  cardId: string | null;
  handoff: PaymentHandoff;
  /** Our note of why it was made, so only our own card updates are acted on. */
  purpose: string | null;
}

/**
 * What the browser does to start a subscription: pay its first invoice or save the card a trial
 * will charge (in Billfold's card form), or approve it in the provider's window (PayPal).
 */
export type SubscriptionStep = 'payment' | 'card' | 'approval';

/** What the browser needs to finish starting a subscription. */
export interface SubscriptionCheckout {
  subscription: ProviderSubscription;
  /** Null when there is nothing left to finish in the browser. */
  pending: { step: SubscriptionStep; handoff: PaymentHandoff } | null;
}

export interface InvoicePreview {
  amountDue: Money;
  lines: { description: string; amount: Money }[];
}

/**
 * What a verified webhook event is about, in Billfold's words, with the provider ids to re-fetch.
 * The provider's `classify` names it; lib/billing re-fetches and decides (lib/billing/webhook-actions.ts).
 */
export type WebhookAction =
  | { kind: 'payment'; paymentId: string }
  | { kind: 'refund'; paymentId: string; refundId: string }
  | { kind: 'dispute'; paymentId: string; disputeId: string }
  | { kind: 'subscription'; customerId: string; subscriptionId: string }
  /** The provider's notice that a trial ends soon (an email is owed, if the trial still ends then). */
  | { kind: 'trial_ending'; customerId: string; subscriptionId: string; trialEnd: Date }
  | { kind: 'invoice'; customerId: string; invoiceId: string }
  /** Money given back from an invoice's payment, by a refund the provider reports on its own (a PayPal sale's). */
  | { kind: 'invoice_refund'; customerId: string; invoiceId: string; refundId: string }
  /** A card saved outside a checkout (the portal's card update), which may become the default. */
  | { kind: 'card_saved'; customerId: string; subscriptionId: string; cardUpdateId: string };

/** A webhook delivery whose signature verified: stored as received, classified by the worker. */
export interface VerifiedWebhookEvent {
  provider: PaymentProviderName;
  eventId: string;
  type: string;
  /** The event as the provider sent it: the verified raw body. */
  payloadJson: string;
}

/**
 * The provider could not be reached, failed on its side, or is still busy with the same
 * request. Nothing is known to have changed, and a retry with the same idempotency key is safe.
 */
export class PaymentProviderUnavailableError extends Error {
  constructor(
    readonly provider: PaymentProviderName,
    options?: { cause?: unknown },
  ) {
    super(`${provider} is unavailable`, options);
    this.name = 'PaymentProviderUnavailableError';
  }
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

/**
 * The provider would not take the money of a payment the buyer approved in its own page (a
 * PayPal capture refused), for a reason the buyer acts on: approve again choosing another way to
 * pay in the provider's page (`restart`), go where the provider asks first (`actionUrl`), or
 * else pay another way. The payment was re-read after the refusal and took no money.
 */
export class ApprovedPaymentRefusedError extends PaymentDeclinedError {
  /** The buyer must approve again, with another funding source, before a capture can succeed. */
  readonly restart: boolean;
  /** Where the provider sends the buyer before it can take the money, when it names a place. */
  readonly actionUrl: string | null;
  /** The payment as the provider holds it after the refusal. */
  readonly payment: ProviderPayment;

  constructor(message: string, code: string, details: { restart: boolean; actionUrl: string | null; payment: ProviderPayment }) {
    super(message, code);
    this.name = 'ApprovedPaymentRefusedError';
    this.restart = details.restart;
    this.actionUrl = details.actionUrl;
    this.payment = details.payment;
  }
}

/**
 * The provider will not make a change to a subscription it would make for others, for a reason
 * that is the provider's rule rather than an outage (PayPal will not extend billing cycles that
 * have all run). Nothing was changed; `message` says why in words a subscriber understands.
 */
export class SubscriptionChangeRefusedError extends Error {
  constructor(
    readonly provider: PaymentProviderName,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'SubscriptionChangeRefusedError';
  }
}

/** The provider will not take a response to a dispute that is no longer waiting for one (decided, or answered already). */
export class DisputeNotOpenError extends Error {
  constructor(
    readonly provider: PaymentProviderName,
    readonly disputeId: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} dispute ${disputeId} is not waiting for a response`, options);
    this.name = 'DisputeNotOpenError';
  }
}

/** A provider name with no registered provider: a stored event or row nobody can act on. */
export class UnknownPaymentProviderError extends Error {
  constructor(readonly provider: string) {
    super(`no payment provider "${provider}" is registered`);
    this.name = 'UnknownPaymentProviderError';
  }
}
