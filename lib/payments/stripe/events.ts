import type Stripe from 'stripe';
import type { BillingChange, DisputeStatus, PaymentStatus, Provider, ProviderDispute, ProviderPayment, ProviderRefund, RefundStatus } from '@/lib/billing/payment-events';
import { normalizeCurrency } from '@/lib/money';

/**
 * Stripe events → provider-neutral billing changes. Handlers never trust the event's copy of
 * the object: they name the payment it concerns, and `refetch` reads its current state from
 * Stripe (under the payment's lock), so duplicated and out-of-order events are harmless.
 */
export interface StripeEventAction {
  key: { provider: Provider; providerPaymentId: string };
  /** What `refetch` reads (`payment:pi_…`, `dispute:du_…`): events with the same target can share one read. */
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
