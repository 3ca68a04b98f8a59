import type { paymentProvider, paymentStatus } from '@/db/schema';
import type { Money } from '@/lib/money';

/**
 * What the card checkout needs from a payment provider, in Billfold's own types. Each provider
 * folder implements it (lib/payments/stripe/card-payments.ts); lib/billing decides what to call.
 */

export type PaymentProviderName = (typeof paymentProvider.enumValues)[number];
export type PaymentStatus = (typeof paymentStatus.enumValues)[number];

export interface PaymentIntentRequest {
  amount: Money;
  /** The provider's id of the customer paying. */
  customerId: string;
  receiptEmail: string;
  metadata: Record<string, string>;
}

export interface ProviderPaymentIntent {
  id: string;
  status: PaymentStatus;
  amount: Money;
  customerId: string | null;
  receiptEmail: string | null;
  /** Handed to the browser so the provider's own script can confirm the payment. */
  clientSecret: string;
}

/**
 * What came of asking the provider to cancel an intent. `refused`: the provider would not,
 * because the intent is being paid or has been (Stripe: `payment_intent_unexpected_state`);
 * the money is the customer's decision now, so the caller leaves it alone.
 */
export type CancelOutcome = { outcome: 'canceled'; intent: ProviderPaymentIntent } | { outcome: 'refused' };

export interface CardPaymentProvider {
  readonly name: PaymentProviderName;
  createCustomer(customer: { email: string; userId: string | null }, idempotencyKey: string): Promise<{ id: string }>;
  createPaymentIntent(request: PaymentIntentRequest, idempotencyKey: string): Promise<ProviderPaymentIntent>;
  updatePaymentIntent(id: string, request: PaymentIntentRequest, idempotencyKey: string): Promise<ProviderPaymentIntent>;
  retrievePaymentIntent(id: string): Promise<ProviderPaymentIntent>;
  /** Cancels an intent nobody is paying any more, so its client secret can never pay. */
  cancelPaymentIntent(id: string, reason: 'abandoned', idempotencyKey: string): Promise<CancelOutcome>;
  /**
   * Every intent the provider holds for one of our orders (the order id it carries) among one
   * customer's intents created since `createdSince`, including any we never recorded.
   */
  paymentIntentsForOrder(query: { customerId: string; orderId: string; createdSince: Date }): Promise<ProviderPaymentIntent[]>;
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
