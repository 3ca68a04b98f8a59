import { and, count, eq, exists, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { customers, invoices, subscriptions } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import type { PaymentHandoff, SubscriptionCheckout, SubscriptionStep } from '@/lib/payments/types';
import { ensureAccountCustomer } from './customers';
import { providerPriceFor, subscribablePlan, type Plan } from './plans';
import { depsFor, liveRowOf, record, withAccountLock, withProvider, type SubscriptionRow } from './subscription-account';
import { lockBillingCustomer } from './subscription-events';
import { isLive, STARTED_STATUSES } from './subscription-status';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

export interface StartedSubscription {
  /** Our subscription id. */
  subscriptionId: string;
  /** `payment`: pay the first invoice; `card`: save the card a trial will charge; `approval`: approve it in the provider's window. */
  step: SubscriptionStep;
  /** How the browser finishes that step. */
  handoff: PaymentHandoff;
}

export const ALREADY_SUBSCRIBED_MESSAGE = 'You already have a subscription. You can change your plan from your billing page.';

/**
 * The free trial an account gets on a plan: the plan's, on the account's first subscription
 * only. An account that has had a trial with its card saved (so it had access), or a
 * subscription that was paid for or got going, subscribes without one: cancelling and
 * subscribing again never buys another free period. A first payment or a trial the subscriber
 * walked away from (no card, so no access) does not count.
 */
export async function trialDaysFor(db: Database | Transaction, userId: string, plan: Pick<Plan, 'trialDays'>): Promise<number | null> {
  if (!plan.trialDays) return null;
  const paidInvoice = db
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(eq(invoices.subscriptionId, subscriptions.id), eq(invoices.status, 'paid'), gt(invoices.amountPaid, 0)));
  const [earlier] = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.userId, userId),
        or(and(isNotNull(subscriptions.trialStart), isNotNull(subscriptions.providerPaymentMethodId)), inArray(subscriptions.status, STARTED_STATUSES), exists(paidInvoice)),
      ),
    )
    .limit(1);
  return earlier ? null : plan.trialDays;
}

function started(subscriptionId: string, checkout: SubscriptionCheckout): StartedSubscription {
  if (!checkout.pending) throw new Error(`subscription ${checkout.subscription.id} has nothing to finish in the browser`);
  return { subscriptionId, ...checkout.pending };
}

/**
 * Gives up a subscription that never started (its first payment or its approval was never
 * given), so the account can start another. The provider ends it where it can; a PayPal
 * subscription nobody approved cannot be ended there, so Billfold disowns it: its row is
 * ended here, and stays ended whatever PayPal later says of an approval still pending.
 */
async function abandon(tx: Transaction, deps: SubscriptionDependencies, row: SubscriptionRow, userId: string): Promise<void> {
  const ended = await deps.subscriptions.cancelSubscriptionNow(row.providerSubscriptionId, `subscribe:${userId}:replace:${row.providerSubscriptionId}`);
  const after = await record(tx, deps, ended, { latestInvoice: true });
  if (after.status !== 'incomplete') return;
  await tx
    .update(subscriptions)
    .set({ status: 'incomplete_expired', endedAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(subscriptions.id, after.id), eq(subscriptions.status, 'incomplete')));
}

/**
 * Starts the account's subscription to a plan with the provider in `deps` (the one the
 * subscriber chose: the card form's, or PayPal's button), or resumes the one it is already
 * starting there.
 *
 * One account never gets two live subscriptions, whichever provider: requests are serialised on
 * the account's billing lock (double clicks, two tabs, a card in one and PayPal in the other,
 * retries), each looks at what the provider of the account's live subscription holds before
 * creating anything, and the partial unique index backs that up. A subscription still waiting
 * for its first payment, its trial's card or its approval is handed back as it is when it is for
 * the same plan with the same provider, and given up when the subscriber chose otherwise.
 */
export async function startSubscription(deps: SubscriptionDependencies, subscriber: Subscriber, lookupKey: string): Promise<StartedSubscription> {
  const plan = await subscribablePlan(deps.db, lookupKey);
  await withProvider(() => ensureAccountCustomer(deps.db, deps.payments, subscriber));
  const provider = deps.subscriptions;
  return withAccountLock(deps, subscriber, new UserFacingError('Your account could not be set up for billing. Please try again.', 'no_customer'), async (tx, customer) => {
    const live = await liveRowOf(tx, subscriber.userId);
    if (live) {
      const liveDeps = depsFor(deps, live.provider);
      if (live.provider !== provider.name) await lockCustomerOf(tx, live);
      // Our row may lag behind the provider (a first payment that expired, a trial that ended).
      const current = await liveDeps.subscriptions.retrieveSubscriptionCheckout(live.providerSubscriptionId);
      const row = await record(tx, liveDeps, current.subscription);
      if (isLive(row.status)) {
        if (live.provider === provider.name && row.priceId === plan.priceId && current.pending) return started(row.id, current);
        if (row.status !== 'incomplete') throw new UserFacingError(ALREADY_SUBSCRIBED_MESSAGE, 'already_subscribed');
        // Never paid or approved, for another plan or with another provider: give it up, so it can never be paid as well.
        await abandon(tx, liveDeps, row, subscriber.userId);
      }
    }

    // Every earlier subscription of the account is recorded by now, so `attempt` names this
    // one: a retry after a lost answer replays it, a subscription after an ended one is new.
    const [{ attempt } = { attempt: 0 }] = await tx.select({ attempt: count() }).from(subscriptions).where(eq(subscriptions.userId, subscriber.userId));
    const trialDays = await trialDaysFor(tx, subscriber.userId, plan);
    const providerPriceId = await providerPriceFor(tx, provider, plan, trialDays);
    const checkout = await provider.createSubscription(
      { customerId: customer.providerCustomerId, priceId: providerPriceId, trialDays, email: subscriber.email, metadata: { user_id: subscriber.userId, price_id: plan.priceId } },
      `subscribe:${subscriber.userId}:${plan.priceId}:${attempt}`,
    );
    const row = await record(tx, deps, checkout.subscription, { latestInvoice: true });
    return started(row.id, checkout);
  });
}

/** Takes the lock of the customer a subscription at another provider bills, after the account's own. */
async function lockCustomerOf(tx: Transaction, row: SubscriptionRow): Promise<void> {
  const [customer] = await tx.select({ providerCustomerId: customers.providerCustomerId }).from(customers).where(eq(customers.id, row.customerId));
  if (customer) await lockBillingCustomer(tx, row.provider, customer.providerCustomerId);
}
