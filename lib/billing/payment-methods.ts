import { UserFacingError } from '@/lib/auth/errors';
import type { Money } from '@/lib/money';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

export async function startPaymentMethodUpdate(_deps: SubscriptionDependencies, _subscriber: Subscriber): Promise<{ clientSecret: string }> {
  throw new UserFacingError('Not available yet');
}

export async function finishPaymentMethodUpdate(_deps: SubscriptionDependencies, _subscriber: Subscriber, _setupIntentId: string): Promise<void> {
  throw new UserFacingError('Not available yet');
}

export async function payOpenInvoice(_deps: SubscriptionDependencies, _subscriber: Subscriber): Promise<{ clientSecret: string; amountDue: Money }> {
  throw new UserFacingError('Not available yet');
}
