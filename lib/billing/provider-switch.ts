import { and, eq, isNull } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { customers, subscriptionSwitches, subscriptions } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import { PROVIDER_LABELS, type PaymentHandoff } from '@/lib/payments/types';
import { ensureAccountCustomer } from './customers';
import { planByPriceId, providerPriceFor } from './plans';
import { cardsOf, changeKey, liveRowOf, lockAccountBilling, record, withAccountLock, type SubscriptionRow } from './subscription-account';
import { lockBillingCustomer } from './subscription-events';
import { ENDED } from './subscription-status';
import { formatDay, type Subscriber, type SubscriptionDependencies } from './subscriptions';

/**
 * Moving a subscription between providers without paying twice, and without the account ever
 * holding two live subscriptions: the subscription left is set to end with the period already
 * paid for, and the new one takes over when it has ended (its provider's webhook says so).
 * - To a card (from PayPal): the card is saved now at the card provider (Stripe); the worker then
 *   starts the same plan on it, charged from then on.
 * - To PayPal (from a card): PayPal's subscription is made now to bill from the end of the paid
 *   period (start_time) and approved by the buyer; it is recorded only once the card one ended.
 * The worker's part is startSwitchedSubscription (queue `subscription-switches`).
 */

export type SubscriptionSwitch = typeof subscriptionSwitches.$inferSelect;

const NO_SUBSCRIPTION = new UserFacingError('You do not have a subscription. Choose a plan on the pricing page.', 'no_subscription');
const SETUP_NOT_FOUND = new UserFacingError('That card setup was not found. Please enter your card again.', 'not_found');

/** The scheduled move of a subscription, if it has one. */
export async function switchOf(db: Database | Transaction, subscriptionId: string): Promise<SubscriptionSwitch | null> {
  const [row] = await db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.fromSubscriptionId, subscriptionId));
  return row ?? null;
}

/** How the portal names where a subscription moves to: "a card", or the provider ("PayPal"). */
function destination(to: SubscriptionDependencies): string {
  return to.subscriptions.cards ? 'a card' : PROVIDER_LABELS[to.subscriptions.name];
}

/** Why the account's subscription cannot move to `to` now, or null when it can. */
function refusal(row: SubscriptionRow, to: SubscriptionDependencies, pending: SubscriptionSwitch | null): UserFacingError | null {
  const from = PROVIDER_LABELS[row.provider];
  const target = destination(to);
  if (row.provider === to.subscriptions.name) {
    return to.subscriptions.cards
      ? new UserFacingError('Your subscription is already paid by card. To use another card, update it under Payment method.', 'already_there')
      : new UserFacingError(`Your subscription is already paid with ${target}.`, 'already_there');
  }
  if (pending && pending.status !== 'awaiting_approval') return new UserFacingError(`Your subscription already moves on ${formatDay(pending.startsAt)}.`, 'already_switching');
  switch (row.status) {
    case 'active':
      break;
    case 'trialing':
      return new UserFacingError(`Your free trial is paid through ${from}. You can move to ${target} once it has ended and the first payment is made.`, 'trialing');
    case 'past_due':
    case 'unpaid':
      return new UserFacingError(`Your last payment through ${from} failed. Pay it before moving to ${target}.`, 'payment_due');
    default:
      return new UserFacingError(`Your subscription cannot move to ${target} right now.`, 'not_switchable');
  }
  if (row.cancelAtPeriodEnd) return new UserFacingError(`Your subscription is set to end. Resume it before moving to ${target}.`, 'cancellation_pending');
  return null;
}

/**
 * Starts saving the card the subscription will move to: the card provider's card form hand-off.
 * Refused, changing nothing, when the subscription cannot move (see `refusal`).
 */
export async function startSwitchToCard(from: SubscriptionDependencies, to: SubscriptionDependencies, subscriber: Subscriber): Promise<{ handoff: PaymentHandoff }> {
  const cards = cardsOf(to.subscriptions);
  return withAccountLock(from, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const live = await liveRowOf(tx, subscriber.userId);
    if (!live) throw NO_SUBSCRIPTION;
    const current = await record(tx, from, await from.subscriptions.retrieveSubscription(live.providerSubscriptionId));
    const refused = refusal(current, to, await switchOf(tx, current.id));
    if (refused) throw refused;
    const customer = await ensureAccountCustomer(to.db, to.payments, subscriber);
    const update = await cards.startCardUpdate(
      customer.providerCustomerId,
      { user_id: subscriber.userId, switch_from: current.providerSubscriptionId },
      `switch-card:${current.id}`,
    );
    return { handoff: update.handoff };
  });
}

