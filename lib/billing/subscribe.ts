import { UserFacingError } from '@/lib/auth/errors';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

export interface StartedSubscription {
  /** Our subscription id. */
  subscriptionId: string;
  /** `payment`: confirm the first invoice's payment; `setup`: save the card a trial will charge. */
  intent: 'payment' | 'setup';
  clientSecret: string;
}

export async function startSubscription(_deps: SubscriptionDependencies, _subscriber: Subscriber, _lookupKey: string): Promise<StartedSubscription> {
  throw new UserFacingError('Not available yet');
}
