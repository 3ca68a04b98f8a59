'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { consoleAction } from '@/lib/auth/actions';
import { cancelSubscriptionAsStaff } from '@/lib/billing/admin/subscriptions';
import { subscriptionDependencies } from '@/lib/billing/subscription-context';

const CancelInput = z.object({ subscriptionId: z.uuid('That subscription is not valid.'), timing: z.enum(['now', 'period_end']) });

/** An admin ends someone's subscription, now or at the end of the period paid for (audited in lib/). */
export const cancelSubscription = consoleAction('subscriptions.cancel', CancelInput, async ({ subscriptionId, timing }, staff) => {
  const result = await cancelSubscriptionAsStaff(subscriptionDependencies(), staff, subscriptionId, timing);
  revalidatePath('/admin/subscriptions');
  revalidatePath('/admin/customers', 'layout');
  return { status: result.status, endsAt: result.endsAt?.toISOString() ?? null };
});
