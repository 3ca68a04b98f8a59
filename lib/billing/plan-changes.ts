import type { Transaction } from '@/db/client';
import { UserFacingError } from '@/lib/errors';
import { money, type Money } from '@/lib/money';
import { PaymentDeclinedError, PROVIDER_LABELS, type ProviderSubscription } from '@/lib/payments/types';
import { switchOf } from './provider-switch';
import { isUpgrade, planByPriceId, providerPriceFor, subscribablePlan, type Plan } from './plans';
import { changeKey, liveRowOf, priceChangesOf, record, withAccountLock, type Customer, type SubscriptionRow } from './subscription-account';
import { ENDED } from './subscription-status';
import { formatDay, subscriptionRowFor, type Subscriber, type SubscriptionDependencies } from './subscriptions';

export type ChangeTiming = 'now' | 'period_end';

export interface PlanChangePreview {
  timing: ChangeTiming;
  effectiveAt: Date;
  /** Charged now for an upgrade; the next renewal's amount for a downgrade. */
  amountDue: Money;
  lines: { description: string; amount: Money }[];
}

export interface PlanChange {
  timing: ChangeTiming;
  effectiveAt: Date;
}

const NO_SUBSCRIPTION = new UserFacingError('You do not have a subscription. Choose a plan on the pricing page.', 'no_subscription');

/** The account's live subscription, re-read from the provider and recorded, under the account's lock. */
async function currentLive(tx: Transaction, deps: SubscriptionDependencies, subscriber: Subscriber): Promise<{ row: SubscriptionRow; subscription: ProviderSubscription } | null> {
  const live = await liveRowOf(tx, subscriber.userId);
  if (!live) return null;
  const subscription = await deps.subscriptions.retrieveSubscription(live.providerSubscriptionId);
  return { row: await record(tx, deps, subscription), subscription };
}

function endOf(subscription: ProviderSubscription): string {
  const end = subscription.cancelAt ?? subscription.currentPeriodEnd;
  return end ? formatDay(end) : 'the end of this period';
}

type Decision =
  | { kind: 'change'; timing: ChangeTiming; effectiveAt: Date; plan: Plan; providerPriceId: string }
  | { kind: 'keep'; effectiveAt: Date }; // back to the current plan: the pending change is dropped

/**
 * Decides what moving to `lookupKey` means for the subscription as the provider holds it now,
 * refusing anything that is not a change a subscriber can make: nothing is changed anywhere
 * before this has said yes.
 */
async function decideChange(tx: Transaction, deps: SubscriptionDependencies, current: { row: SubscriptionRow; subscription: ProviderSubscription }, lookupKey: string): Promise<Decision> {
  const { row, subscription } = current;
  const target = await subscribablePlan(tx, lookupKey);
  switch (subscription.status) {
    case 'active':
    case 'trialing':
      break;
    case 'incomplete':
      throw new UserFacingError('Your subscription has not started yet: complete its first payment before changing plans.', 'not_started');
    case 'past_due':
    case 'unpaid':
      throw new UserFacingError('Your last payment failed. Pay the open invoice before changing plans.', 'payment_due');
    default:
      throw new UserFacingError('Your subscription cannot be changed right now.', 'not_changeable');
  }
  if (subscription.cancelAtPeriodEnd) {
    throw new UserFacingError(`Your subscription is set to end on ${endOf(subscription)}. Resume it before changing plans.`, 'cancellation_pending');
  }
  const currentPlan = await planByPriceId(tx, row.priceId);
  if (target.currency !== currentPlan.currency) {
    throw new UserFacingError(`Your subscription is billed in ${currentPlan.currency}. Choose a plan priced in ${currentPlan.currency}.`, 'currency_mismatch');
  }
  const periodEnd = subscription.currentPeriodEnd;
  if (!periodEnd) throw new Error(`subscription ${subscription.id} has no current period`);
  if (target.priceId === currentPlan.priceId) {
    if (row.pendingPriceId) return { kind: 'keep', effectiveAt: new Date() };
    throw new UserFacingError(`You are already on the ${currentPlan.productName} plan.`, 'same_plan');
  }
  if (target.priceId === row.pendingPriceId && row.pendingChangeAt) {
    throw new UserFacingError(`Your change to ${target.productName} is already scheduled for ${formatDay(row.pendingChangeAt)}.`, 'already_scheduled');
  }
  const providerPriceId = await providerPriceFor(tx, deps.subscriptions, target);
  // A trial costs nothing whichever plan it is on: any change applies now, and the trial's end
  // charges the new plan.
  return subscription.status === 'trialing' || isUpgrade(currentPlan, target)
    ? { kind: 'change', timing: 'now', effectiveAt: new Date(), plan: target, providerPriceId }
    : { kind: 'change', timing: 'period_end', effectiveAt: periodEnd, plan: target, providerPriceId };
}

