'use server';

import { z } from 'zod';
import { db } from '@/db/client';
import { userAction } from '@/lib/auth/actions';
import { UserFacingError } from '@/lib/errors';
import { countEvent, type RateLimitRule } from '@/lib/auth/rate-limit';
import { finishPaymentMethodUpdate as finishCardUpdate, payOpenInvoice as payInvoice, startPaymentMethodUpdate as startCardUpdate } from '@/lib/billing/payment-methods';
import { cancelSubscription as cancel, changePlan as change, previewPlanChange as preview, resumeSubscription as resume } from '@/lib/billing/plan-changes';
import { subscriptionDependencies } from '@/lib/billing/subscription-context';
import type { Money } from '@/lib/money';
import type { PaymentHandoff } from '@/lib/payments/types';
import type { SessionUser } from '@/lib/auth/users';

/**
 * The subscriber portal's actions. Each works on the caller's own subscription only: which one
 * is never an input, so another account's cannot be named.
 */

const PlanInput = z.strictObject({ lookupKey: z.string().trim().min(1, 'Choose a plan.').max(100) });
const NoInput = z.strictObject({});

// Saving cards hands out SetupIntents, which card testers farm: a subscriber needs a few.
const CARD_UPDATES_PER_ACCOUNT: RateLimitRule = { limit: 30, windowSeconds: 60 * 60 };

const subscriber = (user: SessionUser) => ({ userId: user.id, email: user.email });

export const previewPlanChange = userAction(
  PlanInput,
  async ({ lookupKey }, user): Promise<{ timing: 'now' | 'period_end'; effectiveAt: string; amountDue: Money; lines: { description: string; amount: Money }[] }> => {
    const result = await preview(subscriptionDependencies(), subscriber(user), lookupKey);
    return { ...result, effectiveAt: result.effectiveAt.toISOString() };
  },
);

export const changePlan = userAction(PlanInput, async ({ lookupKey }, user): Promise<{ timing: 'now' | 'period_end'; effectiveAt: string }> => {
  const result = await change(subscriptionDependencies(), subscriber(user), lookupKey);
  return { timing: result.timing, effectiveAt: result.effectiveAt.toISOString() };
});

export const cancelSubscription = userAction(NoInput, async (_input, user): Promise<{ endsAt: string }> => {
  const { endsAt } = await cancel(subscriptionDependencies(), subscriber(user));
  return { endsAt: endsAt.toISOString() };
});

export const resumeSubscription = userAction(NoInput, async (_input, user): Promise<Record<string, never>> => {
  await resume(subscriptionDependencies(), subscriber(user));
  return {};
});

export const startPaymentMethodUpdate = userAction(NoInput, async (_input, user): Promise<{ handoff: PaymentHandoff }> => {
  if ((await countEvent(db, `card-update:user:${user.id}`, CARD_UPDATES_PER_ACCOUNT)) > CARD_UPDATES_PER_ACCOUNT.limit) {
    throw new UserFacingError('Too many card changes. Please wait a while and try again.', 'rate_limited');
  }
  const { clientSecret } = await startCardUpdate(subscriptionDependencies(), subscriber(user));
  // Until lib/billing hands out a PaymentHandoff itself (issue 10).
  return { handoff: { kind: 'client_secret', clientSecret } };
});

export const finishPaymentMethodUpdate = userAction(
  z.strictObject({ setupIntentId: z.string().trim().regex(/^seti_[A-Za-z0-9]+$/, 'That card setup is not valid.') }),
  async ({ setupIntentId }, user): Promise<Record<string, never>> => {
    await finishCardUpdate(subscriptionDependencies(), subscriber(user), setupIntentId);
    return {};
  },
);

export const payOpenInvoice = userAction(NoInput, async (_input, user): Promise<{ handoff: PaymentHandoff; amountDue: Money }> => {
  const { clientSecret, amountDue } = await payInvoice(subscriptionDependencies(), subscriber(user));
  // Until lib/billing hands out a PaymentHandoff itself (issue 10).
  return { handoff: { kind: 'client_secret', clientSecret }, amountDue };
});
