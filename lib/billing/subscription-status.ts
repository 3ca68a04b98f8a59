import type { SubscriptionStatus } from '@/lib/payments/types';

/**
 * Statuses in which a subscription is live or still being set up: an account has at most one
 * (the partial unique index `subscriptions_one_live_per_user` says the same).
 */
export const LIVE_STATUSES: SubscriptionStatus[] = ['incomplete', 'trialing', 'active', 'past_due', 'unpaid', 'paused'];

export function isLive(status: SubscriptionStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

/**
 * Statuses a subscription reaches only once it got going: paid for, or past a first charge (a
 * trial in progress is told by its trial and saved card instead).
 */
export const STARTED_STATUSES: SubscriptionStatus[] = ['active', 'past_due', 'unpaid', 'paused'];

/** Statuses after which nothing about a subscription can change at the provider. */
export const ENDED: SubscriptionStatus[] = ['canceled', 'incomplete_expired'];
