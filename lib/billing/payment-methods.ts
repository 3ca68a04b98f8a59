import { and, desc, eq, gt } from 'drizzle-orm';
import { invoices } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { money, type Money } from '@/lib/money';
import type { PaymentHandoff } from '@/lib/payments/types';
import { makeSavedCardDefault } from './default-card';
import { cardsOf, liveRowOf, record, withAccountLock } from './subscription-account';
import { applySubscriptionChange } from './subscription-events';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

/**
 * The subscriber's card: saving a new one as the default (a card update finished in the
 * browser), and paying the open invoice of a subscription that is behind ("update card and pay").
 */

const NO_CUSTOMER = new UserFacingError('You do not have a subscription to update a card for.', 'no_subscription');
const SETUP_NOT_FOUND = new UserFacingError('That card setup was not found.', 'not_found');

/** A card update to save a new card for future renewals; a second click continues the same one. */
export async function startPaymentMethodUpdate(deps: SubscriptionDependencies, subscriber: Subscriber): Promise<{ handoff: PaymentHandoff }> {
  return withAccountLock(deps, subscriber, NO_CUSTOMER, async (tx, customer) => {
    const live = await liveRowOf(tx, subscriber.userId);
    const update = await cardsOf(deps.subscriptions).startCardUpdate(
      customer.providerCustomerId,
      { user_id: subscriber.userId, ...(live ? { subscription_id: live.providerSubscriptionId } : {}) },
      `card-update:${customer.id}`,
    );
    return { handoff: update.handoff };
  });
}

/**
 * The browser saved a card: after checking the card update is this account's and succeeded, its
 * card becomes the default for the customer's invoices and the subscription's renewals.
 * Another account's card update is "not found", as is an id that does not exist.
 */
export async function finishPaymentMethodUpdate(deps: SubscriptionDependencies, subscriber: Subscriber, cardUpdateId: string): Promise<void> {
  await withAccountLock(deps, subscriber, SETUP_NOT_FOUND, async (tx, customer) => {
    const update = await cardsOf(deps.subscriptions).retrieveCardUpdate(cardUpdateId);
    if (!update || update.customerId !== customer.providerCustomerId) throw SETUP_NOT_FOUND;
    if (update.status !== 'succeeded') throw new UserFacingError('Your card has not been saved yet. Please enter it again.', 'setup_incomplete');
    const live = await liveRowOf(tx, subscriber.userId);
    const subscription = live ? await deps.subscriptions.retrieveSubscription(live.providerSubscriptionId) : null;
    await makeSavedCardDefault(cardsOf(deps.subscriptions), { customerId: customer.providerCustomerId, subscription, cardUpdate: update });
    if (subscription) await record(tx, deps, await deps.subscriptions.retrieveSubscription(subscription.id));
  });
}

/**
 * The open invoice of the account's subscription (a failed renewal, or one the bank wants
 * confirmed), with the hand-off that pays it in the browser. The card it is paid with is
 * saved for future use, and the webhook that reports the invoice paid makes it the default.
 */
export async function payOpenInvoice(deps: SubscriptionDependencies, subscriber: Subscriber): Promise<{ handoff: PaymentHandoff; amountDue: Money }> {
  const nothingToPay = new UserFacingError('You have no open invoice to pay.', 'nothing_to_pay');
  const payment = await withAccountLock(deps, subscriber, nothingToPay, async (tx) => {
    const live = await liveRowOf(tx, subscriber.userId);
    // A first payment is made on the subscribe page; this pays what a running subscription owes.
    if (!live || live.status === 'incomplete') return null;
    const [open] = await tx
      .select()
      .from(invoices)
      .where(and(eq(invoices.subscriptionId, live.id), eq(invoices.status, 'open'), gt(invoices.amountRemaining, 0)))
      .orderBy(desc(invoices.providerCreatedAt))
      .limit(1);
    if (!open) return null;
    const invoice = await deps.subscriptions.retrieveInvoice(open.providerInvoiceId);
    if (invoice.status !== 'open' || invoice.amountRemaining.amount === 0) {
      // Paid (or written off) meanwhile: record it, so the page stops asking.
      const subscription = invoice.subscriptionId ? await deps.subscriptions.retrieveSubscription(invoice.subscriptionId) : null;
      await applySubscriptionChange(tx, { kind: 'subscription', subscription, invoices: [invoice] });
      return null;
    }
    return { handoff: await cardsOf(deps.subscriptions).invoiceToPay(invoice.id), amountDue: money(invoice.amountRemaining.amount, invoice.amountRemaining.currency) };
  });
  if (!payment) throw nothingToPay;
  return payment;
}
