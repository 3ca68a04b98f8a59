import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * PayPal's webhook signature: RSA-SHA256 (`PAYPAL-AUTH-ALGO: SHA256withRSA`), base64, over
 * `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body as an unsigned
 * decimal>`, verifiable with the public key of the X.509 certificate at `PAYPAL-CERT-URL`
 * (developer.paypal.com/api/rest/webhooks/rest, "Verify the signature"). The sandbox signs with
 * its own committed key (certs/README.md) and serves the certificate at CERT_PATH.
 */

const CERTS = path.join(path.dirname(new URL(import.meta.url).pathname), 'certs');
const PRIVATE_KEY = crypto.createPrivateKey(fs.readFileSync(path.join(CERTS, 'webhook-signing.key.pem')));
export const CERTIFICATE_PEM = fs.readFileSync(path.join(CERTS, 'webhook-signing.cert.pem'), 'utf8');

/** Where the certificate is served, under the module's prefix (PayPal's is `/v1/notifications/certs/CERT-360caa42-fca2a594-…`). */
export const CERT_PATH = '/v1/notifications/certs/CERT-360caa42-fca2a594-b1f0d5a1';

export interface Transmission {
  transmissionId: string;
  /** RFC 3339, as sent in `PAYPAL-TRANSMISSION-TIME`. */
  transmissionTime: string;
  webhookId: string;
  /** The exact bytes delivered. */
  body: string | Buffer;
}

/** The string PayPal signs for one delivery. */
export function signedMessage({ transmissionId, transmissionTime, webhookId, body }: Transmission): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${zlib.crc32(body) >>> 0}`;
}

export function signTransmission(transmission: Transmission): string {
  return crypto.sign('sha256', Buffer.from(signedMessage(transmission)), PRIVATE_KEY).toString('base64');
}

/** Whether `signature` is the sandbox's for this transmission (the `verify-webhook-signature` postback's check). */
export function isSandboxSignature(transmission: Transmission, signature: string): boolean {
  return crypto.verify('sha256', Buffer.from(signedMessage(transmission)), PRIVATE_KEY, Buffer.from(signature, 'base64'));
}
