import Stripe from 'stripe';
import {
  PaymentProviderUnavailableError,
  type CancelOutcome,
  type CardPaymentProvider,
  type PaymentIntentRequest,
  type PaymentStatus,
  type ProviderPaymentIntent,
} from '@/lib/payments/card-payments';
import { money } from '@/lib/money';

const STATUSES: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'];

function toIntent(intent: Stripe.PaymentIntent): ProviderPaymentIntent {
  const status = STATUSES.find((candidate) => candidate === intent.status);
  if (!status) throw new Error(`PaymentIntent ${intent.id} has an unknown status ${intent.status}`);
  if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} came back without a client secret`);
  return {
    id: intent.id,
    status,
    amount: money(intent.amount, intent.currency),
    customerId: typeof intent.customer === 'string' ? intent.customer : (intent.customer?.id ?? null),
    receiptEmail: intent.receipt_email,
    clientSecret: intent.client_secret,
  };
}

/**
 * Errors after which nothing is known to have happened and the same call may be retried:
 * Stripe unreachable or timing out, a 5xx, rate limiting, or the same idempotency key still
 * in flight (409). Anything else (bad parameters, a reused key with other parameters) is a bug.
 */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError)) return false;
  return (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeIdempotencyError && error.statusCode === 409) ||
    (error.statusCode ?? 0) >= 500
  );
}

export async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (isTransient(error)) throw new PaymentProviderUnavailableError('stripe', { cause: error });
    throw error;
  }
}

function intentParams(request: PaymentIntentRequest) {
  return {
    amount: request.amount.amount,
    currency: request.amount.currency.toLowerCase(),
    customer: request.customerId,
    receipt_email: request.receiptEmail,
  };
}

/** Card checkout on Stripe (or the sandbox), through the given SDK client. */
export function stripeCardPayments(client: Stripe): CardPaymentProvider {
  return {
    name: 'stripe',

    async createCustomer({ email, userId }, idempotencyKey) {
      const customer = await call(() =>
        client.customers.create({ email, metadata: userId ? { user_id: userId } : { guest: 'true' } }, { idempotencyKey }),
      );
      return { id: customer.id };
    },

    async createPaymentIntent(request, idempotencyKey) {
      const intent = await call(() =>
        client.paymentIntents.create(
          { ...intentParams(request), metadata: request.metadata, automatic_payment_methods: { enabled: true } },
          { idempotencyKey },
        ),
      );
      return toIntent(intent);
    },

    async updatePaymentIntent(id, request, idempotencyKey) {
      const intent = await call(() => client.paymentIntents.update(id, { ...intentParams(request), metadata: request.metadata }, { idempotencyKey }));
      return toIntent(intent);
    },

    async retrievePaymentIntent(id) {
      return toIntent(await call(() => client.paymentIntents.retrieve(id)));
    },

    async cancelPaymentIntent(id, reason, idempotencyKey): Promise<CancelOutcome> {
      try {
        return { outcome: 'canceled', intent: toIntent(await call(() => client.paymentIntents.cancel(id, { cancellation_reason: reason }, { idempotencyKey }))) };
      } catch (error) {
        // Stripe answers 400 payment_intent_unexpected_state for an intent that has succeeded,
        // is processing a card payment or is already canceled: not a failure, just not ours to cancel.
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state') return { outcome: 'refused' };
        throw error;
      }
    },

    async paymentIntentsForOrder({ customerId, orderId, createdSince }) {
      // Stripe's list cannot filter by metadata, but it can by customer and creation time, and
      // (unlike the search API, which lags by up to a minute) it reads its own writes.
      const found: ProviderPaymentIntent[] = [];
      await call(async () => {
        const created = { gte: Math.floor(createdSince.getTime() / 1000) };
        for await (const intent of client.paymentIntents.list({ customer: customerId, created, limit: 100 })) {
          if (intent.metadata.order_id === orderId) found.push(toIntent(intent));
        }
      });
      return found;
    },
  };
}
