import type Stripe from 'stripe';
import { createPaymentRegistry, type PaymentRegistry } from '@/lib/payments';
import { paypalProviderFor, paypalWebhooksFor } from '@/lib/payments/paypal';
import { paypalClientFor } from '@/lib/payments/paypal/client';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@/lib/payments/paypal/sandbox-credentials';
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

/**
 * PayPal through the sandbox at `sandboxUrl`, wired as the app wires it in sandbox mode: the
 * sandbox's fixed credentials, webhooks verified for `webhookId` (a webhook the test registered
 * with that sandbox) with the sandbox's certificate location.
 */
export function paypalThrough(sandboxUrl: string, webhookId?: string): PaymentProvider {
  const client = paypalClientFor({ apiBase: `${sandboxUrl}/paypal`, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
  return paypalProviderFor(client, paypalWebhooksFor({ paymentsMode: 'sandbox', sandboxUrl, sandboxPaypalWebhookId: webhookId, paypal: null }, client));
}

/** A registry of Stripe through `client`, plus any other providers a test registers. */
export function registryThrough(client: Stripe, options: { webhookSecrets?: readonly string[]; others?: readonly PaymentProvider[] } = {}): PaymentRegistry {
  return createPaymentRegistry([stripeThrough(client, options.webhookSecrets), ...(options.others ?? [])]);
}
