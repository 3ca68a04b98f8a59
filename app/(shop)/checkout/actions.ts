'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import { orderView, type CheckoutSessionView } from '@/components/checkout/order-view';
import { db } from '@/db/client';
import { paymentProvider } from '@/db/schema';
import { publicAction } from '@/lib/auth/actions';
import { clientKeyFromHeaders } from '@/lib/auth/client-key';
import { UserFacingError } from '@/lib/errors';
import { getCurrentUser } from '@/lib/auth/guards';
import { limitCheckoutsPerClient as limitCheckouts } from '@/lib/auth/limits';
import { finishApprovalPayment as finishApproval, startApprovalPayment as startApproval, type ApprovalResult } from '@/lib/billing/approval-checkout';
import { CartItemsInput } from '@/lib/billing/cart';
import { startCheckout as startCardCheckout } from '@/lib/billing/checkout';
import {
  approvalCheckoutDependencies,
  approvalProvidersFor,
  checkoutDependencies,
  currentCheckoutOrderId,
  orderToken,
  rememberCheckoutOrder,
} from '@/lib/billing/checkout-context';
import { PROVIDER_LABELS, type PaymentProviderName } from '@/lib/payments/types';

async function limitCheckoutsPerClient(): Promise<void> {
  await limitCheckouts(db, clientKeyFromHeaders(await headers()));
}

const StartCheckoutInput = z.strictObject({
  items: CartItemsInput,
  /** Guests only: a signed-in customer pays as their account's email. */
  email: z.string().trim().toLowerCase().pipe(z.email('Enter a valid email address.')).pipe(z.string().max(320)).optional(),
});

/**
 * Prices the cart, then creates or updates this browser's order and its one payment intent.
 * The order id goes into a signed httpOnly cookie first, so a refresh, a retry after an outage
 * or a second tab continue the same order.
 */
export const startCheckout = publicAction(StartCheckoutInput, async ({ items, email }): Promise<CheckoutSessionView> => {
  const user = await getCurrentUser();
  if (!user && !email) throw new UserFacingError('Enter your email address: we send the receipt there.', 'email_required');
  await limitCheckoutsPerClient();
  const session = await startCardCheckout(checkoutDependencies(), {
    buyer: user ? { userId: user.id, email: user.email } : { userId: null, email: email ?? '' },
    items,
    currentOrderId: await currentCheckoutOrderId(),
    rememberOrder: rememberCheckoutOrder,
  });
  return { order: orderView(session.order, orderToken(session.order.id)), handoff: session.handoff, approvals: approvalProvidersFor(session.order.total) };
});

const ApprovalProvider = z.enum(paymentProvider.enumValues);

function approvalDependencies(provider: PaymentProviderName) {
  const deps = approvalCheckoutDependencies(provider);
  if (!deps) throw new UserFacingError(`Paying with ${PROVIDER_LABELS[provider]} is not available here: please pay by card.`, 'provider_not_available');
  return deps;
}

const StartApprovalInput = z.strictObject({ provider: ApprovalProvider, items: CartItemsInput });

/**
 * PayPal's button asks for this when the buyer clicks it: the PayPal order for this browser's
 * order, priced on the server from the cart the page shows (which must still be the order's).
 * Clicking again, in this tab or another, finds the same PayPal order.
 */
export const startApprovalPayment = publicAction(StartApprovalInput, async ({ provider, items }): Promise<{ paymentId: string }> => {
  const deps = approvalDependencies(provider);
  await limitCheckoutsPerClient();
  const user = await getCurrentUser();
  return startApproval(deps, { userId: user?.id ?? null, email: user?.email ?? null, orderId: await currentCheckoutOrderId(), items });
});

// PayPal's order ids are 17 characters; a little room for other providers, none for abuse.
const FinishApprovalInput = z.strictObject({ provider: ApprovalProvider, paymentId: z.string().trim().min(1).max(64) });

/**
 * After PayPal's window says the buyer approved: the server captures this browser's order's
 * PayPal order, reading from PayPal what was approved and what was taken.
 */
export const finishApprovalPayment = publicAction(FinishApprovalInput, async ({ provider, paymentId }): Promise<ApprovalResult> => {
  const deps = approvalDependencies(provider);
  return finishApproval(deps, { orderId: await currentCheckoutOrderId(), paymentId });
});
