import crypto from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes are drawn in blocks: one system call per few hundred ids, not one per id.
const POOL_SIZE = 8192;
let pool = Buffer.alloc(0);
let offset = POOL_SIZE;

/** Random base62 text, as in Stripe's ids (`pi_3Qx…`). */
export function randomToken(length = 24): string {
  if (offset + length > pool.length) {
    pool = crypto.randomBytes(Math.max(POOL_SIZE, length));
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(pool[offset + i] as number) % ALPHABET.length];
  offset += length;
  return out;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
