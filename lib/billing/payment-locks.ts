import { sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import type { PaymentProviderName } from '@/lib/payments/types';

export type PaymentKey = { provider: PaymentProviderName; providerPaymentId: string };

/** One provider payment's name, the same wherever it is locked or looked up. */
export function paymentName(provider: string, providerPaymentId: string): string {
  return `${provider}:${providerPaymentId}`;
}

/**
 * Serialises every change to a provider payment: the caller re-fetches the provider object while
 * holding this lock, so the last writer always wrote the newest state. Several payments' locks
 * are taken in one statement and in one order (sorted by name), so two batches that share a
 * payment wait for each other instead of deadlocking. Taken after a customer's lock by the
 * invoices a customer's change records (subscription-events.ts), never before one.
 */
export async function lockProviderPayments(tx: Transaction, keys: PaymentKey[]): Promise<void> {
  const names = [...new Set(keys.map((key) => `payment:${paymentName(key.provider, key.providerPaymentId)}`))].sort();
  if (names.length === 0) return;
  await tx.execute(sql`
    select pg_advisory_xact_lock(hashtextextended(name, 0))
    from jsonb_array_elements_text(${JSON.stringify(names)}::jsonb) with ordinality as lock(name, position)
    order by position`);
}

/**
 * Takes, without waiting, the locks of those payments no other transaction holds, and returns
 * the keys it locked. A batch that waited for a contested payment would wait holding the locks
 * of all the others it had taken, and every batch wanting one of those would queue behind it: a
 * convoy that, under a storm with several workers, made them take turns (seen with three workers
 * in the storm suite). A try-lock never waits, so it cannot deadlock either.
 */
export async function lockFreeProviderPayments(tx: Transaction, keys: PaymentKey[]): Promise<PaymentKey[]> {
  const byName = new Map(keys.map((key) => [`payment:${paymentName(key.provider, key.providerPaymentId)}`, key]));
  if (byName.size === 0) return [];
  const rows = await tx.execute<{ name: string }>(sql`
    select name from jsonb_array_elements_text(${JSON.stringify([...byName.keys()].sort())}::jsonb) as lock(name)
    where pg_try_advisory_xact_lock(hashtextextended(name, 0))`);
  return rows.map((row) => byName.get(row.name)!);
}