export interface ScheduledSwitch {
  startsAt: Date;
  card: { brand: string; last4: string };
}

/**
 * The card is saved: it becomes the default at the card provider, the subscription left is set
 * to end with its paid period, and the move is recorded to start then. A second submit finds the
 * move already recorded and answers it again. Another account's card setup is "not found".
 */
export async function finishSwitchToCard(from: SubscriptionDependencies, to: SubscriptionDependencies, subscriber: Subscriber, cardUpdateId: string): Promise<ScheduledSwitch> {
  const cards = cardsOf(to.subscriptions);
  return withAccountLock(from, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const live = await liveRowOf(tx, subscriber.userId);
    if (!live) throw NO_SUBSCRIPTION;
    const already = await switchOf(tx, live.id);
    if (already?.status === 'scheduled' && already.cardBrand && already.cardLast4) return { startsAt: already.startsAt, card: { brand: already.cardBrand, last4: already.cardLast4 } };
    const [cardCustomer] = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.userId, subscriber.userId), eq(customers.provider, to.subscriptions.name)));
    const update = cardCustomer ? await cards.retrieveCardUpdate(cardUpdateId) : null;
    if (!cardCustomer || !update || update.customerId !== cardCustomer.providerCustomerId) throw SETUP_NOT_FOUND;
    if (update.status !== 'succeeded' || !update.cardId) throw new UserFacingError('Your card has not been saved yet. Please enter it again.', 'setup_incomplete');
    const card = await cards.retrieveCard(update.cardId);
    if (!card) throw SETUP_NOT_FOUND;

    const subscription = await from.subscriptions.retrieveSubscription(live.providerSubscriptionId);
    const current = await record(tx, from, subscription);
    const refused = refusal(current, to, already);
    if (refused) throw refused;
    const startsAt = subscription.currentPeriodEnd;
    if (!startsAt) throw new Error(`subscription ${subscription.id} has no current period to move after`);

    await cards.makeDefaultCard({ customerId: cardCustomer.providerCustomerId, subscriptionId: null, cardId: card.id }, `switch-default:${current.id}:${card.id}`);
    // Recorded before the provider is told: if telling it fails, this rolls back with it. A move
    // to PayPal left unapproved is replaced.
    const move = { toProvider: to.subscriptions.name, providerCardId: card.id, cardBrand: card.brand, cardLast4: card.last4, toProviderSubscriptionId: null, startsAt, status: 'scheduled' as const };
    await tx
      .insert(subscriptionSwitches)
      .values({ userId: subscriber.userId, fromSubscriptionId: current.id, ...move })
      .onConflictDoUpdate({ target: subscriptionSwitches.fromSubscriptionId, set: move });
    const ending = await from.subscriptions.setCancelAtPeriodEnd(subscription.id, true, changeKey('cancel', current, 'switch'));
    await record(tx, from, ending);
    return { startsAt, card: { brand: card.brand, last4: card.last4 } };
  });
}

/**
 * Starts moving a card subscription to a provider whose subscriptions start with the buyer's
 * approval (PayPal): its subscription to the same plan, made now to start billing when the paid
 * period ends (no trial), for the buyer to approve in its window. Nothing changes here until
 * they do; starting again before then makes (or finds) the one for the current state.
 */
