import { and, eq } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { auditLog, customers, subscriptions } from '@/db/schema';
import type { ProviderInvoice } from '@/lib/payments/types';
import type { SwitchStartDependencies } from './provider-switch';
import { invoicesOfSubscription, record } from './subscription-account';
import { lockBillingCustomer } from './subscription-events';

/**
 * A subscription Billfold gave up (subscribe.ts `abandon`: the subscriber chose another plan or
 * provider before approving it, and PayPal cannot end a subscription nobody approved) may still be
 * approved from a window left open. Its row stays ended (subscription-events.ts), and the change
 * that reports the approval queues the job below, which ends it at the provider and gives back
 * every payment it took: the account pays once, for the subscription it chose.
 */

export type DisownedSubscriptionOutcome =
  /** Ended at the provider, with what it collected given back (nothing, for a free trial). */
  | { outcome: 'closed'; refunded: ProviderInvoice[] }
  /** Not a subscription Billfold gave up: unknown, or recorded as anything but given up. */
  | { outcome: 'not_disowned' };

/** The refund's key: the subscription given up and the payment, so a retried job makes one refund. */
export function disownedRefundKey(subscriptionId: string, invoiceId: string): string {
  return `disowned:${subscriptionId}:refund:${invoiceId}`;
}

/**
 * Ends a given-up subscription at its provider and refunds what it collected, under its
 * customer's lock (the one its webhooks apply under), then records it as the provider holds it
 * (still given up here). Idempotent: the end is a no-op once ended, each refund carries its key,
 * and a payment refunded already is left alone. Throws what the provider threw, for the queue to
 * retry.
 */
export async function closeDisownedSubscription(deps: SwitchStartDependencies, subscriptionId: string): Promise<DisownedSubscriptionOutcome> {
  return deps.db.transaction(async (tx) => {
    const row = await disownedRow(tx, subscriptionId);
    if (!row) return { outcome: 'not_disowned' };
    const [customer] = await tx.select().from(customers).where(eq(customers.id, row.customerId));
    if (!customer) throw new Error(`subscription ${subscriptionId} has no customer`);
    await lockBillingCustomer(tx, customer.provider, customer.providerCustomerId);
    // Re-read under the lock: a webhook may have recorded it in between.
    if (!(await disownedRow(tx, subscriptionId))) return { outcome: 'not_disowned' };

    const provider = deps.depsOf(row.provider);
    const wallets = provider.subscriptions.wallets;
    const ended = await provider.subscriptions.cancelSubscriptionNow(row.providerSubscriptionId, `disowned:${row.id}:cancel`);
    const collected = (await invoicesOfSubscription(provider.subscriptions, ended)).filter((invoice) => invoice.amountPaid.amount > 0);
    if (collected.length > 0 && !wallets) throw new Error(`${row.provider} cannot refund subscription payments here: an operator must refund ${collected.map((invoice) => invoice.id).join(', ')} by hand`);
    for (const invoice of collected) await wallets?.refundPayment(invoice, disownedRefundKey(row.id, invoice.id));
    await record(tx, provider, ended, { latestInvoice: true });
    await tx.insert(auditLog).values({
      actorKind: 'system',
      action: 'subscription.disowned_refunded',
      subjectType: 'subscription',
      subjectId: row.id,
      data: {
        provider: row.provider,
        providerSubscriptionId: row.providerSubscriptionId,
        refunded: collected.map((invoice) => ({ invoiceId: invoice.id, amount: invoice.amountPaid.amount, currency: invoice.amountPaid.currency })),
      },
    });
    return { outcome: 'closed', refunded: collected };
  });
}

async function disownedRow(tx: Transaction, subscriptionId: string) {
  const [row] = await tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.id, subscriptionId), eq(subscriptions.status, 'incomplete_expired')));
  return row ?? null;
}
