'use server';

import { z } from 'zod';
import { db } from '@/db/client';
import { paymentProvider } from '@/db/schema';
import { userAction } from '@/lib/auth/actions';
import { limitSubscribeAttempts } from '@/lib/auth/limits';
import { startSubscription as startProviderSubscription } from '@/lib/billing/subscribe';
import { subscriptionDependencies } from '@/lib/billing/subscription-context';
import type { StartedSubscription } from '@/lib/billing/subscribe';

const LookupKey = z.string().trim().min(1, 'Choose a plan.').max(100);
const Provider = z.enum(paymentProvider.enumValues, 'That way to pay is not available.');

/**
 * Starts (or resumes) the account's subscription to a plan with the provider the subscriber
 * chose (the card form's when none is named): the browser finishes the first payment (`step:
 * 'payment'`), saves the card for a trial (`step: 'card'`), or has the buyer approve it in the
 * provider's window (`step: 'approval'`). Repeated calls, two tabs and double clicks get the
 * same subscription back.
 */
export const startSubscription = userAction(z.strictObject({ lookupKey: LookupKey, provider: Provider.optional() }), async ({ lookupKey, provider }, user): Promise<StartedSubscription> => {
  await limitSubscribeAttempts(db, user.id);
  return startProviderSubscription(subscriptionDependencies(provider), { userId: user.id, email: user.email }, lookupKey);
});
