import { UserFacingError } from '@/lib/auth/errors';
import type { Money } from '@/lib/money';
import type { Subscriber, SubscriptionDependencies } from './subscriptions';

export type ChangeTiming = 'now' | 'period_end';

export interface PlanChangePreview {
  timing: ChangeTiming;
  effectiveAt: Date;
  /** Charged now for an upgrade; the next renewal's amount for a downgrade. */
  amountDue: Money;
  lines: { description: string; amount: Money }[];
}

export interface PlanChange {
  timing: ChangeTiming;
  effectiveAt: Date;
}

export async function previewPlanChange(_deps: SubscriptionDependencies, _subscriber: Subscriber, _lookupKey: string): Promise<PlanChangePreview> {
  throw new UserFacingError('Not available yet');
}

export async function changePlan(_deps: SubscriptionDependencies, _subscriber: Subscriber, _lookupKey: string): Promise<PlanChange> {
  throw new UserFacingError('Not available yet');
}

export async function cancelSubscription(_deps: SubscriptionDependencies, _subscriber: Subscriber): Promise<{ endsAt: Date }> {
  throw new UserFacingError('Not available yet');
}

export async function resumeSubscription(_deps: SubscriptionDependencies, _subscriber: Subscriber): Promise<void> {
  throw new UserFacingError('Not available yet');
}
