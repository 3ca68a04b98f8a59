import type { PaymentBrowserEntry } from '@/lib/payments/browser';
import { SANDBOX_CLIENT_ID } from './sandbox-credentials';

/**
 * What PayPal's JS SDK (v6, through `@paypal/react-paypal-js/sdk-v6`) needs in the browser: the
 * client id (public) and, in sandbox mode, the sandbox's stand-in for `/web-sdk/v6/core`, which
 * the page includes itself (PayPal's v6 loader has no base-URL option, but uses a v6
 * `window.paypal` it finds instead of fetching PayPal's script). With real credentials there is
 * no tag: the loader fetches the SDK from PayPal. Kept apart from the server SDK so the proxy can
 * build its CSP without bundling it.
 */

/**
 * The hosts PayPal documents for its JS SDK in a Content-Security-Policy (script, connect, frame,
 * image and style sources: developer.paypal.com/sdk/js/best-practices).
 */
export const PAYPAL_BROWSER_ORIGINS = ['https://*.paypal.com', 'https://*.paypalobjects.com', 'https://*.venmo.com'];

export const paypalBrowser: PaymentBrowserEntry = {
  name: 'paypal',
  takesCards: false,
  takesApprovals: true,
  enabled: (config) => config.paymentsMode === 'sandbox' || config.paypal !== null,
  browser(config) {
    if (config.paymentsMode === 'sandbox') {
      return { publicKey: SANDBOX_CLIENT_ID, scriptUrl: `${new URL(config.sandboxUrl).origin}/paypal/web-sdk/v6/core`, live: false };
    }
    if (!config.paypal) throw new Error('PAYPAL_CLIENT_ID is not set');
    return { publicKey: config.paypal.clientId, scriptUrl: null, live: config.paypal.environment === 'live' };
  },
  origins(config) {
    if (config.paymentsMode === 'sandbox') return [new URL(config.sandboxUrl).origin];
    return PAYPAL_BROWSER_ORIGINS;
  },
  // The buyer approves in a popup and comes back to the same page: no redirect to read.
  returned: () => null,
};
