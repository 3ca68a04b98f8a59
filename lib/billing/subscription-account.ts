import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { customers, subscriptions } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { log } from '@/lib/log';
import type { SubscriptionCardsApi, SubscriptionPriceChangesApi, SubscriptionsApi } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError, PROVIDER_LABELS, SubscriptionChangeRefusedError, type PaymentProviderName } from '@/lib/payments/types';
import type { ProviderInvoice, ProviderSubscription } from '@/lib/payments/types';
import { applySubscriptionChange, lockBillingCustomer } from './subscription-events';
import { LIVE_STATUSES } from './subscription-status';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

/**
 * What every subscription action does around its one decision: find the account's customer and
 * subscription (ownership is the query: only the caller's own), hold the customer's billing lock
 * while it changes things at the provider, and record the provider's answer the way webhooks do,
 * so the page shows it at once and a webhook arriving later changes nothing.
 */

export type Customer = typeof customers.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;

export const PROVIDER_UNAVAILABLE = 'We could not reach our payment provider. Nothing was changed; please try again in a moment.';

/** Runs a step that calls the provider; an outage becomes a message that nothing changed. */
export async function withProvider<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof PaymentProviderUnavailableError) {
      log.warn({ err: error.cause, provider: error.provider }, 'payment provider unavailable in a subscription action');
      throw new UserFacingError(PROVIDER_UNAVAILABLE, 'provider_unavailable');
    }
    if (error instanceof SubscriptionChangeRefusedError) throw new UserFacingError(error.message, error.code);
    throw error;
  }
}

export async function customerOf(tx: Transaction, deps: SubscriptionDependencies, userId: string): Promise<Customer | null> {
  const [row] = await tx
    .select()
    .from(customers)
    .where(and(eq(customers.userId, userId), eq(customers.provider, deps.subscriptions.name)));
  return row ?? null;
}

/** The account's live subscription row, locked by the caller's billing lock. */
export async function liveRowOf(tx: Transaction, userId: string): Promise<SubscriptionRow | null> {
  const [row] = await tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, LIVE_STATUSES)));
  return row ?? null;
}

/**
 * Serialises an account's subscription actions across providers: subscribing with PayPal in one
 * tab and by card in another is one decision at a time, so the account keeps one live
 * subscription. Taken before any customer's lock; webhooks take only the customer's.
 */
export async function lockAccountBilling(tx: Transaction, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`billing-account:${userId}`}, 0))`);
}

/**
 * Runs `step` in a transaction holding the account's billing locks: the account's own (across
 * providers), then its customer's at this provider (the lock webhooks take to apply this
 * customer's changes). Refused with `noCustomer`'s message when the account has never been a
 * customer there.
 */
export async function withAccountLock<T>(
  deps: SubscriptionDependencies,
  subscriber: Subscriber,
  noCustomer: UserFacingError,
  step: (tx: Transaction, customer: Customer) => Promise<T>,
): Promise<T> {
  return withProvider(() =>
    deps.db.transaction(async (tx) => {
      await lockAccountBilling(tx, subscriber.userId);
      const customer = await customerOf(tx, deps, subscriber.userId);
      if (!customer) throw noCustomer;
      await lockBillingCustomer(tx, customer.provider, customer.providerCustomerId);
      return step(tx, customer);
    }),
  );
}

/**
 * Records the provider's answer (and, when asked, the subscription's latest invoice) exactly
 * as a webhook would, and returns the row.
 */
export async function record(tx: Transaction, deps: SubscriptionDependencies, subscription: ProviderSubscription, options: { latestInvoice?: boolean } = {}): Promise<SubscriptionRow> {
  const invoices = options.latestInvoice ? await invoicesOfSubscription(deps.subscriptions, subscription) : [];
  await applySubscriptionChange(tx, { kind: 'subscription', subscription, invoices });
  const [row] = await tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.provider, subscription.provider), eq(subscriptions.providerSubscriptionId, subscription.id)));
  if (!row) throw new Error(`subscription ${subscription.id} was not recorded`);
  return row;
}

/** The same dependencies, for a subscription billed through `name` (the account's, at another provider). */
export function depsFor(deps: SubscriptionDependencies, name: PaymentProviderName): SubscriptionDependencies {
  if (deps.subscriptions.name === name) return deps;
  const other = deps.providerOf?.(name);
  if (!other) throw new Error(`these subscription dependencies cannot reach ${name}`);
  return { ...deps, ...other };
}

/**
 * The invoices to record with a subscription: every one of them where the provider lists its
 * payments (PayPal's transactions), else the latest it names.
 */
export async function invoicesOfSubscription(provider: SubscriptionsApi, subscription: ProviderSubscription): Promise<ProviderInvoice[]> {
  if (provider.invoicesOf) return provider.invoicesOf(subscription.id, subscription);
  return subscription.latestInvoiceId ? [await provider.retrieveInvoice(subscription.latestInvoiceId)] : [];
}

function notHere(provider: SubscriptionsApi): UserFacingError {
  return new UserFacingError(`Your subscription is paid through ${PROVIDER_LABELS[provider.name]}, which does not allow this here. Nothing was changed.`, 'not_supported');
}

/** The provider's card operations; refused for a subscription whose funding is kept at the provider (PayPal). */
export function cardsOf(provider: SubscriptionsApi): SubscriptionCardsApi {
  if (!provider.cards) throw notHere(provider);
  return provider.cards;
}

/** The provider's own plan changes; refused for a provider whose changes need the buyer's approval (PayPal). */
export function priceChangesOf(provider: SubscriptionsApi): SubscriptionPriceChangesApi {
  if (!provider.priceChanges) throw notHere(provider);
  return provider.priceChanges;
}

/**
 * A key for a change to a subscription, from our ids and the row's version (`updated_at`, which
 * moves only when the recorded state changes): every change is recorded before the next is made
 * under the same lock, so the same request against the same state reuses its key, and a later
 * change (cancel, resume, cancel again in one period) is new at the provider.
 */
export function changeKey(kind: string, row: SubscriptionRow, ...parts: string[]): string {
  return [kind, row.providerSubscriptionId, ...parts, `v${row.updatedAt.getTime()}`].join(':');
}
