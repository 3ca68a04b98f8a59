import type { SubscriptionCardsApi } from '@/lib/payments/provider';
import type { ProviderCard, ProviderCardUpdate, ProviderSubscription } from '@/lib/payments/types';
import { ENDED } from './subscription-status';

/**
 * Whether `card` may replace the default: it is the default already (the subscription's may
 * still lag), or at least as new as it. A late event about an older card never undoes a newer one.
 */
export function mayBecomeDefault(card: ProviderCard, current: ProviderCard | null): boolean {
  return !current || current.id === card.id || card.created.getTime() >= current.created.getTime();
}

/** The subscription whose renewals a new default card pays: none once it has ended (it cannot change any more). */
export function renewingSubscriptionId(subscription: ProviderSubscription | null): string | null {
  return subscription && !ENDED.includes(subscription.status) ? subscription.id : null;
}

/**
 * Makes the card a finished card update saved the default, for the customer's invoices and the
 * subscription's renewals. Called when the browser comes back from saving it, and again from the
 * webhook (for a browser that never came back): one key per card update and card, so the second
 * is a replay at the provider.
 */
export async function makeSavedCardDefault(
  provider: SubscriptionCardsApi,
  { customerId, subscription, cardUpdate }: { customerId: string; subscription: ProviderSubscription | null; cardUpdate: ProviderCardUpdate },
): Promise<boolean> {
  if (cardUpdate.status !== 'succeeded' || !cardUpdate.cardId) return false;
  const [card, current] = await Promise.all([provider.retrieveCard(cardUpdate.cardId), provider.retrieveDefaultCard(customerId, null)]);
  if (!card || !mayBecomeDefault(card, current)) return false;
  await provider.makeDefaultCard(
    // The customer's default is updated even when the subscription has ended.
    { customerId, subscriptionId: renewingSubscriptionId(subscription), cardId: card.id },
    `default-card:${cardUpdate.id}:${card.id}`,
  );
  return true;
}