export async function startSwitchToApproval(from: SubscriptionDependencies, to: SubscriptionDependencies, subscriber: Subscriber): Promise<{ subscriptionId: string }> {
  if (to.subscriptions.startsWith !== 'approval') throw new Error(`${to.subscriptions.name} subscriptions do not start with an approval`);
  return withAccountLock(from, subscriber, NO_SUBSCRIPTION, async (tx) => {
    const live = await liveRowOf(tx, subscriber.userId);
    if (!live) throw NO_SUBSCRIPTION;
    const subscription = await from.subscriptions.retrieveSubscription(live.providerSubscriptionId);
    const current = await record(tx, from, subscription);
    const refused = refusal(current, to, await switchOf(tx, current.id));
    if (refused) throw refused;
    const startsAt = subscription.currentPeriodEnd;
    if (!startsAt) throw new Error(`subscription ${subscription.id} has no current period to move after`);
    const customer = await ensureAccountCustomer(to.db, to.payments, subscriber);
    const priceId = await providerPriceFor(tx, to.subscriptions, await planByPriceId(tx, current.priceId), null);
    const checkout = await to.subscriptions.createSubscription(
      {
        customerId: customer.providerCustomerId,
        priceId,
        trialDays: null,
        email: subscriber.email,
        metadata: { user_id: subscriber.userId, switched_from: current.providerSubscriptionId },
        startAt: startsAt,
      },
      changeKey('switch', current, to.subscriptions.name),
    );
    const move = { toProvider: to.subscriptions.name, providerCardId: null, cardBrand: null, cardLast4: null, toProviderSubscriptionId: checkout.subscription.id, startsAt, status: 'awaiting_approval' as const };
    await tx
      .insert(subscriptionSwitches)
      .values({ userId: subscriber.userId, fromSubscriptionId: current.id, ...move })
      .onConflictDoUpdate({ target: subscriptionSwitches.fromSubscriptionId, set: move });
    return { subscriptionId: checkout.subscription.id };
  });
}

/**
 * The buyer approved the new subscription: the old one is set to end with its paid period and
 * the move is scheduled. Shared by the browser's report of the approval and the worker (the
 * provider's webhook, when the browser never reported it). Waits (false) while the provider has
 * not confirmed the approval.
 */
async function confirmApproval(tx: Transaction, from: SubscriptionDependencies, to: SubscriptionDependencies, move: SubscriptionSwitch, fromRow: SubscriptionRow): Promise<boolean> {
  if (move.status !== 'awaiting_approval' || !move.toProviderSubscriptionId) return move.status === 'scheduled';
  const successor = await to.subscriptions.retrieveSubscription(move.toProviderSubscriptionId);
  if (successor.status === 'incomplete' || ENDED.includes(successor.status)) return false;
  const ending = await from.subscriptions.setCancelAtPeriodEnd(fromRow.providerSubscriptionId, true, changeKey('cancel', fromRow, 'switch'));
  await record(tx, from, ending);
  await tx.update(subscriptionSwitches).set({ status: 'scheduled' }).where(eq(subscriptionSwitches.id, move.id));
  return true;
}

/**
 * The browser says the buyer approved the new subscription (PayPal's onApprove): the move is
 * scheduled once the provider confirms it. Another account's subscription, or one this account
 * is not moving to, is "not found".
 */
export async function finishSwitchToApproval(from: SubscriptionDependencies, to: SubscriptionDependencies, subscriber: Subscriber, providerSubscriptionId: string): Promise<{ startsAt: Date }> {
  const notFound = new UserFacingError(`That ${PROVIDER_LABELS[to.subscriptions.name]} subscription was not found.`, 'not_found');
  return withAccountLock(from, subscriber, notFound, async (tx) => {
    const [found] = await tx
      .select({ move: subscriptionSwitches, from: subscriptions })
      .from(subscriptionSwitches)
      .innerJoin(subscriptions, eq(subscriptions.id, subscriptionSwitches.fromSubscriptionId))
      .where(
        and(
          eq(subscriptionSwitches.userId, subscriber.userId),
          eq(subscriptionSwitches.toProvider, to.subscriptions.name),
          eq(subscriptionSwitches.toProviderSubscriptionId, providerSubscriptionId),
        ),
      );
    if (!found) throw notFound;
    if (!(await confirmApproval(tx, from, to, found.move, found.from))) {
      throw new UserFacingError(`${PROVIDER_LABELS[to.subscriptions.name]} has not confirmed your approval yet. Please try again in a moment.`, 'not_approved');
    }
    return { startsAt: found.move.startsAt };
  });
}

export interface SwitchStartDependencies {
  db: Database;
  /** The provider of a subscription (the old one's, the new one's). */
  depsOf(name: SubscriptionSwitch['toProvider']): SubscriptionDependencies;
}

/** Paid time left under which the card is charged at once rather than later (clocks and webhooks are seconds apart). */
const CHARGE_NOW_WITHIN_MS = 60_000;

