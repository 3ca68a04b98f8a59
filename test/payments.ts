import type Stripe from 'stripe';
import { createPaymentRegistry, type PaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import { stripeProviderFor } from '@/lib/payments/stripe';

/**
 * Billfold's payment providers for tests, pointed at the test's own sandbox: what the app's
 * registry (lib/payments/index.ts) builds from its configuration, built from a given SDK client.
 */

/** Stripe through `client`; webhooks verify against `webhookSecrets`. */
export function stripeThrough(client: Stripe, webhookSecrets: readonly string[] = []): PaymentProvider {
  return stripeProviderFor(client, () => webhookSecrets);
}

/** A registry of Stripe through `client`, plus any other providers a test registers. */
export function registryThrough(client: Stripe, options: { webhookSecrets?: readonly string[]; others?: readonly PaymentProvider[] } = {}): PaymentRegistry {
  return createPaymentRegistry([stripeThrough(client, options.webhookSecrets), ...(options.others ?? [])]);
}
