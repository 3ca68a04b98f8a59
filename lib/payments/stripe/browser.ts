import type { PaymentBrowserEntry } from '@/lib/payments/browser';

/**
 * The publishable key the sandbox accepts in `sandbox` mode (any test-mode key works; this one
 * names the caller in its logs). It is not a secret.
 */
export const SANDBOX_PUBLISHABLE_KEY = 'pk_test_billfold_sandbox';

/**
 * What Stripe.js needs in the browser: the publishable key and, in sandbox mode, the stand-in
 * the sandbox serves. Kept apart from the SDK client so the proxy can build its CSP without
 * bundling the SDK.
 */
export const stripeBrowser: PaymentBrowserEntry = {
  name: 'stripe',
  takesCards: true,
  takesApprovals: false,
  enabled: (config) => config.paymentsMode === 'sandbox' || Boolean(config.stripe.publishableKey),
  browser(config) {
    if (config.paymentsMode === 'sandbox') return { publicKey: SANDBOX_PUBLISHABLE_KEY, scriptUrl: `${new URL(config.sandboxUrl).origin}/js/stripe.js`, live: false };
    const publicKey = String(config.stripe.publishableKey);
    return { publicKey, scriptUrl: null, live: publicKey.startsWith('pk_live_') };
  },
  origins(config) {
    if (config.paymentsMode === 'sandbox') return [new URL(config.sandboxUrl).origin];
    return ['https://js.stripe.com', 'https://api.stripe.com', 'https://hooks.stripe.com'];
  },
  // Stripe.js sends the person back to the return_url with `redirect_status` and the intent's id
  // (`payment_intent` or `setup_intent`) after a redirect-based step such as 3-D Secure.
  returned(query) {
    if (typeof query.redirect_status !== 'string') return null;
    const succeeded = query.redirect_status === 'succeeded';
    return { succeeded, cardUpdateId: succeeded && typeof query.setup_intent === 'string' ? query.setup_intent : null };
  },
};
