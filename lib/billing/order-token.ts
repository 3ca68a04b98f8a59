import crypto from 'node:crypto';
import { isUuid } from '@/lib/uuid';

/**
 * A guest has no account, so what proves an order is theirs is a token only our server can
 * make: the order id with an HMAC of it. It travels in the checkout cookie and in the
 * confirmation link; an order id or number on its own opens nothing.
 */

function mac(secret: string, orderId: string): string {
  // The purpose is part of the message, so this HMAC can never be mistaken for another use of the secret.
  return crypto.createHmac('sha256', secret).update(`billfold:order-token:v1:${orderId}`).digest('base64url');
}

export function signOrderToken(secret: string, orderId: string): string {
  return `${orderId}.${mac(secret, orderId)}`;
}

/** The order id the token was made for with any of `secrets`, or null for anything forged, altered or malformed. */
export function verifyOrderToken(secrets: readonly string[], token: string | null | undefined): string | null {
  if (!token) return null;
  const dot = token.indexOf('.');
  const orderId = token.slice(0, dot);
  if (dot < 0 || !isUuid(orderId)) return null;
  const given = Buffer.from(token.slice(dot + 1));
  const madeWith = (secret: string) => {
    const expected = Buffer.from(mac(secret, orderId));
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  };
  return secrets.some(madeWith) ? orderId : null;
}
