import { eq, sql } from 'drizzle-orm';
import { subscriptions } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { PROVIDER_LABELS } from '@/lib/payments/types';
import { depsFor, liveRowOf, record, withAccountLock } from './subscription-account';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

/**
 * Paying what failed renewals left owing, where the provider keeps the subscriber's funding
 * (PayPal): the subscriber fixes how they pay at the provider, then asks here for the balance to
 * be collected now rather than at the provider's next attempt. The card path pays its open
 * invoice in the browser instead (/account/billing/pay).
 */

const NO_SUBSCRIPTION = new UserFacingError('You do not have a subscription. Choose a plan on the pricing page.', 'no_subscription');

export interface BalancePayment {
  /** The balance was collected (a subscription suspended for it carries on); false when the funding refused again. */
  paid: boolean;
}

/**
 * Asks the provider to collect the account's outstanding balance now. Refused, changing
 * nothing, when nothing is owed or the subscription is paid by a card saved here. A refusal by
 * the subscriber's funding is an answer, not an error: the failed attempt is recorded as the
 * provider reports it, and the page says to fix the funding first.
 */
export async function payOutstandingBalance(deps: SubscriptionDependencies, subscriber: Subscriber): Promise<BalancePayment> {
  return withAccountLock(deps, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const live = await liveRowOf(tx, subscriber.userId);
    if (!live) throw NO_SUBSCRIPTION;
    const at = depsFor(deps, live.provider);
    const wallets = at.subscriptions.wallets;
    if (!wallets) {
      throw new UserFacingError('Your subscription is paid by card: pay its open invoice with your card on the payment page.', 'not_supported');
    }
    const before = await at.subscriptions.retrieveSubscription(live.providerSubscriptionId);
    const row = await record(tx, at, before, { latestInvoice: true });
    if (before.status !== 'past_due' && before.status !== 'unpaid') {
      throw new UserFacingError(`Your subscription owes nothing to ${PROVIDER_LABELS[live.provider]}: there is nothing to pay.`, 'nothing_due');
    }
    // Each collection asked for is a new request at the provider; counted with the call, so one
    // that failed on the way (this transaction rolls back) is retried under the same key.
    const [counted] = await tx
      .update(subscriptions)
      .set({ balanceCollections: sql`${subscriptions.balanceCollections} + 1` })
      .where(eq(subscriptions.id, row.id))
      .returning({ n: subscriptions.balanceCollections });
    const after = await wallets.collectOutstanding(before.id, `collect:${row.providerSubscriptionId}:${counted?.n ?? 0}`);
    await record(tx, at, after, { latestInvoice: true });
    return { paid: after.status !== 'past_due' && after.status !== 'unpaid' };
  });
}
