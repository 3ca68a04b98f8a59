'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import { db } from '@/db/client';
import { userAction } from '@/lib/auth/actions';
import { UserFacingError } from '@/lib/errors';
import { limitCardForms } from '@/lib/auth/limits';
import { finishPaymentMethodUpdate as finishCardUpdate, payOpenInvoice as payInvoice, startPaymentMethodUpdate as startCardUpdate } from '@/lib/billing/payment-methods';
import { cancelSubscription as cancel, changePlan as change, previewPlanChange as preview, resumeSubscription as resume, startPlanChangeApproval, startResumeApproval } from '@/lib/billing/plan-changes';
import { payOutstandingBalance as payBalance } from '@/lib/billing/outstanding-balance';
import { finishSwitchToApproval, finishSwitchToCard as finishSwitch, startSwitchToApproval, startSwitchToCard as startSwitch, undoSwitch as undo } from '@/lib/billing/provider-switch';
import { accountSubscriptionDependencies, approvalSubscriptionDependencies, cardSubscriptionDependencies } from '@/lib/billing/subscription-context';
import type { Money } from '@/lib/money';
import type { PaymentHandoff } from '@/lib/payments/types';
import type { SessionUser } from '@/lib/auth/users';

/**
 * The subscriber portal's actions. Each works on the caller's own subscription only: which one
 * is never an input, so another account's cannot be named.
 */

const PlanInput = z.strictObject({ lookupKey: z.string().trim().min(1, 'Choose a plan.').max(100) });
const NoInput = z.strictObject({});

const subscriber = (user: SessionUser) => ({ userId: user.id, email: user.email });

export const previewPlanChange = userAction(
  PlanInput,
  async ({ lookupKey }, user): Promise<{ timing: 'now' | 'period_end'; effectiveAt: string; amountDue: Money; lines: { description: string; amount: Money }[] }> => {
    const result = await preview(await accountSubscriptionDependencies(user.id), subscriber(user), lookupKey);
    return { ...result, effectiveAt: result.effectiveAt.toISOString() };
  },
);

export const changePlan = userAction(PlanInput, async ({ lookupKey }, user): Promise<{ timing: 'now' | 'period_end'; effectiveAt: string }> => {
  const result = await change(await accountSubscriptionDependencies(user.id), subscriber(user), lookupKey);
  return { timing: result.timing, effectiveAt: result.effectiveAt.toISOString() };
});

/**
 * Starts a plan change the subscriber approves at their provider (PayPal): the address to send
 * them to. They come back to the billing page, which shows the change once the provider confirms it.
 */
export const startApprovedPlanChange = userAction(PlanInput, async ({ lookupKey }, user): Promise<{ approveUrl: string }> => {
  return startPlanChangeApproval(await accountSubscriptionDependencies(user.id), subscriber(user), lookupKey, await backToBilling('plan-change-approved', 'plan-change-left'));
});

/** Starts resuming a subscription set to end where the provider asks the subscriber to approve it (PayPal). */
export const startApprovedResume = userAction(NoInput, async (_input, user): Promise<{ approveUrl: string }> => {
  return startResumeApproval(await accountSubscriptionDependencies(user.id), subscriber(user), await backToBilling('resume-approved', 'resume-left'));
});

/** Where a provider's approval page sends the subscriber back: this billing page, with what happened. */
async function backToBilling(approved: string, left: string): Promise<{ returnUrl: string; cancelUrl: string }> {
  // The page's own origin: Next has checked it matches the host this action was posted to.
  const origin = (await headers()).get('origin');
  if (!origin) throw new UserFacingError('Your browser did not say which site this came from. Reload the page and try again.', 'no_origin');
  const back = (notice: string) => new URL(`/account/billing?notice=${notice}`, origin).toString();
  return { returnUrl: back(approved), cancelUrl: back(left) };
}