const lockFor = (deps: SubscriptionDependencies, subscriber: Subscriber, step: (tx: Transaction, customer: Customer) => Promise<PlanChange | PlanChangePreview>) =>
  withAccountLock(deps, subscriber, NO_SUBSCRIPTION, step);

/** What moving to another plan would do: when, and what it charges (now, or at the renewal). */
export async function previewPlanChange(deps: SubscriptionDependencies, subscriber: Subscriber, lookupKey: string): Promise<PlanChangePreview> {
  await subscribablePlan(deps.db, lookupKey);
  return lockFor(deps, subscriber, async (tx) => {
    const current = await currentLive(tx, deps, subscriber);
    if (!current) throw NO_SUBSCRIPTION;
    const decision = await decideChange(tx, deps, current, lookupKey);
    if (decision.kind === 'keep') {
      const plan = await planByPriceId(tx, current.row.priceId);
      return { timing: 'now', effectiveAt: decision.effectiveAt, amountDue: money(0, plan.currency), lines: [] };
    }
    const preview = await priceChangesOf(deps.subscriptions).previewPriceChange(current.subscription, decision.providerPriceId, decision.timing);
    return { timing: decision.timing, effectiveAt: decision.effectiveAt, ...preview };
  }) as Promise<PlanChangePreview>;
}

/**
 * Moves the subscription to another plan. An upgrade (more per unit of time) takes effect now
 * and its prorations are charged at once with the card on file (a declined card changes
 * nothing); a downgrade takes effect at the end of the period already paid for. During a trial
 * every change takes effect now (nothing is charged until it ends). Choosing the current plan
 * while a downgrade is pending keeps the current plan.
 */
export async function changePlan(deps: SubscriptionDependencies, subscriber: Subscriber, lookupKey: string): Promise<PlanChange> {
  await subscribablePlan(deps.db, lookupKey);
  return lockFor(deps, subscriber, async (tx) => {
    const current = await currentLive(tx, deps, subscriber);
    if (!current) throw NO_SUBSCRIPTION;
    const { row, subscription } = current;
    const decision = await decideChange(tx, deps, current, lookupKey);
    const provider = priceChangesOf(deps.subscriptions);
    if (decision.kind === 'keep') {
      await record(tx, deps, await provider.cancelPendingChange(subscription, changeKey('plan-change', row, 'keep')));
      return { timing: 'now', effectiveAt: decision.effectiveAt };
    }
    const periodEnd = String(Math.floor((subscription.currentPeriodEnd?.getTime() ?? 0) / 1000));
    const key = changeKey('plan-change', row, decision.plan.priceId, periodEnd);
    if (decision.timing === 'now') {
      try {
        await record(tx, deps, await provider.changePriceNow(subscription, decision.providerPriceId, key), { latestInvoice: true });
      } catch (error) {
        if (error instanceof PaymentDeclinedError) {
          throw new UserFacingError(`Your card was declined (${error.message}). Your plan was not changed: update your card and try again.`, 'card_declined');
        }
        throw error;
      }
    } else {
      await record(tx, deps, await provider.changePriceAtPeriodEnd(subscription, decision.providerPriceId, key));
    }
    return { timing: decision.timing, effectiveAt: decision.effectiveAt };
  }) as Promise<PlanChange>;
}

/**
 * Asks the provider to move the subscription to another plan with the buyer's approval
 * (PayPal's revise): the same refusals as changePlan, then the address where the buyer approves.
 * Nothing changes until they do; the provider's webhook then reports the new plan, billed from
 * the next payment (the period already paid for is not charged again).
 */
export async function startPlanChangeApproval(
  deps: SubscriptionDependencies,
  subscriber: Subscriber,
  lookupKey: string,
  urls: { returnUrl: string; cancelUrl: string },
): Promise<{ approveUrl: string }> {
  const revisions = deps.subscriptions.revisions;
  if (!revisions) throw new UserFacingError('Your plan is changed here directly, with no approval elsewhere.', 'not_supported');
  await subscribablePlan(deps.db, lookupKey);
  return withAccountLock(deps, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const current = await currentLive(tx, deps, subscriber);
    if (!current) throw NO_SUBSCRIPTION;
    const decision = await decideChange(tx, deps, current, lookupKey);
    if (decision.kind === 'keep') throw new UserFacingError('You are already on that plan.', 'same_plan');
    return revisions.revise(current.subscription, decision.providerPriceId, urls);
  });
}

