import Stripe from 'stripe';
import { money } from '@/lib/money';
import type { CancelOutcome, PaymentRequest, PaymentsApi } from '@/lib/payments/provider';
import { DisputeNotOpenError, type DisputeStatus, type EvidenceDocumentKind, type PaidCard, type PaymentStatus, type ProviderDispute, type ProviderPayment, type ProviderRefund, type RefundStatus } from '@/lib/payments/types';
import { call, idOf, oneOf } from './common';

/** Payments on Stripe (or the sandbox): a Billfold payment is a PaymentIntent, confirmed by Stripe.js. */

const PAYMENT_STATUSES: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'];
const REFUND_STATUSES: readonly RefundStatus[] = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'];
const DISPUTE_STATUSES: readonly DisputeStatus[] = ['warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost'];

export function paymentStatusOf(intent: Stripe.PaymentIntent): PaymentStatus {
  return oneOf(PAYMENT_STATUSES, intent.status, `PaymentIntent ${intent.id}`);
}

/**
 * The card a charge was made on. Stripe writes its brands in lower case (`visa`, `amex`,
 * `unionpay`), which is Billfold's vocabulary as it is; a charge of another method has none.
 */
function cardOf(charge: Stripe.Charge | null): PaidCard | null {
  const card = charge?.payment_method_details?.card;
  if (!card?.last4) return null;
  return { brand: card.brand ?? 'unknown', last4: card.last4 };
}

/**
 * A PaymentIntent in Billfold's words; its charge counts only when expanded (`latest_charge`).
 * Unexpanded, the charge id is still known (Stripe answers it as a bare id), the card is not:
 * it is reported null, which the payment's record takes as "not said", never as "no card".
 */
