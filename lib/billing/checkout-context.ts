import 'server-only';
import { cookies, headers } from 'next/headers';
import { db } from '@/db/client';
import { env } from '@/lib/env';
import { paymentRegistry } from '@/lib/payments';
import type { Money } from '@/lib/money';
import type { PaymentProviderName } from '@/lib/payments/types';
import { approvalProvidersFor as approvalProvidersAmong } from './approval-checkout';
import type { CheckoutDependencies, ProgressDependencies } from './checkout';
import { signOrderToken, verifyOrderToken } from './order-token';

/**
 * The request side of checkout for pages, actions and routes: the provider that takes the card
 * (from the payments registry), and
 * the signed, httpOnly cookie that keeps the browser's current order across refreshes.
 */

const CHECKOUT_COOKIE = 'billfold_checkout';
const COOKIE_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

export function checkoutDependencies(): CheckoutDependencies {
  return { db, payments: paymentRegistry().cards().payments };
}

/**
 * Checkout through a provider whose buyer approves the payment in its own page (PayPal); null
 * when that provider is not enabled here or takes no approvals.
 */
export function approvalCheckoutDependencies(provider: PaymentProviderName): CheckoutDependencies | null {
  const found = paymentRegistry()
    .all()
    .find((candidate) => candidate.name === provider && candidate.capturesApprovedPayments);
  return found ? { db, payments: found.payments } : null;
}

/** The enabled providers whose buttons may also pay an order of this total (approval-checkout.ts). */
export function approvalProvidersFor(total: Money): PaymentProviderName[] {
  return approvalProvidersAmong(paymentRegistry().all(), total);
}

/** What the order's page reads its progress with: every enabled provider. */
export function progressDependencies(): ProgressDependencies {
  return { db, paymentsOf: (provider) => paymentRegistry().get(provider).payments };
}

function tokenSecrets(): [string, ...string[]] {
  const [current, ...previous] = env().authSecrets;
  if (!current) throw new Error('AUTH_SECRET is not set: checkout cannot sign order tokens');
  return [current, ...previous];
}

export function orderToken(orderId: string): string {
  return signOrderToken(tokenSecrets()[0], orderId);
}

/** Order links made before an AUTH_SECRET rotation (in receipts already sent) still open while the old secret is listed. */
export function orderIdFromToken(token: string | null | undefined): string | null {
  return verifyOrderToken(tokenSecrets(), token);
}

/** The order this browser is checking out, when its cookie carries a valid token. */
export async function currentCheckoutOrderId(): Promise<string | null> {
  return orderIdFromToken((await cookies()).get(CHECKOUT_COOKIE)?.value);
}

export async function rememberCheckoutOrder(orderId: string): Promise<void> {
  const secure = (await headers()).get('x-forwarded-proto') === 'https' || Boolean(env().authUrl?.startsWith('https://'));
  (await cookies()).set(CHECKOUT_COOKIE, orderToken(orderId), { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: COOKIE_MAX_AGE_SECONDS });
}
