import crypto from 'node:crypto';

/**
 * PayPal's ids: upper-case letters and digits, with a few prefixes (`I-` subscriptions, `P-`
 * plans, `PROD-` products, `WH-` webhook events, `PP-D-` disputes). None has an underscore, so
 * none can collide with a Stripe id in the shared `sandbox.objects` table.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random upper-case letters and digits, as in an order id (`5O190127TN364715T`). */
export function paypalToken(length = 17): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

/** Order, capture, authorization, refund and webhook ids: 17 characters. */
export function resourceId(): string {
  return paypalToken(17);
}

export const subscriptionId = () => `I-${paypalToken(12)}`;
export const planId = () => `P-${paypalToken(24)}`;
export const productId = () => `PROD-${paypalToken(17)}`;
export const eventId = () => `WH-${paypalToken(17)}-${paypalToken(17)}`;
export const disputeId = () => `PP-D-${crypto.randomInt(10_000, 1_000_000)}`;
/** The id PayPal gives every response (`PayPal-Debug-Id`, and `debug_id` in an error). */
export const debugId = () => crypto.randomBytes(7).toString('hex').slice(0, 13);

/** PayPal's timestamps: RFC 3339 in UTC, to the second (`2026-12-03T14:28:07Z`). */
export function paypalTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
