import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { connection } from 'next/server';
import { CheckoutView } from '@/components/checkout/checkout-view';
import { orderView, type CheckoutSessionView } from '@/components/checkout/order-view';
import { ProviderScript } from '@/components/payments/provider-script';
import { PageHeader } from '@/components/ui/card';
import { getCurrentUser } from '@/lib/auth/guards';
import { resumeCheckout } from '@/lib/billing/checkout';
import { approvalProvidersFor, checkoutDependencies, currentCheckoutOrderId, orderToken } from '@/lib/billing/checkout-context';
import { approvalBrowserConfigs, cardBrowserConfig } from '@/lib/payments/browser';

export const metadata: Metadata = { title: 'Checkout' };

export default async function CheckoutPage() {
  await connection(); // rendered per request: the CSP nonce is new on every load
  const requestHeaders = await headers();
  const nonce = requestHeaders.get('x-nonce') ?? undefined;
  const user = await getCurrentUser();
  const browser = cardBrowserConfig(nonce);
  const approvals = approvalBrowserConfigs(nonce);

  // An action of this page that set the order cookie gets the page rendered again in its
  // answer. The checkout on screen keeps the session the action returned (`resumed` only seeds
  // it when it mounts), so that render does not read the order and its payment again.
  const renderingAnAction = requestHeaders.has('next-action');
  const orderId = renderingAnAction ? null : await currentCheckoutOrderId();
  const resumed = orderId ? await resumeCheckout(checkoutDependencies(), orderId, { userId: user?.id ?? null }) : null;
  // The handoff is wrapped here until lib/billing hands out a PaymentHandoff itself (issue 10).
  const session: CheckoutSessionView | null = resumed
    ? { order: orderView(resumed.order, orderToken(resumed.order.id)), handoff: resumed.handoff, approvals: approvalProvidersFor(resumed.order.total) }
    : null;

  return (
    <>
      {[browser, ...approvals].map((config) => (
        <ProviderScript key={config.provider} browser={config} />
      ))}
      <PageHeader title="Checkout" />
      <CheckoutView signedInEmail={user?.email ?? null} browser={browser} approvals={approvals} resumed={session} />
    </>
  );
}
