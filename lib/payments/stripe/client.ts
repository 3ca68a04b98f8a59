import Stripe from 'stripe';
import { env } from '@/lib/env';

/**
 * The secret key the sandbox accepts in `sandbox` mode (it takes any test-mode key; this one
 * names the caller in its logs). It is not a secret.
 */
export const SANDBOX_SECRET_KEY = 'sk_test_billfold_sandbox';
// The browser side lives in ./browser.ts, which the proxy imports without the SDK.

const globalForStripe = globalThis as unknown as { billfoldStripe?: Stripe };

/**
 * The one Stripe SDK client. In `sandbox` mode it talks to the local sandbox over HTTP, exactly
 * as it talks to Stripe otherwise; the API version is the one the SDK pins.
 */
export function stripe(): Stripe {
  if (globalForStripe.billfoldStripe) return globalForStripe.billfoldStripe;
  const config = env();
  const options: ConstructorParameters<typeof Stripe>[1] = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false, appInfo: { name: 'Billfold' } };
  let client: Stripe;
  if (config.paymentsMode === 'sandbox') {
    const { hostname, port } = new URL(config.sandboxUrl);
    client = new Stripe(SANDBOX_SECRET_KEY, { ...options, host: hostname, port, protocol: 'http' });
  } else {
    if (!config.stripe.secretKey) throw new Error('STRIPE_SECRET_KEY is not set');
    client = new Stripe(config.stripe.secretKey, options);
  }
  globalForStripe.billfoldStripe = client;
  return client;
}