export function paymentFrom(intent: Stripe.PaymentIntent): ProviderPayment {
  const status = paymentStatusOf(intent);
  if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} came back without a client secret`);
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const error = intent.last_payment_error;
  return {
    provider: 'stripe',
    id: intent.id,
    status,
    orderId: intent.metadata.order_id ?? null,
    amount: money(intent.amount, intent.currency),
    amountCaptured: money(charge?.status === 'succeeded' ? charge.amount_captured : 0, intent.currency),
    amountRefunded: money(charge?.amount_refunded ?? 0, intent.currency),
    customerId: idOf(intent.customer),
    receiptEmail: intent.receipt_email,
    failureCode: error ? (error.decline_code ?? error.code ?? 'payment_failed') : null,
    failureMessage: error?.message ?? null,
    chargeId: idOf(intent.latest_charge),
    card: cardOf(charge),
    // Stripe.js confirms with the client secret; a canceled intent can never be paid again.
    handoff: status === 'canceled' ? null : { kind: 'client_secret', clientSecret: intent.client_secret },
  };
}

export function refundFrom(refund: Stripe.Refund, paymentId: string): ProviderRefund {
  return {
    provider: 'stripe',
    id: refund.id,
    paymentId,
    status: REFUND_STATUSES.find((candidate) => candidate === refund.status) ?? 'pending',
    amount: money(refund.amount, refund.currency),
    reason: refund.reason ?? null,
  };
}

/** Where Stripe keeps each kind of evidence document (one file per field). */
const EVIDENCE_FILE_FIELDS = {
  receipt: 'receipt',
  customer_communication: 'customer_communication',
  refund_policy: 'refund_policy',
  shipping_documentation: 'shipping_documentation',
  other: 'uncategorized_file',
} as const satisfies Record<EvidenceDocumentKind, keyof Stripe.DisputeUpdateParams.Evidence>;
type EvidenceFileField = (typeof EVIDENCE_FILE_FIELDS)[EvidenceDocumentKind];

function optional<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

/** Stripe refuses a response to a closed dispute (`charge_dispute_closed`, or a 400 naming the status). */
async function refusedWhenClosed<T>(id: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && (error.code === 'charge_dispute_closed' || /already closed/i.test(error.message))) {
      throw new DisputeNotOpenError('stripe', id, { cause: error });
    }
    throw error;
  }
}

export function disputeFrom(dispute: Stripe.Dispute): ProviderDispute {
  const paymentId = idOf(dispute.payment_intent);
  if (!paymentId) throw new Error(`dispute ${dispute.id} has no PaymentIntent`);
  return {
    provider: 'stripe',
    id: dispute.id,
    paymentId,
    status: DISPUTE_STATUSES.find((candidate) => candidate === dispute.status) ?? 'needs_response',
    amount: money(dispute.amount, dispute.currency),
    reason: dispute.reason,
    evidenceDueBy: dispute.evidence_details?.due_by ? new Date(dispute.evidence_details.due_by * 1000) : null,
  };
}

function intentParams(request: PaymentRequest) {
  return {
    amount: request.amount.amount,
    currency: request.amount.currency.toLowerCase(),
    ...(request.customerId ? { customer: request.customerId } : {}),
    receipt_email: request.receiptEmail,
    metadata: { ...request.metadata, order_id: request.orderId },
  };
}

/** Card payments on Stripe (or the sandbox), through the given SDK client. */
export function stripePayments(client: Stripe): PaymentsApi {
  return {
    name: 'stripe',

    async createCustomer({ email, userId }, idempotencyKey) {
      const customer = await call(() =>
        client.customers.create({ email, metadata: userId ? { user_id: userId } : { guest: 'true' } }, { idempotencyKey }),
      );
      return { id: customer.id };
    },

    async createPayment(request, idempotencyKey) {
      const intent = await call(() => client.paymentIntents.create({ ...intentParams(request), automatic_payment_methods: { enabled: true } }, { idempotencyKey }));
      return paymentFrom(intent);
    },

    async updatePayment(id, request, idempotencyKey) {
      return paymentFrom(await call(() => client.paymentIntents.update(id, intentParams(request), { idempotencyKey })));
    },

    async retrievePayment(id) {
      return paymentFrom(await call(() => client.paymentIntents.retrieve(id, { expand: ['latest_charge'] })));
    },

    async cancelPayment(id, reason, idempotencyKey): Promise<CancelOutcome> {
      try {
        return { outcome: 'canceled', payment: paymentFrom(await call(() => client.paymentIntents.cancel(id, { cancellation_reason: reason }, { idempotencyKey }))) };
      } catch (error) {
        // Stripe answers 400 payment_intent_unexpected_state for an intent that has succeeded,
        // is processing a card payment or is already canceled: not a failure, just not ours to cancel.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') return { outcome: 'refused' };
        throw error;
      }
    },

    async capturePayment(id, idempotencyKey) {
      return paymentFrom(await call(() => client.paymentIntents.capture(id, { expand: ['latest_charge'] }, { idempotencyKey })));
    },

    async refundPayment(request, idempotencyKey) {
      const refund = await call(() =>
        client.refunds.create(
          { payment_intent: request.paymentId, amount: request.amount.amount, reason: request.reason, metadata: request.metadata },
          { idempotencyKey },
        ),
      );
      return refundFrom(refund, request.paymentId);
    },

    async refundsOf(paymentId) {
      const refunds: ProviderRefund[] = [];
      await call(async () => {
        for await (const refund of client.refunds.list({ payment_intent: paymentId, limit: 100 })) refunds.push(refundFrom(refund, paymentId));
      });
      return refunds;
    },

    async retrieveDispute(id) {
      return disputeFrom(await call(() => client.disputes.retrieve(id)));
    },

    async submitDisputeEvidence(id, evidence, idempotencyKey) {
      // Each document is uploaded first (Stripe's evidence names files by id), under a key of its
      // own derived from the submission's, so a retried submission re-uses the same uploads.
      const files: Partial<Record<EvidenceFileField, string>> = {};
      for (const [index, document] of evidence.documents.entries()) {
        const file = await call(() =>
          client.files.create(
            { purpose: 'dispute_evidence', file: { data: Buffer.from(document.data), name: document.filename, type: document.contentType } },
            { idempotencyKey: `${idempotencyKey}:file:${index}` },
          ),
        );
        files[EVIDENCE_FILE_FIELDS[document.kind]] = file.id;
      }
      const update = () =>
        client.disputes.update(
          id,
          {
            evidence: {
              uncategorized_text: evidence.explanation,
              ...optional('product_description', evidence.productDescription),
              ...optional('shipping_carrier', evidence.shipping?.carrier),
              ...optional('shipping_tracking_number', evidence.shipping?.trackingNumber),
              ...files,
            },
            submit: true,
          },
          { idempotencyKey },
        );
      return disputeFrom(await call(() => refusedWhenClosed(id, update)));
    },

    async acceptDispute(id, idempotencyKey) {
      return disputeFrom(await call(() => refusedWhenClosed(id, () => client.disputes.close(id, {}, { idempotencyKey }))));
    },

    async paymentsForOrder({ customerId, orderId, createdSince }) {
      // Stripe's list cannot filter by metadata, but it can by customer and creation time, and
      // (unlike the search API, which lags by up to a minute) it reads its own writes.
      const found: ProviderPayment[] = [];
      await call(async () => {
        const created = { gte: Math.floor(createdSince.getTime() / 1000) };
        for await (const intent of client.paymentIntents.list({ customer: customerId, created, limit: 100 })) {
          if (intent.metadata.order_id === orderId) found.push(paymentFrom(intent));
        }
      });
      return found;
    },
  };
}
