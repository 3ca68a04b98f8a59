import 'server-only';
import { db } from '@/db/client';
import { stripe } from '@/lib/payments/stripe/client';
import { stripeCardPayments } from '@/lib/payments/stripe/card-payments';
import { stripeSubscriptions } from '@/lib/payments/stripe/subscriptions';
import type { SubscriptionDependencies } from './subscriptions';

/** The provider subscriptions are billed through, for pages and actions. */
export function subscriptionDependencies(): SubscriptionDependencies {
  const client = stripe();
  return { db, payments: stripeCardPayments(client), subscriptions: stripeSubscriptions(client) };
}
