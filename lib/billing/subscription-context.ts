import 'server-only';
import { db } from '@/db/client';
import { paymentRegistry } from '@/lib/payments';
import type { SubscriptionDependencies } from './subscriptions';

/** The provider subscriptions are billed through (from the payments registry), for pages and actions. */
export function subscriptionDependencies(): SubscriptionDependencies {
  const provider = paymentRegistry().subscriptions();
  return { db, payments: provider.payments, subscriptions: provider.subscriptions };
}
