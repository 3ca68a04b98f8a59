import 'server-only';
import { db } from '@/db/client';
import { UserFacingError } from '@/lib/errors';
import { paymentRegistry } from '@/lib/payments';
import type { PaymentsApi, SubscriptionsApi } from '@/lib/payments/provider';
import { PROVIDER_LABELS, type PaymentProviderName } from '@/lib/payments/types';
import { subscriptionRowFor, type SubscriptionDependencies } from './subscriptions';

function providerOf(name: PaymentProviderName): { payments: PaymentsApi; subscriptions: SubscriptionsApi } {
  const provider = paymentRegistry().get(name);
  if (!provider.subscriptions) throw new Error(`${name} bills no subscriptions`);
  return { payments: provider.payments, subscriptions: provider.subscriptions };
}

/**
 * What subscription actions use, for pages and actions: the provider named (the one the
 * subscriber chose to subscribe with), else the first that bills subscriptions; the others are
 * reachable for an account's subscription at another provider.
 */
export function subscriptionDependencies(name?: PaymentProviderName): SubscriptionDependencies {
  const registry = paymentRegistry();
  const provider = name ? registry.all().find((candidate) => candidate.name === name) : registry.subscriptions();
  if (!provider?.subscriptions) {
    throw new UserFacingError(`Subscribing with ${name ? PROVIDER_LABELS[name] : 'this payment method'} is not available. Please choose another way to pay.`, 'provider_unavailable');
  }
  return { db, payments: provider.payments, subscriptions: provider.subscriptions, providerOf };
}

/** The dependencies of the provider that takes cards for subscriptions (the card form's): where a subscriber moves to pay by card. */
export function cardSubscriptionDependencies(): SubscriptionDependencies {
  const provider = paymentRegistry()
    .all()
    .find((candidate) => candidate.subscriptions?.cards);
  if (!provider?.subscriptions) throw new UserFacingError('Paying for a subscription by card is not available here.', 'provider_unavailable');
  return { db, payments: provider.payments, subscriptions: provider.subscriptions, providerOf };
}

/** The dependencies of the provider whose subscriptions the buyer approves in its window (PayPal): where a card subscriber moves to pay that way. */
export function approvalSubscriptionDependencies(): SubscriptionDependencies {
  const provider = paymentRegistry()
    .all()
    .find((candidate) => candidate.subscriptions?.startsWith === 'approval');
  if (!provider?.subscriptions) throw new UserFacingError('Paying for a subscription this way is not available here.', 'provider_unavailable');
  return { db, payments: provider.payments, subscriptions: provider.subscriptions, providerOf };
}

/** The dependencies for the account's own subscription: the provider its current subscription is billed through. */
export async function accountSubscriptionDependencies(userId: string): Promise<SubscriptionDependencies> {
  const row = await subscriptionRowFor(db, userId);
  return subscriptionDependencies(row?.provider);
}

/** Whether the provider bills subscriptions here and starts them with the buyer's approval in its window (PayPal's button). */
export function subscribesByApproval(name: PaymentProviderName): boolean {
  const provider = paymentRegistry().all().find((candidate) => candidate.name === name);
  return provider?.subscriptions?.startsWith === 'approval';
}

export interface PortalCapabilities {
  /** Cards are saved for it here (else its funding is kept at the provider). */
  cards: boolean;
  /** Its plan is changed here. */
  priceChanges: boolean;
  /** Its plan is changed with the buyer's approval at the provider (PayPal's revise). */
  revisions: boolean;
  /** Cancelling its free trial ends the trial at once. */
  cancelEndsTrialsNow: boolean;
  /** Where the subscriber changes how the provider collects (PayPal's automatic payments), when it keeps their funding. */
  fundingUrl: string | null;
}

/** What the portal can do for a subscription billed through `name`. */
export function portalCapabilities(name: PaymentProviderName): PortalCapabilities {
  const subscriptions = paymentRegistry().all().find((candidate) => candidate.name === name)?.subscriptions;
  return {
    cards: Boolean(subscriptions?.cards),
    priceChanges: Boolean(subscriptions?.priceChanges),
    revisions: Boolean(subscriptions?.revisions),
    cancelEndsTrialsNow: subscriptions?.cancelEndsTrialsNow ?? false,
    fundingUrl: subscriptions?.wallets?.fundingUrl ?? null,
  };
}