/**
 * Undoes a cancellation at the period end where the provider asks the buyer to approve it
 * (PayPal will not give back billing cycles it was told were the last: the subscription is
 * revised to its own plan, which bills on from the next payment, and the paid period is not
 * charged again). The address where the buyer approves; the webhook reports it carrying on.
 */
export async function startResumeApproval(deps: SubscriptionDependencies, subscriber: Subscriber, urls: { returnUrl: string; cancelUrl: string }): Promise<{ approveUrl: string }> {
  const revisions = deps.subscriptions.revisions;
  if (!revisions) throw new UserFacingError('Your subscription is resumed here directly, with no approval elsewhere.', 'not_supported');
  return withAccountLock(deps, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const current = await currentLive(tx, deps, subscriber);
    if (!current || ENDED.includes(current.subscription.status)) {
      throw new UserFacingError('Your subscription has already ended and cannot be resumed. You can subscribe again from the pricing page.', 'already_ended');
    }
    if (!current.subscription.cancelAtPeriodEnd) throw new UserFacingError('Your subscription is not set to end, so there is nothing to resume.', 'not_canceling');
    await refuseWhileMoving(tx, current.row);
    // The price's plan without a trial: carrying on never starts another free period.
    const providerPriceId = await providerPriceFor(tx, deps.subscriptions, await planByPriceId(tx, current.row.priceId), null);
    return revisions.revise(current.subscription, providerPriceId, urls);
  });
}

/** A subscription set to end because it moves to another provider then (provider-switch.ts) is not resumed: the new one takes over. */
async function refuseWhileMoving(tx: Transaction, row: SubscriptionRow): Promise<void> {
  const move = await switchOf(tx, row.id);
  if (move?.status === 'scheduled') {
    const to = move.cardLast4 ? 'your card' : PROVIDER_LABELS[move.toProvider];
    throw new UserFacingError(`Your subscription moves to ${to} on ${formatDay(move.startsAt)}, so it is not set to end: there is nothing to resume.`, 'switch_scheduled');
  }
}

/** Ends the subscription at the end of the period paid for; a pending plan change is dropped. */
export async function cancelSubscription(deps: SubscriptionDependencies, subscriber: Subscriber): Promise<{ endsAt: Date }> {
  return withAccountLock(deps, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const current = await currentLive(tx, deps, subscriber);
    if (!current) {
      const last = await subscriptionRowFor(tx, subscriber.userId);
      if (last) throw new UserFacingError('Your subscription has already ended.', 'already_ended');
      throw NO_SUBSCRIPTION;
    }
    const { subscription } = current;
    let { row } = current;
    if (ENDED.includes(subscription.status)) throw new UserFacingError('Your subscription has already ended.', 'already_ended');
    if (subscription.cancelAtPeriodEnd) throw new UserFacingError(`Your subscription is already set to end on ${endOf(subscription)}.`, 'already_canceling');
    if (subscription.status === 'incomplete') throw new UserFacingError('Your subscription has not started yet, so there is nothing to cancel.', 'not_started');
    let latest = subscription;
    if (subscription.changeCarrierId) {
      latest = await priceChangesOf(deps.subscriptions).cancelPendingChange(subscription, changeKey('cancel', row, 'release'));
      row = await record(tx, deps, latest);
    }
    const canceled = await deps.subscriptions.setCancelAtPeriodEnd(latest.id, true, changeKey('cancel', row));
    await record(tx, deps, canceled);
    // A provider that cannot end a free trial later ended it now.
    const endsAt = canceled.endedAt ?? canceled.cancelAt ?? canceled.currentPeriodEnd;
    if (!endsAt) throw new Error(`subscription ${canceled.id} has no end after cancelling`);
    return { endsAt };
  });
}

/** Undoes a cancellation at the period end, while the subscription has not ended yet. */
export async function resumeSubscription(deps: SubscriptionDependencies, subscriber: Subscriber): Promise<void> {
  await withAccountLock(deps, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const current = await currentLive(tx, deps, subscriber);
    if (!current || ENDED.includes(current.subscription.status)) {
      const last = await subscriptionRowFor(tx, subscriber.userId);
      if (last || current) throw new UserFacingError('Your subscription has already ended and cannot be resumed. You can subscribe again from the pricing page.', 'already_ended');
      throw NO_SUBSCRIPTION;
    }
    if (!current.subscription.cancelAtPeriodEnd) throw new UserFacingError('Your subscription is not set to end, so there is nothing to resume.', 'not_canceling');
    await refuseWhileMoving(tx, current.row);
    await record(tx, deps, await deps.subscriptions.setCancelAtPeriodEnd(current.subscription.id, false, changeKey('resume', current.row)));
  });
}
