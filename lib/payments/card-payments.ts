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

export interface CardPaymentProvider {
  readonly name: PaymentProviderName;
  createCustomer(customer: { email: string; userId: string | null }, idempotencyKey: string): Promise<{ id: string }>;
  createPaymentIntent(request: PaymentIntentRequest, idempotencyKey: string): Promise<ProviderPaymentIntent>;
  updatePaymentIntent(id: string, request: PaymentIntentRequest, idempotencyKey: string): Promise<ProviderPaymentIntent>;
  retrievePaymentIntent(id: string): Promise<ProviderPaymentIntent>;
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
