import crypto from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { customers } from '@/db/schema';
import type { PaymentsApi } from '@/lib/payments/provider';
import type { Buyer } from './orders';

export type Customer = typeof customers.$inferSelect;

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The buyer's one customer at the provider: per account, or per guest email. Callers in
 * parallel (two tabs, a double submit) are serialised on a lock named after the buyer, and the
 * provider call carries a key named after them too, so a retry after a lost response finds
 * the customer it already made instead of making a second. It commits on its own, so a
 * payment step that fails afterwards does not lose the customer.
 */
export async function ensureProviderCustomer(db: Database, provider: PaymentsApi, buyer: Buyer): Promise<Customer> {
  const createCustomer = provider.createCustomer?.bind(provider);
  if (!createCustomer) throw new Error(`${provider.name} has no customers`);
  const email = normalizeEmail(buyer.email);
  // A guest's email stays out of idempotency keys and lock names, which end up in logs.
  const who = buyer.userId ?? `guest:${crypto.createHash('sha256').update(email).digest('hex').slice(0, 32)}`;
  const match = buyer.userId
    ? and(eq(customers.provider, provider.name), eq(customers.userId, buyer.userId))
    : and(eq(customers.provider, provider.name), isNull(customers.userId), sql`lower(${customers.email}) = ${email}`);
  // A returning buyer's customer needs no lock: the lock only keeps two first checkouts from making two.
  const [known] = await db.select().from(customers).where(match);
  if (known) return known;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`billfold:customer:${provider.name}:${who}`}, 0))`);
    const [existing] = await tx.select().from(customers).where(match);
    if (existing) return existing;

    const created = await createCustomer({ email, userId: buyer.userId }, `customer:${who}`);
    const [customer] = await tx.insert(customers).values({ userId: buyer.userId, email, provider: provider.name, providerCustomerId: created.id }).returning();
    if (!customer) throw new Error('inserting a customer returned no row');
    return customer;
  });
}

/** The buyer's customer at a provider that has customers; null at one that does not (its payments stand alone). */
export async function paymentCustomer(db: Database, provider: PaymentsApi, buyer: Buyer): Promise<Customer | null> {
  return provider.createCustomer ? ensureProviderCustomer(db, provider, buyer) : null;
}

/**
 * Our reference for an account at a provider that keeps no customers (PayPal): every
 * subscription made there carries it (`custom_id`), so its webhooks lead back to the account.
 */
export function accountReference(userId: string): string {
  return `account:${userId}`;
}

/**
 * The account's customer at a provider, to bill it over time (subscriptions). A provider with
 * customer objects (Stripe) gets one made there; for a provider without (PayPal) the account's
 * reference is recorded as its customer id, so a subscription's webhooks find the account the
 * same way for both.
 */
export async function ensureAccountCustomer(db: Database, provider: PaymentsApi, account: { userId: string; email: string }): Promise<Customer> {
  if (provider.createCustomer) return ensureProviderCustomer(db, provider, account);
  const values = { userId: account.userId, email: normalizeEmail(account.email), provider: provider.name, providerCustomerId: accountReference(account.userId) };
  const [inserted] = await db
    .insert(customers)
    .values(values)
    .onConflictDoNothing({ target: [customers.userId, customers.provider], where: sql`${customers.userId} IS NOT NULL` })
    .returning();
  if (inserted) return inserted;
  const [existing] = await db.select().from(customers).where(and(eq(customers.provider, provider.name), eq(customers.userId, account.userId)));
  if (!existing) throw new Error(`the ${provider.name} customer of account ${account.userId} was neither recorded nor found`);
  return existing;
}

