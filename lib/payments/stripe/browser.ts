import { env } from '@/lib/env';

/**
 * The publishable key the sandbox accepts in `sandbox` mode (any test-mode key works; this one
 * names the caller in its logs). It is not a secret.
 */
export const SANDBOX_PUBLISHABLE_KEY = 'pk_test_billfold_sandbox';

export interface StripeBrowserConfig {
  publishableKey: string;
  /** The Stripe.js stand-in in sandbox mode; null means @stripe/stripe-js loads Stripe's own. */
  scriptUrl: string | null;
  /** Every origin the payment page talks to, for the Content-Security-Policy. */
  origins: string[];
}

/**
 * What the browser needs: the publishable key and, in sandbox mode, where Stripe.js comes from.
 * Kept apart from the SDK client so the proxy can build its CSP without bundling the SDK.
 */
export function stripeBrowserConfig(): StripeBrowserConfig {
  const config = env();
  if (config.paymentsMode === 'sandbox') {
    const origin = new URL(config.sandboxUrl).origin;
    return { publishableKey: SANDBOX_PUBLISHABLE_KEY, scriptUrl: `${origin}/js/stripe.js`, origins: [origin] };
  }
  return { publishableKey: String(config.stripe.publishableKey), scriptUrl: null, origins: ['https://js.stripe.com', 'https://api.stripe.com', 'https://hooks.stripe.com'] };
}
