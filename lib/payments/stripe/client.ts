import Stripe from 'stripe';
import { env } from '@/lib/env';

/**
 * The keys the sandbox accepts in `sandbox` mode (it takes any test-mode key; these name the
 * caller in its logs). They are not secrets.
 */
export const SANDBOX_SECRET_KEY = 'sk_test_billfold_sandbox';
export const SANDBOX_PUBLISHABLE_KEY = 'pk_test_billfold_sandbox';

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

/** What the browser needs: the publishable key and, in sandbox mode, where Stripe.js comes from. */
export function stripeBrowserConfig(): { publishableKey: string; scriptUrl: string | null; origins: string[] } {
  const config = env();
  if (config.paymentsMode === 'sandbox') {
    const origin = new URL(config.sandboxUrl).origin;
    return { publishableKey: SANDBOX_PUBLISHABLE_KEY, scriptUrl: `${origin}/js/stripe.js`, origins: [origin] };
  }
  return { publishableKey: String(config.stripe.publishableKey), scriptUrl: null, origins: ['https://js.stripe.com', 'https://api.stripe.com', 'https://hooks.stripe.com'] };
}
