/**
 * Every page where a card is entered or Stripe.js runs: the cart and checkout, subscribing, and
 * the billing portal (updating a card, paying an open invoice).
 */
const PAYMENT_PAGE = /^\/(?:cart|checkout|subscribe|account\/billing)(?:\/|$)/;

export function isPaymentPage(pathname: string): boolean {
  return PAYMENT_PAGE.test(pathname);
}

/**
 * Response headers for the payment pages (PCI DSS 6.4.3: only scripts we chose may run where a
 * card is entered). Scripts need this request's nonce; everything else may come from our own
 * origin and the payment provider's origins only; no page may frame ours.
 */

export interface CheckoutPolicyOptions {
  nonce: string;
  /** The enabled payment providers' script, API and frame origins (paymentOrigins()). */
  paymentOrigins: readonly string[];
  /** `next dev` needs eval for React's debugging aids and inline styles for its overlay. */
  development: boolean;
  /** Served over TLS: then insecure subresources are upgraded. */
  https: boolean;
}

export function contentSecurityPolicy({ nonce, paymentOrigins, development, https }: CheckoutPolicyOptions): string {
  const payment = paymentOrigins.join(' ');
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic' lets the nonced scripts load their own chunks (and Stripe.js its
    // frames' helpers); the origin list is the fallback for browsers without CSP level 3.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' ${payment}${development ? " 'unsafe-eval'" : ''}`,
    `style-src 'self' ${development ? "'unsafe-inline'" : `'nonce-${nonce}'`} ${payment}`,
    // PayPal's buttons draw its marks from its own hosts.
    `img-src 'self' data: ${payment}`,
    "font-src 'self'",
    `connect-src 'self' ${payment}`,
    `frame-src ${payment}`,
    "object-src 'none'",
    "base-uri 'self'",
    // The 3-D Secure dialog's cancel button posts a form from our page to the provider's frame.
    `form-action 'self' ${payment}`,
    "frame-ancestors 'none'",
  ];
  if (https) directives.push('upgrade-insecure-requests');
  return directives.join('; ');
}

export function checkoutSecurityHeaders(options: CheckoutPolicyOptions & { production: boolean }): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(options),
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    ...(options.production ? { 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}