export const cancelSubscription = userAction(NoInput, async (_input, user): Promise<{ endsAt: string }> => {
  const { endsAt } = await cancel(await accountSubscriptionDependencies(user.id), subscriber(user));
  return { endsAt: endsAt.toISOString() };
});

export const resumeSubscription = userAction(NoInput, async (_input, user): Promise<Record<string, never>> => {
  await resume(await accountSubscriptionDependencies(user.id), subscriber(user));
  return {};
});

export const startPaymentMethodUpdate = userAction(NoInput, async (_input, user): Promise<{ handoff: PaymentHandoff }> => {
  await limitCardForms(db, user.id);
  return startCardUpdate(await accountSubscriptionDependencies(user.id), subscriber(user));
});

export const finishPaymentMethodUpdate = userAction(
  // The provider's id of the card update the browser finished: checked against the account's own below.
  z.strictObject({ cardUpdateId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,255}$/, 'That card update is not valid.') }),
  async ({ cardUpdateId }, user): Promise<Record<string, never>> => {
    await finishCardUpdate(await accountSubscriptionDependencies(user.id), subscriber(user), cardUpdateId);
    return {};
  },
);

export const payOpenInvoice = userAction(NoInput, async (_input, user): Promise<{ handoff: PaymentHandoff; amountDue: Money }> => {
  return payInvoice(await accountSubscriptionDependencies(user.id), subscriber(user));
});

/** Collects the balance failed renewals left at a provider that keeps the subscriber's funding (PayPal), after they fixed it there. */
export const payOutstandingBalance = userAction(NoInput, async (_input, user): Promise<{ paid: boolean }> => {
  return payBalance(await accountSubscriptionDependencies(user.id), subscriber(user));
});

/**
 * Moving a subscription paid through PayPal to a card: the card form's hand-off, then (once the
 * card is saved) the move, which takes over when the period paid for ends.
 */
export const startSwitchToCard = userAction(NoInput, async (_input, user): Promise<{ handoff: PaymentHandoff }> => {
  await limitCardForms(db, user.id);
  return startSwitch(await accountSubscriptionDependencies(user.id), cardSubscriptionDependencies(), subscriber(user));
});

export const finishSwitchToCard = userAction(
  z.strictObject({ cardUpdateId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,255}$/, 'That card setup is not valid.') }),
  async ({ cardUpdateId }, user): Promise<{ startsAt: string }> => {
    const scheduled = await finishSwitch(await accountSubscriptionDependencies(user.id), cardSubscriptionDependencies(), subscriber(user), cardUpdateId);
    return { startsAt: scheduled.startsAt.toISOString() };
  },
);

/**
 * Moving a card subscription to PayPal: PayPal's subscription, made to bill from the end of the
 * period paid by card, for the buyer to approve in PayPal's window; then the approval reported.
 */
export const startSwitchToPaypal = userAction(NoInput, async (_input, user): Promise<{ subscriptionId: string }> => {
  return startSwitchToApproval(await accountSubscriptionDependencies(user.id), approvalSubscriptionDependencies(), subscriber(user));
});

export const finishSwitchToPaypal = userAction(
  // PayPal's id of the subscription the buyer approved: checked against the account's own move below.
  z.strictObject({ subscriptionId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'That subscription is not valid.') }),
  async ({ subscriptionId }, user): Promise<{ startsAt: string }> => {
    const { startsAt } = await finishSwitchToApproval(await accountSubscriptionDependencies(user.id), approvalSubscriptionDependencies(), subscriber(user), subscriptionId);
    return { startsAt: startsAt.toISOString() };
  },
);

/**
 * Calls off a scheduled move while the subscription it leaves still runs: that one keeps paying.
 * `renews` false: its provider (PayPal) keeps it set to end until the subscriber resumes it there.
 */
export const undoSwitch = userAction(NoInput, async (_input, user): Promise<{ renews: boolean }> => {
  const { renews } = await undo(await accountSubscriptionDependencies(user.id), subscriber(user));
  return { renews };
});