/**
 * What the worker does for a move, under the account's lock, as its provider's webhooks report
 * the two subscriptions: confirms an approval the browser never reported (`confirmed`); once the
 * old subscription has ended, starts the new one (`started`): on the saved card, charged from the
 * end of the period paid for (at once when the old one ran to that end, free until then when it
 * ended early), or records the approved one already made at PayPal, which bills from then on its
 * own. Idempotent: provider calls carry the move's keys, and a started move is left alone. A move
 * whose old subscription has not ended waits; one whose account has a live subscription again is
 * skipped.
 */
export async function startSwitchedSubscription(deps: SwitchStartDependencies, switchId: string): Promise<'started' | 'confirmed' | 'waiting' | 'skipped'> {
  return deps.db.transaction(async (tx) => {
    const [scheduled] = await tx.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.id, switchId));
    if (!scheduled) throw new Error(`subscription switch ${switchId} does not exist`);
    await lockAccountBilling(tx, scheduled.userId);
    const [current] = await tx
      .select({ switch: subscriptionSwitches, from: subscriptions })
      .from(subscriptionSwitches)
      .innerJoin(subscriptions, eq(subscriptions.id, subscriptionSwitches.fromSubscriptionId))
      .where(and(eq(subscriptionSwitches.id, switchId), isNull(subscriptionSwitches.toSubscriptionId)));
    if (!current || current.switch.status === 'started') return 'skipped';
    const move = current.switch;
    const to = deps.depsOf(move.toProvider);
    if (move.status === 'awaiting_approval') {
      if (ENDED.includes(current.from.status)) return 'skipped';
      return (await confirmApproval(tx, deps.depsOf(current.from.provider), to, move, current.from)) ? 'confirmed' : 'waiting';
    }
    if (!ENDED.includes(current.from.status)) return 'waiting';
    if (await liveRowOf(tx, move.userId)) {
      log.warn({ switchId, userId: move.userId }, 'subscription switch skipped: the account has a live subscription again');
      return 'skipped';
    }
    const [customer] = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.userId, move.userId), eq(customers.provider, move.toProvider)));
    if (!customer) throw new Error(`subscription switch ${switchId}: the account has no ${move.toProvider} customer`);
    // The new subscription's webhooks apply under its customer's lock: this records it first.
    await lockBillingCustomer(tx, customer.provider, customer.providerCustomerId);
    const subscription = move.toProviderSubscriptionId
      ? await to.subscriptions.retrieveSubscription(move.toProviderSubscriptionId)
      : await subscribeSavedCard(tx, to, move, current.from, customer);
    const row = await record(tx, to, subscription, { latestInvoice: true });
    await tx.update(subscriptionSwitches).set({ status: 'started', toSubscriptionId: row.id }).where(eq(subscriptionSwitches.id, switchId));
    log.info({ switchId, from: current.from.provider, to: move.toProvider, status: subscription.status }, 'subscription switch started');
    return 'started';
  });
}

/** The same plan on the card saved for the move. */
async function subscribeSavedCard(tx: Transaction, to: SubscriptionDependencies, move: SubscriptionSwitch, fromRow: SubscriptionRow, customer: typeof customers.$inferSelect) {
  if (!move.providerCardId) throw new Error(`subscription switch ${move.id} has no card`);
  const priceId = await providerPriceFor(tx, to.subscriptions, await planByPriceId(tx, fromRow.priceId), null);
  // The old subscription ended with its paid period (the ordinary case): the card pays from now.
  // It ended early (cancelled at the provider itself): the card is free until that period's end.
  const endedEarly = fromRow.endedAt !== null && move.startsAt.getTime() - fromRow.endedAt.getTime() > CHARGE_NOW_WITHIN_MS;
  const firstChargeAt = endedEarly && move.startsAt.getTime() - Date.now() > CHARGE_NOW_WITHIN_MS ? move.startsAt : null;
  return cardsOf(to.subscriptions).subscribeWithSavedCard(
    {
      customerId: customer.providerCustomerId,
      priceId,
      cardId: move.providerCardId,
      firstChargeAt,
      trialDays: null,
      email: customer.email,
      metadata: { user_id: move.userId, switched_from: fromRow.providerSubscriptionId },
    },
    `switch:${move.id}`,
  );
}
