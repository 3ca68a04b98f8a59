'use server';

import { z } from 'zod';
import { userAction } from '@/lib/auth/actions';
import { startSubscription as startProviderSubscription } from '@/lib/billing/subscribe';
import { subscriptionDependencies } from '@/lib/billing/subscription-context';

const LookupKey = z.string().trim().min(1, 'Choose a plan.').max(100);

/**
 * Starts (or resumes) the account's subscription to a plan: the browser confirms the first
 * payment (`intent: 'payment'`) or saves the card for a trial (`intent: 'setup'`) with the
 * client secret. Repeated calls, two tabs and double clicks get the same subscription back.
 */
export const startSubscription = userAction(z.strictObject({ lookupKey: LookupKey }), async ({ lookupKey }, user) => {
  return startProviderSubscription(subscriptionDependencies(), { userId: user.id, email: user.email }, lookupKey);
});
