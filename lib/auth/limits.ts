import type { Database } from '@/db/client';
import { enforceLimit, type RateLimitRule } from './rate-limit';

/*
 * The limits on what makes objects at a payment provider (README, "Rate limits"; sign-ins and
 * sign-ups are in ./users, refunds in lib/billing/refunds). Each is counted before the provider
 * is called, outside any transaction: an attempt that fails later still used the allowance,
 * because the provider objects it made are what card testers farm.
 */

// Checkout makes provider customers, intents and PayPal orders: a person needs a few.
export const CHECKOUTS_PER_CLIENT: RateLimitRule = { limit: 60, windowSeconds: 60 * 60 };

// Each attempt may make provider objects and hand out a client secret that card testers farm.
export const SUBSCRIBE_ATTEMPTS_PER_ACCOUNT: RateLimitRule = { limit: 60, windowSeconds: 60 * 60 };

// Saving cards hands out SetupIntents: a subscriber needs a few.
export const CARD_FORMS_PER_ACCOUNT: RateLimitRule = { limit: 30, windowSeconds: 60 * 60 };

/** A checkout started, by card or with an approval provider (PayPal), from one client address. */
export function limitCheckoutsPerClient(db: Database, clientKey: string): Promise<void> {
  return enforceLimit(db, `checkout:client:${clientKey}`, CHECKOUTS_PER_CLIENT, 'Too many checkout attempts from this connection. Please wait a while and try again.');
}

/** An attempt to subscribe (or to resume subscribing) by one account. */
export function limitSubscribeAttempts(db: Database, userId: string): Promise<void> {
  return enforceLimit(db, `subscribe:user:${userId}`, SUBSCRIBE_ATTEMPTS_PER_ACCOUNT, 'Too many attempts to subscribe. Please wait a while and try again.');
}

/** A card form opened by one account (a new card, or a move to a card): each makes a SetupIntent. */
export function limitCardForms(db: Database, userId: string): Promise<void> {
  return enforceLimit(db, `card-update:user:${userId}`, CARD_FORMS_PER_ACCOUNT, 'Too many card changes. Please wait a while and try again.');
}
