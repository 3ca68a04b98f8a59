import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { OrderSummary } from '@/components/checkout/order-summary';
import { orderView } from '@/components/checkout/order-view';
import { PaymentProgress } from '@/components/checkout/payment-progress';
import { PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { orderProgress } from '@/lib/billing/checkout';
import { orderIdFromToken, progressDependencies } from '@/lib/billing/checkout-context';
import { findOrderForViewer, orderDetails } from '@/lib/billing/orders';
import { providerReturn } from '@/lib/payments/browser';

export const metadata: Metadata = { title: 'Your order', referrer: 'no-referrer' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function CheckoutCompletePage({ searchParams }: { searchParams: SearchParams }) {
  await connection();
  const params = await searchParams;
  const token = typeof params.order === 'string' ? params.order : null;
  // The signed token is the only way in: an order id or number alone, or another account's
  // order, is answered as if it did not exist.
  const orderId = orderIdFromToken(token);
  const user = await getCurrentUser();
  const order = orderId ? await findOrderForViewer(db, orderId, user?.id ?? null) : null;
  if (!order || !token) notFound();

  const [progress, details] = await Promise.all([orderProgress(progressDependencies(), order), orderDetails(db, order)]);
  const view = orderView(details, token);

  return (
    <>
      <PageHeader title={`Order #${view.number}`} description={`For ${view.email}`} />
      <div className="grid gap-8 lg:grid-cols-[1fr_24rem]">
        <PaymentProgress token={token} initial={progress} returnedFromProvider={providerReturn(params).succeeded} />
        <OrderSummary lines={view.lines} total={view.total} />
      </div>
    </>
  );
}
