'use server';

import { headers } from 'next/headers';
import { z } from 'zod';
import { orderView, type CheckoutSessionView } from '@/components/checkout/order-view';
import { db } from '@/db/client';
import { publicAction } from '@/lib/auth/actions';
import { clientKeyFromHeaders } from '@/lib/auth/client-key';
import { UserFacingError } from '@/lib/errors';
import { getCurrentUser } from '@/lib/auth/guards';
import { countEvent, type RateLimitRule } from '@/lib/auth/rate-limit';
import { CartItemsInput } from '@/lib/billing/cart';
import { startCheckout as startCardCheckout } from '@/lib/billing/checkout';
import { checkoutDependencies, currentCheckoutOrderId, orderToken, rememberCheckoutOrder } from '@/lib/billing/checkout-context';

// Checkout makes provider customers and intents, which card testers farm: a person needs a few.
const CHECKOUTS_PER_CLIENT: RateLimitRule = { limit: 60, windowSeconds: 60 * 60 };

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
  const clientKey = clientKeyFromHeaders(await headers());
  if ((await countEvent(db, `checkout:client:${clientKey}`, CHECKOUTS_PER_CLIENT)) > CHECKOUTS_PER_CLIENT.limit) {
    throw new UserFacingError('Too many checkout attempts from this connection. Please wait a while and try again.', 'rate_limited');
  }
  const session = await startCardCheckout(checkoutDependencies(), {
    buyer: user ? { userId: user.id, email: user.email } : { userId: null, email: email ?? '' },
    items,
    currentOrderId: await currentCheckoutOrderId(),
    rememberOrder: rememberCheckoutOrder,
  });
  // Until lib/billing hands out a PaymentHandoff itself (issue 10).
  return { order: orderView(session.order, orderToken(session.order.id)), handoff: { kind: 'client_secret', clientSecret: session.clientSecret } };
});
