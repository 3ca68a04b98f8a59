import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { prices, products, subscriptions } from '@/db/schema';
import type { SubscriptionStatus } from '@/lib/payments/types';
import { LIVE_STATUSES } from './subscription-status';

export type Access = 'full' | 'grace' | 'none';

export interface Entitlements {
  access: Access;
  plan: { slug: string; name: string } | null;
  status: SubscriptionStatus | null;
  /** Why, in words a subscriber understands. */
  reason: string;
}

/**
 * What each status grants. `past_due` keeps access while the provider retries the payment. A
 * trial grants access once its card is on file: a trial whose card was declined or never
 * entered is not a free pass (and ends unpaid-for: Billfold's trials cancel when they end
 * without a card).
 */
export function accessFor(status: SubscriptionStatus, hasCard: boolean): Access {
  switch (status) {
    case 'active':
      return 'full';
    case 'trialing':
      return hasCard ? 'full' : 'none';
    case 'past_due':
      return 'grace';
    default:
      return 'none';
  }
}

const REASONS: Record<SubscriptionStatus, string> = {
  active: 'Your subscription is active.',
  trialing: 'You are on a free trial.',
  past_due: 'Your last payment failed. Update how you pay to keep access.',
  incomplete: 'Your first payment has not been completed.',
  incomplete_expired: 'Your first payment was never completed, so the subscription did not start.',
  unpaid: 'Your subscription is unpaid. Pay the open invoice to regain access.',
  canceled: 'Your subscription has ended.',
  paused: 'Your subscription is paused.',
};

/**
 * What this user may use right now, from their subscription's state as the provider's
 * webhooks last reported it: the live one if there is one, else the most recent.
 */
export async function entitlementsFor(db: Database, userId: string): Promise<Entitlements> {
  const [live] = await db
    .select({ status: subscriptions.status, card: subscriptions.providerPaymentMethodId, slug: products.slug, name: products.name })
    .from(subscriptions)
    .innerJoin(prices, eq(prices.id, subscriptions.priceId))
    .innerJoin(products, eq(products.id, prices.productId))
    .where(and(eq(subscriptions.userId, userId), inArray(subscriptions.status, LIVE_STATUSES)))
    .limit(1);
  const row =
    live ??
    (
      await db
        .select({ status: subscriptions.status, card: subscriptions.providerPaymentMethodId, slug: products.slug, name: products.name })
        .from(subscriptions)
        .innerJoin(prices, eq(prices.id, subscriptions.priceId))
        .innerJoin(products, eq(products.id, prices.productId))
        .where(eq(subscriptions.userId, userId))
        .orderBy(desc(subscriptions.providerCreatedAt))
        .limit(1)
    )[0];
  if (!row) return { access: 'none', plan: null, status: null, reason: 'You do not have a subscription.' };
  const access = accessFor(row.status, row.card !== null);
  const reason = row.status === 'trialing' && access === 'none' ? 'Your free trial starts once your card is saved.' : REASONS[row.status];
  return { access, plan: access === 'none' ? null : { slug: row.slug, name: row.name }, status: row.status, reason };
}
