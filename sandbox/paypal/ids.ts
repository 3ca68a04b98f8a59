import crypto from 'node:crypto';

/**
 * PayPal's ids: upper-case letters and digits, with a few prefixes (`I-` subscriptions, `P-`
 * plans, `PROD-` products, `WH-` webhook events, `PP-D-` disputes). None has an underscore, so
 * none can collide with a Stripe id in the shared `sandbox.objects` table.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// Random bytes drawn from a pool refilled 4 KiB at a time: every request makes several ids, and
// one call into the CSPRNG per id was a measurable share of the sandbox's CPU in the bench.
const pool = Buffer.alloc(4096);
let drawn = pool.length;
function randomByte(): number {
  if (drawn === pool.length) {
    crypto.randomFillSync(pool);
    drawn = 0;
  }
  return pool[drawn++]!;
}
// The largest multiple of the alphabet's length a byte holds: bytes above it are drawn again, so every character is as likely.
const UNBIASED = 256 - (256 % ALPHABET.length);

/** Random upper-case letters and digits, as in an order id (`5O190127TN364715T`). */
export function paypalToken(length = 17): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < UNBIASED) out += ALPHABET[byte % ALPHABET.length];
  }
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
export const debugId = () => Array.from({ length: 13 }, () => (randomByte() & 15).toString(16)).join('');

/** PayPal's timestamps: RFC 3339 in UTC, to the second (`2026-12-03T14:28:07Z`). */
export function paypalTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
