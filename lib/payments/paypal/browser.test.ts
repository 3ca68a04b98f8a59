import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/env';
import { contentSecurityPolicy } from '@/lib/security-headers';
import { PAYPAL_BROWSER_ORIGINS, paypalBrowser } from './browser';
import { SANDBOX_CLIENT_ID } from './sandbox-credentials';

/** What PayPal's button is given in the browser, and what the payment pages' CSP lets it reach. No network here. */

const STRIPE_TEST = { STRIPE_SECRET_KEY: 'sk_test_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
const PAYPAL_SANDBOX = { PAYPAL_CLIENT_ID: 'merchant-id', PAYPAL_CLIENT_SECRET: 'merchant-secret', PAYPAL_WEBHOOK_ID: 'WH-1' };

describe("PayPal's browser configuration", () => {
  it('loads the sandbox stand-in of the JS SDK, with the sandbox client id, in sandbox mode', () => {
    const config = parseEnv({ SANDBOX_PORT: '4343' });
    expect(paypalBrowser.enabled(config)).toBe(true);
    expect(paypalBrowser.browser(config)).toEqual({ publicKey: SANDBOX_CLIENT_ID, scriptUrl: 'http://127.0.0.1:4343/paypal/web-sdk/v6/core', live: false });
    expect(paypalBrowser.origins(config)).toEqual(['http://127.0.0.1:4343']);
  });

  it("lets PayPal's own loader fetch its SDK with the merchant's client id, never the secret, with real credentials", () => {
    const config = parseEnv({ ...STRIPE_TEST, ...PAYPAL_SANDBOX });
    const browser = paypalBrowser.browser(config);
    expect(browser).toEqual({ publicKey: 'merchant-id', scriptUrl: null, live: false });
    expect(JSON.stringify(browser)).not.toContain('merchant-secret');
    expect(paypalBrowser.origins(config)).toEqual(PAYPAL_BROWSER_ORIGINS);
  });

  it('is off with Stripe keys and no PayPal credentials: the checkout offers cards only', () => {
    expect(paypalBrowser.enabled(parseEnv(STRIPE_TEST))).toBe(false);
  });

  it("lets the payment pages load PayPal's scripts, frames, images and styles from PayPal's documented hosts only", () => {
    const policy = new Map(
      contentSecurityPolicy({ nonce: 'bm9uY2U=', paymentOrigins: PAYPAL_BROWSER_ORIGINS, development: false, https: true })
        .split('; ')
        .map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)] as const),
    );
    for (const directive of ['script-src', 'connect-src', 'frame-src', 'img-src', 'style-src']) {
      expect(policy.get(directive), directive).toEqual(expect.arrayContaining(['https://*.paypal.com', 'https://*.paypalobjects.com', 'https://*.venmo.com']));
    }
    expect(policy.get('script-src')).not.toContain("'unsafe-inline'");
    expect(policy.get('style-src')).not.toContain("'unsafe-inline'");
  });
});
