import type Stripe from 'stripe';
import type { BillingChange, BillingKey, DisputeStatus, PaymentStatus, ProviderDispute, ProviderPayment, ProviderRefund, RefundStatus } from '@/lib/billing/payment-events';
import { makeSavedCardDefault } from '@/lib/billing/default-card';
import { adoptsInvoiceCard, type SubscriptionChange } from '@/lib/billing/subscription-events';
import { normalizeCurrency } from '@/lib/money';
import type { ProviderInvoice, ProviderSubscription } from '@/lib/payments/subscriptions';
import { NEW_CARD_PURPOSE, stripeSubscriptions } from './subscriptions';
import { ENDED } from '@/lib/billing/subscription-status';

/**
 * Stripe events → provider-neutral billing changes. Handlers never trust the event's copy of
 * the object: they name the object it concerns (a payment, a subscription, an invoice), and
 * `refetch` reads its current state from Stripe (under the lock of `key`: the payment, or the
 * customer a subscription bills), so duplicated and out-of-order events are harmless.
 */
export interface StripeEventAction {
  key: BillingKey;
  /**
   * What `refetch` reads (`payment:pi_…`, `dispute:du_…`, `subscription:sub_…`,
   * `invoice:in_…`): events with the same target can share one read.
   */
  target: string;
  refetch(): Promise<BillingChange>;
}

type Handler = (stripe: Stripe, event: Stripe.Event) => StripeEventAction | null;

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

const PAYMENT_STATUSES: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'];
const REFUND_STATUSES: readonly RefundStatus[] = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'];
const DISPUTE_STATUSES: readonly DisputeStatus[] = ['warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost'];

function paymentFrom(intent: Stripe.PaymentIntent): ProviderPayment {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const status = PAYMENT_STATUSES.find((candidate) => candidate === intent.status);
  if (!status) throw new Error(`unknown PaymentIntent status ${intent.status}`);
  const error = intent.last_payment_error;
  return {
    provider: 'stripe',
    providerPaymentId: intent.id,
    orderId: intent.metadata.order_id ?? null,
    status,
    amount: intent.amount,
    amountCaptured: charge?.status === 'succeeded' ? charge.amount_captured : 0,
    amountRefunded: charge?.amount_refunded ?? 0,
    currency: normalizeCurrency(intent.currency),
    failureCode: error ? (error.decline_code ?? error.code ?? 'payment_failed') : null,
    failureMessage: error?.message ?? null,
  };
}

function refundFrom(refund: Stripe.Refund, providerPaymentId: string): ProviderRefund {
  return {
    provider: 'stripe',
    providerRefundId: refund.id,
    providerPaymentId,
    status: REFUND_STATUSES.find((candidate) => candidate === refund.status) ?? 'pending',
    amount: refund.amount,
    currency: normalizeCurrency(refund.currency),
    reason: refund.reason ?? null,
  };
}

function disputeFrom(dispute: Stripe.Dispute, providerPaymentId: string): ProviderDispute {
  return {
    provider: 'stripe',
    providerDisputeId: dispute.id,
    providerPaymentId,
    status: DISPUTE_STATUSES.find((candidate) => candidate === dispute.status) ?? 'needs_response',
    amount: dispute.amount,
    currency: normalizeCurrency(dispute.currency),
    reason: dispute.reason,
    evidenceDueBy: dispute.evidence_details?.due_by ? new Date(dispute.evidence_details.due_by * 1000) : null,
  };
}

/** The current state of a PaymentIntent, its charge and its refunds. */
function paymentAction(stripe: Stripe, paymentIntentId: string): StripeEventAction {
  return {
    key: { provider: 'stripe', providerPaymentId: paymentIntentId },
    target: `payment:${paymentIntentId}`,
    async refetch() {
      const intent = await stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
      const payment = paymentFrom(intent);
      const refunds = payment.amountRefunded > 0 ? (await stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })).data : [];
      return { kind: 'payment', payment, refunds: refunds.map((refund) => refundFrom(refund, paymentIntentId)) };
    },
  };
}

const onPaymentIntent: Handler = (stripe, event) => paymentAction(stripe, (event.data.object as Stripe.PaymentIntent).id);

const onCharge: Handler = (stripe, event) => {
  const paymentIntentId = idOf((event.data.object as Stripe.Charge).payment_intent);
  return paymentIntentId ? paymentAction(stripe, paymentIntentId) : null;
};

