/**
 * Every place Billfold keeps something that can name a person, and what erasure does with it
 * (lib/privacy/erase.ts). SECURITY.md's GDPR section is this table in prose. A test
 * (inventory.test.ts) reads the schema and fails when a column whose name looks personal is in
 * neither list, so a new `phone` or `billing_name` column cannot slip past erasure unnoticed.
 */

/** What erasure does to one column of the person's rows. */
export type ColumnHandling = { erase: 'pseudonymised' | 'cleared' | 'redacted'; how: string } | { kept: string };

/** Tables whose rows about the person are deleted outright. */
export const DELETED_TABLES: Readonly<Record<string, string>> = {
  sessions: 'database sessions of the account (Billfold signs in with JWTs, so usually none)',
  accounts: 'OAuth links with their tokens: the person can no longer sign in with GitHub or Google as this account',
  verification_tokens: 'email sign-in tokens issued to the address',
};

/** `table.column` → what erasure does with it. */
export const PERSONAL_COLUMNS: Readonly<Record<string, ColumnHandling>> = {
  'users.email': { erase: 'pseudonymised', how: 'erased-<uuid>@invalid (a reserved, non-routable domain)' },
  'users.name': { erase: 'cleared', how: 'null' },
  'users.email_verified': { erase: 'cleared', how: 'null' },
  'users.image': { erase: 'cleared', how: 'null' },
  'users.password_hash': { erase: 'cleared', how: 'null: no password signs in as this account' },
  'customers.email': { erase: 'pseudonymised', how: 'the same placeholder; the provider customer id is kept' },
  'orders.email': { erase: 'pseudonymised', how: 'the same placeholder; number, amounts, currency, status and dates are kept' },
  'subscriptions.payment_method_email': { erase: 'cleared', how: "null (a PayPal payer's email); card brand and last 4 are kept" },
  'emails.to': { erase: 'pseudonymised', how: 'the same placeholder; kind, status and dates are kept as the record that it was sent' },
  'emails.text': { erase: 'cleared', how: "'[erased]'" },
  'emails.html': { erase: 'cleared', how: 'null' },
  'emails.subject': { kept: 'made from an order number, an amount or a plan name, never the person' },
  'emails.last_error': { erase: 'cleared', how: "null (an SMTP server's refusal quotes the address)" },
  'refund_requests.note': { erase: 'cleared', how: "null on the person's payments (an admin's free text)" },
  'rate_limits.key': { erase: 'redacted', how: 'the sign-in failure counter keyed by the address is deleted' },
  'webhook_events.payload': {
    erase: 'redacted',
    how: "in the provider events about the person, every value under a name, email, phone, address, shipping, billing_details, payer or subscriber key becomes '[erased]'; ids, amounts, statuses and dates stay",
  },
  'audit_log.data': {
    kept: 'append-only by a PostgreSQL trigger: the record of who did what. Entries name people by user id; a few keep what an admin typed (a transactions search) or an SMTP error',
  },
  'products.name': { kept: 'the catalog, not a person' },
};

/** Column names that suggest personal data; every match must be listed above (or its table deleted). */
export const PERSONAL_COLUMN_NAME = /e_?mail|(^|_)name$|phone|address|street|city|postal|payer|^to$|identifier|image|password|token|note|^text$|html|payload|^data$|^subject$/;

/** Provider payload keys whose values are personal (Stripe's and PayPal's spellings). */
export const PERSONAL_PAYLOAD_KEYS: ReadonlySet<string> = new Set([
  'email',
  'email_address',
  'receipt_email',
  'customer_email',
  'name',
  'given_name',
  'surname',
  'full_name',
  'customer_name',
  'phone',
  'phone_number',
  'national_number',
  'customer_phone',
  'address',
  'shipping_address',
  'customer_address',
  'billing_details',
  'shipping',
  'customer_shipping',
  'payer',
  'subscriber',
]);

export const ERASED = '[erased]';

/** The address an erased person's rows carry instead of theirs: unique, and `.invalid` never routes (RFC 2606). */
export function erasedEmail(id: string): string {
  return `erased-${id}@invalid`;
}

export function isErasedEmail(email: string): boolean {
  return /^erased-[0-9a-f-]{36}@invalid$/i.test(email.trim());
}
