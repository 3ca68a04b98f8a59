import type Stripe from 'stripe';
import { createPaymentRegistry, type PaymentRegistry } from '@/lib/payments';
import { stripeProviderFor } from '@/lib/payments/stripe';

/**
 * The payment registry a test runs with: Stripe through the given SDK client (the sandbox's,
 * usually), verifying webhooks against `webhookSecrets`, as paymentRegistry() builds it from
 * the environment in the app.
 */
export function stripeRegistry(client: Stripe, webhookSecrets: readonly string[] = []): PaymentRegistry {
  return createPaymentRegistry([stripeProviderFor(client, () => webhookSecrets)]);
}