const onRefund: Handler = (stripe, event) => {
  const paymentIntentId = idOf((event.data.object as Stripe.Refund).payment_intent);
  return paymentIntentId ? paymentAction(stripe, paymentIntentId) : null;
};

const onDispute: Handler = (stripe, event) => {
  const disputeId = (event.data.object as Stripe.Dispute).id;
  const paymentIntentId = idOf((event.data.object as Stripe.Dispute).payment_intent);
  if (!paymentIntentId) return null;
  return {
    key: { provider: 'stripe', providerPaymentId: paymentIntentId },
    target: `dispute:${disputeId}`,
    async refetch() {
      return { kind: 'dispute', dispute: disputeFrom(await stripe.disputes.retrieve(disputeId), paymentIntentId) };
    },
  };
};

/** A subscription as Stripe holds it now, with its latest invoice. */
async function currentSubscription(stripe: Stripe, subscriptionId: string, trialEndingNotice?: Date): Promise<SubscriptionChange> {
  const billing = stripeSubscriptions(stripe);
  const subscription = await billing.retrieveSubscription(subscriptionId);
  const invoices: ProviderInvoice[] = subscription.latestInvoiceId ? [await billing.retrieveInvoice(subscription.latestInvoiceId)] : [];
  return { kind: 'subscription', subscription, invoices, ...(trialEndingNotice ? { trialEndingNotice } : {}) };
}

function subscriptionAction(stripe: Stripe, subscriptionId: string, customerId: string): StripeEventAction {
  return {
    key: { provider: 'stripe', providerCustomerId: customerId },
    target: `subscription:${subscriptionId}`,
    refetch: () => currentSubscription(stripe, subscriptionId),
  };
}

const onSubscription: Handler = (stripe, event) => {
  const subscription = event.data.object as Stripe.Subscription;
  const customerId = idOf(subscription.customer);
  return customerId ? subscriptionAction(stripe, subscription.id, customerId) : null;
};

/**
 * Stripe's notice that a trial ends in three days. The notice itself is the fact to act on (an
 * email), so it has a target of its own rather than sharing the subscription's read; the email
 * goes out only if the re-fetched trial still ends when the notice said.
 */
const onTrialWillEnd: Handler = (stripe, event) => {
  const subscription = event.data.object as Stripe.Subscription;
  const customerId = idOf(subscription.customer);
  if (!customerId || !subscription.trial_end) return null;
  const trialEnd = new Date(subscription.trial_end * 1000);
  return {
    key: { provider: 'stripe', providerCustomerId: customerId },
    target: `trial-notice:${subscription.id}:${subscription.trial_end}`,
    refetch: () => currentSubscription(stripe, subscription.id, trialEnd),
  };
};

const onSubscriptionSchedule: Handler = (stripe, event) => {
  const schedule = event.data.object as Stripe.SubscriptionSchedule;
  const subscriptionId = idOf(schedule.subscription) ?? idOf(schedule.released_subscription);
  const customerId = idOf(schedule.customer);
  return subscriptionId && customerId ? subscriptionAction(stripe, subscriptionId, customerId) : null;
};

/**
 * An invoice, its subscription, and the card it was paid with: when the subscriber paid an
 * open invoice with a new card ("update card and pay"), that card becomes the default for the
 * renewals that follow (the key makes a repeated application one change at Stripe).
 */
const onInvoice: Handler = (stripe, event) => {
  const invoiceId = (event.data.object as Stripe.Invoice).id;
  const customerId = idOf((event.data.object as Stripe.Invoice).customer);
  if (!invoiceId || !customerId) return null;
  return {
    key: { provider: 'stripe', providerCustomerId: customerId },
    target: `invoice:${invoiceId}`,
    async refetch(): Promise<SubscriptionChange> {
      const billing = stripeSubscriptions(stripe);
      const invoice = await billing.retrieveInvoice(invoiceId);
      let subscription: ProviderSubscription | null = invoice.subscriptionId ? await billing.retrieveSubscription(invoice.subscriptionId) : null;
      const card = adoptsInvoiceCard(invoice, await billing.retrieveDefaultCard(invoice.customerId, null));
      if (card) {
        await billing.makeDefaultPaymentMethod(
          { customerId: invoice.customerId, subscriptionId: subscription && !ENDED.includes(subscription.status) ? subscription.id : null, paymentMethodId: card.id },
          `default-card:${invoice.id}:${card.id}`,
        );
        if (subscription) subscription = await billing.retrieveSubscription(subscription.id);
      }
      return { kind: 'subscription', subscription, invoices: [invoice] };
    },
  };
};

