import { describe, expect, it } from 'vitest';
import { checkoutSecurityHeaders, contentSecurityPolicy, isPaymentPage } from './security-headers';

const SANDBOX = 'http://127.0.0.1:4242';
const base = { nonce: 'bm9uY2U=', paymentOrigins: [SANDBOX], development: false, https: false };

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split('; ').map((directive) => {
    const [name = '', ...values] = directive.split(' ');
    return [name, values];
  }));
}

describe('the checkout Content-Security-Policy', () => {
  it('runs only nonced scripts (and what they load), talks only to us and the payment provider, and cannot be framed', () => {
    const policy = directives(contentSecurityPolicy(base));
    expect(policy.get('script-src')).toEqual(["'self'", "'nonce-bm9uY2U='", "'strict-dynamic'", SANDBOX]);
    expect(policy.get('connect-src')).toEqual(["'self'", SANDBOX]);
    expect(policy.get('frame-src')).toEqual([SANDBOX]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(contentSecurityPolicy(base)).not.toMatch(/unsafe-(inline|eval)|js\.stripe\.com|\*/);
  });

  it("allows Stripe's own hosts outside sandbox mode, and upgrades insecure requests over TLS", () => {
    const policy = contentSecurityPolicy({ ...base, paymentOrigins: ['https://js.stripe.com', 'https://api.stripe.com', 'https://hooks.stripe.com'], https: true });
    expect(directives(policy).get('frame-src')).toEqual(['https://js.stripe.com', 'https://api.stripe.com', 'https://hooks.stripe.com']);
    expect(policy).toContain('upgrade-insecure-requests');
  });

  it('sends HSTS in production only', () => {
    expect(checkoutSecurityHeaders({ ...base, production: true })['Strict-Transport-Security']).toMatch(/^max-age=\d+/);
    expect(checkoutSecurityHeaders({ ...base, production: false })['Strict-Transport-Security']).toBeUndefined();
  });
});

describe('the pages that get these headers', () => {
  it('are every page where Stripe.js runs: cart, checkout, subscribe and the billing portal', () => {
    for (const path of ['/cart', '/checkout', '/checkout/complete', '/subscribe/pro-monthly-usd', '/account/billing', '/account/billing/pay']) {
      expect(isPaymentPage(path), path).toBe(true);
    }
  });

  it('are not pages that merely share a prefix with them', () => {
    for (const path of ['/', '/pricing', '/account', '/account/orders/1', '/account/billingx', '/subscriber', '/checkouts', '/members']) {
      expect(isPaymentPage(path), path).toBe(false);
    }
  });
});
