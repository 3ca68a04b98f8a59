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
 * Moving a subscription paid through a provider that keeps the subscriber's funding (PayPal) to
 * a card, without paying twice. The card is saved now at the card provider (Stripe) and the
 * subscription left is set to end with the period already paid for; when it has ended (its
 * provider's webhook says so), the worker starts the same plan on the card, charging it from
 * then on (startSwitchedSubscription). Nothing is charged before the paid period is over, and
 * the account never holds two live subscriptions.
 */

export type SubscriptionSwitch = typeof subscriptionSwitches.$inferSelect;

const NO_SUBSCRIPTION = new UserFacingError('You do not have a subscription. Choose a plan on the pricing page.', 'no_subscription');
const SETUP_NOT_FOUND = new UserFacingError('That card setup was not found. Please enter your card again.', 'not_found');

/** The scheduled move of a subscription, if it has one. */
export async function switchOf(db: Database | Transaction, subscriptionId: string): Promise<SubscriptionSwitch | null> {
  const [row] = await db.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.fromSubscriptionId, subscriptionId));
  return row ?? null;
}

/** Why the account's subscription cannot move to a card now, or null when it can. */
function refusal(row: SubscriptionRow, to: SubscriptionDependencies, pending: SubscriptionSwitch | null): UserFacingError | null {
  const from = PROVIDER_LABELS[row.provider];
  if (row.provider === to.subscriptions.name) return new UserFacingError('Your subscription is already paid by card. To use another card, update it under Payment method.', 'already_card');
  if (pending) return new UserFacingError(`Your subscription already moves to your card on ${formatDay(pending.startsAt)}.`, 'already_switching');
  switch (row.status) {
    case 'active':
      break;
    case 'trialing':
      return new UserFacingError(`Your free trial is paid through ${from}. You can move to a card once it has ended and the first payment is made.`, 'trialing');
    case 'past_due':
    case 'unpaid':
      return new UserFacingError(`Your last payment through ${from} failed. Pay the balance before moving to a card.`, 'payment_due');
    default:
      return new UserFacingError('Your subscription cannot move to a card right now.', 'not_switchable');
  }
  if (row.cancelAtPeriodEnd) return new UserFacingError('Your subscription is set to end. Resume it before moving to a card.', 'cancellation_pending');
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
    if (already) return { startsAt: already.startsAt, card: { brand: already.cardBrand, last4: already.cardLast4 } };
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
    const refused = refusal(current, to, null);
    if (refused) throw refused;
    const startsAt = subscription.currentPeriodEnd;
    if (!startsAt) throw new Error(`subscription ${subscription.id} has no current period to move after`);

    await cards.makeDefaultCard({ customerId: cardCustomer.providerCustomerId, subscriptionId: null, cardId: card.id }, `switch-default:${current.id}:${card.id}`);
    // Recorded before the provider is told: if telling it fails, this rolls back with it.
    await tx.insert(subscriptionSwitches).values({
      userId: subscriber.userId,
      fromSubscriptionId: current.id,
      toProvider: to.subscriptions.name,
      providerCardId: card.id,
      cardBrand: card.brand,
      cardLast4: card.last4,
      startsAt,
    });
    const ending = await from.subscriptions.setCancelAtPeriodEnd(subscription.id, true, changeKey('cancel', current, 'switch'));
    await record(tx, from, ending);
    return { startsAt, card: { brand: card.brand, last4: card.last4 } };
  });
}

export interface SwitchStartDependencies {
  db: Database;
  /** The provider of a switch's new subscription (the card provider). */
  depsOf(name: SubscriptionSwitch['toProvider']): SubscriptionDependencies;
}

/** Paid time left under which the card is charged at once rather than later (clocks and webhooks are seconds apart). */
const CHARGE_NOW_WITHIN_MS = 60_000;

/**
 * Starts the subscription a switch moves to, once the one it leaves has ended: the same plan,
 * on the saved card, charged from the end of the period paid for: at once when the old one ran
 * to that end, or free until then when it ended early. Idempotent: the provider call's key is the
 * switch's, and a switch that started is left alone. A switch whose old subscription has not
 * ended, or whose account has a live subscription again, waits or is skipped.
 */
export async function startSwitchedSubscription(deps: SwitchStartDependencies, switchId: string): Promise<'started' | 'waiting' | 'skipped'> {
  return deps.db.transaction(async (tx) => {
    const [scheduled] = await tx.select().from(subscriptionSwitches).where(eq(subscriptionSwitches.id, switchId));
    if (!scheduled) throw new Error(`subscription switch ${switchId} does not exist`);
    await lockAccountBilling(tx, scheduled.userId);
    const [current] = await tx
      .select({ switch: subscriptionSwitches, from: subscriptions })
      .from(subscriptionSwitches)
      .innerJoin(subscriptions, eq(subscriptions.id, subscriptionSwitches.fromSubscriptionId))
      .where(and(eq(subscriptionSwitches.id, switchId), eq(subscriptionSwitches.status, 'scheduled'), isNull(subscriptionSwitches.toSubscriptionId)));
    if (!current) return 'skipped';
    if (!ENDED.includes(current.from.status)) return 'waiting';
    if (await liveRowOf(tx, scheduled.userId)) {
      log.warn({ switchId, userId: scheduled.userId }, 'subscription switch skipped: the account has a live subscription again');
      return 'skipped';
    }
    const to = deps.depsOf(scheduled.toProvider);
    const [customer] = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.userId, scheduled.userId), eq(customers.provider, scheduled.toProvider)));
    if (!customer) throw new Error(`subscription switch ${switchId}: the account has no ${scheduled.toProvider} customer`);
    // The new subscription's webhooks apply under its customer's lock: this records it first.
    await lockBillingCustomer(tx, customer.provider, customer.providerCustomerId);
    const plan = await planByPriceId(tx, current.from.priceId);
    const priceId = await providerPriceFor(tx, to.subscriptions, plan, null);
    // The old subscription ended with its paid period (the ordinary case): the card pays from now.
    // It ended early (cancelled at the provider itself): the card is free until that period's end.
    const endedEarly = current.from.endedAt !== null && scheduled.startsAt.getTime() - current.from.endedAt.getTime() > CHARGE_NOW_WITHIN_MS;
    const firstChargeAt = endedEarly && scheduled.startsAt.getTime() - Date.now() > CHARGE_NOW_WITHIN_MS ? scheduled.startsAt : null;
    const subscription = await cardsOf(to.subscriptions).subscribeWithSavedCard(
      {
        customerId: customer.providerCustomerId,
        priceId,
        cardId: scheduled.providerCardId,
        firstChargeAt,
        trialDays: null,
        email: customer.email,
        metadata: { user_id: scheduled.userId, switched_from: current.from.providerSubscriptionId },
      },
      `switch:${scheduled.id}`,
    );
    const row = await record(tx, to, subscription, { latestInvoice: true });
    await tx.update(subscriptionSwitches).set({ status: 'started', toSubscriptionId: row.id }).where(eq(subscriptionSwitches.id, switchId));
    log.info({ switchId, from: current.from.provider, to: scheduled.toProvider, status: subscription.status }, 'subscription switch started');
    return 'started';
  });
}