/**
 * A card saved from the portal (finishPaymentMethodUpdate does the same when the browser comes
 * back; this covers a browser that never did): it becomes the default if it is the newest card.
 */
const onSetupIntentSucceeded: Handler = (stripe, event) => {
  const intent = event.data.object as Stripe.SetupIntent;
  const customerId = idOf(intent.customer);
  const subscriptionId = intent.metadata?.subscription_id ?? null;
  if (intent.metadata?.purpose !== NEW_CARD_PURPOSE || !customerId || !subscriptionId) return null;
  return {
    key: { provider: 'stripe', providerCustomerId: customerId },
    target: `setup:${intent.id}`,
    async refetch(): Promise<SubscriptionChange> {
      const billing = stripeSubscriptions(stripe);
      const current = await billing.retrieveSetupIntent(intent.id);
      if (current?.status === 'succeeded' && current.paymentMethodId) {
        await makeSavedCardDefault(billing, { customerId, subscription: await billing.retrieveSubscription(subscriptionId), setupIntent: current });
      }
      return currentSubscription(stripe, subscriptionId);
    },
  };
};

/** One small handler per event type Billfold acts on; every other type is stored and ignored. */
const HANDLERS: Partial<Record<Stripe.Event.Type, Handler>> = {
  'payment_intent.succeeded': onPaymentIntent,
  'payment_intent.payment_failed': onPaymentIntent,
  'payment_intent.canceled': onPaymentIntent,
  'payment_intent.processing': onPaymentIntent,
  'payment_intent.requires_action': onPaymentIntent,
  'payment_intent.amount_capturable_updated': onPaymentIntent,
  'charge.refunded': onCharge,
  'charge.refund.updated': onRefund,
  'refund.created': onRefund,
  'refund.updated': onRefund,
  'refund.failed': onRefund,
  'charge.dispute.created': onDispute,
  'charge.dispute.updated': onDispute,
  'charge.dispute.closed': onDispute,
  'customer.subscription.created': onSubscription,
  'customer.subscription.updated': onSubscription,
  'customer.subscription.deleted': onSubscription,
  'customer.subscription.paused': onSubscription,
  'customer.subscription.resumed': onSubscription,
  'customer.subscription.pending_update_applied': onSubscription,
  'customer.subscription.pending_update_expired': onSubscription,
  'customer.subscription.trial_will_end': onTrialWillEnd,
  'subscription_schedule.created': onSubscriptionSchedule,
  'subscription_schedule.updated': onSubscriptionSchedule,
  'subscription_schedule.released': onSubscriptionSchedule,
  'subscription_schedule.canceled': onSubscriptionSchedule,
  'subscription_schedule.completed': onSubscriptionSchedule,
  'subscription_schedule.aborted': onSubscriptionSchedule,
  'invoice.created': onInvoice,
  'invoice.finalized': onInvoice,
  'invoice.updated': onInvoice,
  'invoice.paid': onInvoice,
  'invoice.payment_succeeded': onInvoice,
  'invoice.payment_failed': onInvoice,
  'invoice.payment_action_required': onInvoice,
  'invoice.voided': onInvoice,
  'invoice.marked_uncollectible': onInvoice,
  'setup_intent.succeeded': onSetupIntentSucceeded,
};

/** What a Stripe event asks Billfold to do, or null for an event type it ignores. */
export function stripeEventAction(stripe: Stripe, event: Stripe.Event): StripeEventAction | null {
  const handler = HANDLERS[event.type];
  return handler ? handler(stripe, event) : null;
}

/**
 * Verifies the `Stripe-Signature` header on the raw body against each configured secret (two
 * during a rotation). Returns null for a missing, wrong or stale signature or a changed body.
 */
export function verifyStripeEvent(stripe: Stripe, rawBody: string, signature: string | null, secrets: readonly string[]): Stripe.Event | null {
  if (!signature) return null;
  for (const secret of secrets) {
    try {
      return stripe.webhooks.constructEvent(rawBody, signature, secret);
    } catch {
      // Try the next secret; none matching means the request is refused.
    }
  }
  return null;
}
