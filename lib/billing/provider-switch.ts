import { and, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { auditLog, customers, subscriptionSwitches, subscriptions } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import { PROVIDER_LABELS, type PaymentHandoff, type PaymentProviderName, type ProviderSubscription } from '@/lib/payments/types';
import { ensureAccountCustomer } from './customers';
import { planByPriceId, providerPriceFor } from './plans';
import { cardsOf, changeKey, customerOf, depsFor, liveRowOf, lockAccountBilling, record, withAccountLock, type SubscriptionRow } from './subscription-account';
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
 * The worker's part is startSwitchedSubscription (queue `subscription-switches`). Until the old
 * subscription has ended the subscriber can call the move off (undoSwitch).
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
  if (pending?.status === 'scheduled' || pending?.status === 'started') return new UserFacingError(`Your subscription already moves on ${formatDay(pending.startsAt)}.`, 'already_switching');
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

const NO_SWITCH = new UserFacingError('Your subscription is not moving to another way of paying, so there is nothing to undo.', 'no_switch');

export interface UndoneSwitch {
  /** Who keeps billing the subscription (the provider it was moving from). */
  provider: PaymentProviderName;
  /**
   * It renews as before. False where the provider will not take back an end it was given (PayPal):
   * the subscription still ends with its paid period unless the subscriber resumes it, approving
   * that at the provider like any other resume.
   */
  renews: boolean;
}

/** Why there is no move to undo: the account's last one has started (or is starting: the old subscription ended), or there is none. */
async function nothingToUndo(tx: Transaction, userId: string): Promise<UserFacingError> {
  const [last] = await tx
    .select()
    .from(subscriptionSwitches)
    .where(and(eq(subscriptionSwitches.userId, userId), inArray(subscriptionSwitches.status, ['scheduled', 'started'])))
    .orderBy(desc(subscriptionSwitches.updatedAt))
    .limit(1);
  if (!last) return NO_SWITCH;
  const to = last.cardLast4 ? 'your card' : PROVIDER_LABELS[last.toProvider];
  return new UserFacingError(`The period you paid for has ended and your subscription has moved to ${to}, so the move can no longer be undone.`, 'switch_started');
}

/**
 * Calls off the account's scheduled move while the subscription it leaves is still running
 * ("keep paying with PayPal", "keep paying by card"), under the account's lock, so the worker
 * (startSwitchedSubscription, which checks the move under the same lock) either started it
 * already, and this is refused, or will find it undone and do nothing.
 * - The new subscription made up front (PayPal's, approved and billing only from the period's
 *   end) is cancelled now: it has charged nothing.
 * - The old subscription is no longer set to end, where its provider takes that back (Stripe).
 *   PayPal will not give back cycles it was told were the last (its resume is a revision the
 *   buyer approves): the subscription stays set to end, and the portal offers that resume.
 * The card saved for a move to a card stays saved. Nothing changes when refused: no move, one
 * that has started or whose old subscription has ended. A repeat (a double click) finds the
 * move undone and answers the same.
 */
export async function undoSwitch(deps: SubscriptionDependencies, subscriber: Subscriber): Promise<UndoneSwitch> {
  return withAccountLock(deps, subscriber, NO_SWITCH, async (tx) => {
    const live = await liveRowOf(tx, subscriber.userId);
    const move = live ? await switchOf(tx, live.id) : null;
    if (!live || !move || move.status === 'awaiting_approval' || move.status === 'started') throw await nothingToUndo(tx, subscriber.userId);
    if (live.provider !== deps.subscriptions.name) throw new Error(`undoSwitch was given ${deps.subscriptions.name} for a subscription billed through ${live.provider}`);

    const current = await record(tx, deps, await deps.subscriptions.retrieveSubscription(live.providerSubscriptionId));
    if (ENDED.includes(current.status)) throw await nothingToUndo(tx, subscriber.userId);
    if (move.status === 'undone') return { provider: current.provider, renews: !current.cancelAtPeriodEnd };

    const kept = await callOff(tx, deps, move, current, { actorKind: 'user', actorUserId: subscriber.userId });
    return { provider: kept.provider, renews: !kept.cancelAtPeriodEnd };
  });
}

/**
 * Calls a scheduled move off, under the account's lock: the new subscription made up front is
 * ended (it has charged nothing), the old one renews again where its provider takes that back,
 * and the move is undone and audited. For the subscriber's undo, and for the worker when the new
 * subscription ended before it started (the buyer cancelled it at PayPal; an undo whose last
 * step failed after the cancel), so the account keeps the subscription it has.
 */
async function callOff(tx: Transaction, deps: SubscriptionDependencies, move: SubscriptionSwitch, current: SubscriptionRow, actor: { actorKind: 'user' | 'system'; actorUserId?: string }): Promise<SubscriptionRow> {
  // The new subscription is cancelled first: should the next step fail, the old one still ends
  // and nothing bills twice; the worker (or a retry) finds it cancelled and goes on.
  const to = move.toProviderSubscriptionId ? depsFor(deps, move.toProvider) : null;
  let successor: ProviderSubscription | null = null;
  if (to && move.toProviderSubscriptionId) {
    successor = await to.subscriptions.cancelSubscriptionNow(move.toProviderSubscriptionId, `switch-undo:${move.id}`);
    if (!ENDED.includes(successor.status)) throw new Error(`subscription switch ${move.id}: ${successor.id} is ${successor.status} after cancelling it`);
  }
  let kept = current;
  // As the portal's resume does: directly, unless the provider asks the buyer to approve it.
  if (!deps.subscriptions.revisions && current.cancelAtPeriodEnd) {
    kept = await record(tx, deps, await deps.subscriptions.setCancelAtPeriodEnd(current.providerSubscriptionId, false, changeKey('resume', current, 'switch-undo')));
  }
  await tx.update(subscriptionSwitches).set({ status: 'undone' }).where(eq(subscriptionSwitches.id, move.id));
  if (to && successor) {
    // Recorded, now that the move no longer holds it back, under its customer's lock as its
    // webhooks are: an ended subscription, never the account's live one.
    const toCustomer = await customerOf(tx, to, current.userId);
    if (toCustomer) await lockBillingCustomer(tx, toCustomer.provider, toCustomer.providerCustomerId);
    await record(tx, to, successor);
  }
  await tx.insert(auditLog).values({
    ...actor,
    action: 'subscription.switch_undone',
    subjectType: 'subscription',
    subjectId: current.id,
    data: {
      switchId: move.id,
      toProvider: move.toProvider,
      startsAt: move.startsAt.toISOString(),
      successor: successor ? { id: successor.id, status: successor.status } : null,
      cancelAtPeriodEnd: { before: current.cancelAtPeriodEnd, after: kept.cancelAtPeriodEnd },
    },
  });
  log.info({ switchId: move.id, from: current.provider, to: move.toProvider, renews: !kept.cancelAtPeriodEnd, by: actor.actorKind }, 'subscription switch undone');
  return kept;
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
 * own. Idempotent: provider calls carry the move's keys, and a started or undone move is left
 * alone. A move whose old subscription has not ended waits, unless the new one ended first
 * (cancelled at its provider): the move is called off (`undone`) and the old one renews again.
 * One whose account has a live subscription again is skipped.
 */
export async function startSwitchedSubscription(deps: SwitchStartDependencies, switchId: string): Promise<'started' | 'confirmed' | 'undone' | 'waiting' | 'skipped'> {
  return deps.db.transaction(async (tx) => {
    const [scheduled] = await tx.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.id, switchId));
    if (!scheduled) throw new Error(`subscription switch ${switchId} does not exist`);
    await lockAccountBilling(tx, scheduled.userId);
    const [current] = await tx
      .select({ switch: subscriptionSwitches, from: subscriptions })
      .from(subscriptionSwitches)
      .innerJoin(subscriptions, eq(subscriptions.id, subscriptionSwitches.fromSubscriptionId))
      .where(and(eq(subscriptionSwitches.id, switchId), isNull(subscriptionSwitches.toSubscriptionId)));
    // Started already, or called off by the subscriber (undoSwitch, under this same lock).
    if (!current || current.switch.status === 'started' || current.switch.status === 'undone') return 'skipped';
    const move = current.switch;
    const to = deps.depsOf(move.toProvider);
    if (move.status === 'awaiting_approval') {
      if (ENDED.includes(current.from.status)) return 'skipped';
      return (await confirmApproval(tx, deps.depsOf(current.from.provider), to, move, current.from)) ? 'confirmed' : 'waiting';
    }
    if (!ENDED.includes(current.from.status)) {
      // The new subscription ended before it could start: the account keeps the one it has.
      const successor = move.toProviderSubscriptionId ? await to.subscriptions.retrieveSubscription(move.toProviderSubscriptionId) : null;
      if (!successor || !ENDED.includes(successor.status)) return 'waiting';
      const from = deps.depsOf(current.from.provider);
      log.warn({ switchId, userId: move.userId, successor: successor.id }, 'the subscription a move was to start ended before it did: the move is called off and the old subscription kept');
      await callOff(tx, from, move, await record(tx, from, await from.subscriptions.retrieveSubscription(current.from.providerSubscriptionId)), { actorKind: 'system' });
      return 'undone';
    }
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
