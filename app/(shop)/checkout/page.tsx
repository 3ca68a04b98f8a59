import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { CheckoutView } from '@/components/checkout/checkout-view';
import { orderView, type CheckoutSessionView } from '@/components/checkout/order-view';
import { PageHeader } from '@/components/ui/card';
import { getCurrentUser } from '@/lib/auth/guards';
import { resumeCheckout } from '@/lib/billing/checkout';
import { checkoutDependencies, currentCheckoutOrderId, orderToken } from '@/lib/billing/checkout-context';
import { stripeBrowserConfig } from '@/lib/payments/stripe/browser';

export const metadata: Metadata = { title: 'Checkout' };

export default async function CheckoutPage() {
  await connection(); // rendered per request: the CSP nonce is new on every load
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  const user = await getCurrentUser();
  const payments = stripeBrowserConfig();

  const orderId = await currentCheckoutOrderId();
  const resumed = orderId ? await resumeCheckout(checkoutDependencies(), orderId, { userId: user?.id ?? null }) : null;
  const session: CheckoutSessionView | null = resumed ? { order: orderView(resumed.order, orderToken(resumed.order.id)), clientSecret: resumed.clientSecret } : null;

  return (
    <>
      {/* React puts an async script in <head>; the page waits for it before loading Stripe.js (stripe-loader.ts). */}
      {payments.scriptUrl ? <script src={payments.scriptUrl} nonce={nonce} async /> : null}
      <PageHeader title="Checkout" />
      <CheckoutView
        signedInEmail={user?.email ?? null}
        publishableKey={payments.publishableKey}
        sandboxScriptUrl={payments.scriptUrl}
        nonce={nonce}
        resumed={session}
      />
    </>
  );
}
