import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { OrderSummary } from '@/components/checkout/order-summary';
import { orderView } from '@/components/checkout/order-view';
import { PaymentProgress } from '@/components/checkout/payment-progress';
import { PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { orderProgress, progressFromStatus, type OrderProgress } from '@/lib/billing/checkout';
import { orderIdFromToken, progressDependencies } from '@/lib/billing/checkout-context';
import { orderChangeFeed, readUntilSettled } from '@/lib/billing/order-changes';
import { findOrderForViewer, orderDetails } from '@/lib/billing/orders';
import { providerReturn } from '@/lib/payments/browser';

export const metadata: Metadata = { title: 'Your order', referrer: 'no-referrer' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * How long the page waits for the webhook of an order the provider is confirming, which usually
 * lands within a fraction of a second of the payment: the buyer, still on the checkout's
 * "Paying…", then sees "Paid" on the first paint instead of "Processing" turning into "Paid".
 * After this the page says "Processing" and follows the order itself (PaymentProgress). (Not a
 * Suspense boundary streamed later: React holds a streamed reveal back some 300 ms after the
 * first paint, longer than the wait usually is.)
 */
const SETTLE_WAIT_MS = 1_000;

/** The progress of an order the provider is confirming, once its webhook has been applied, or as it stands after SETTLE_WAIT_MS. */
async function settlingProgress(orderId: string, viewerId: string | null): Promise<OrderProgress> {
  const progress = await readUntilSettled<OrderProgress | null>(
    orderChangeFeed(),
    orderId,
    async () => {
      const order = await findOrderForViewer(db, orderId, viewerId);
      return order ? (progressFromStatus(order.status) ?? 'confirming') : null;
    },
    (value) => value !== 'confirming',
    SETTLE_WAIT_MS,
  );
  return progress ?? 'confirming';
}

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

  const [progressNow, details] = await Promise.all([orderProgress(progressDependencies(), order), orderDetails(db, order)]);
  const progress = progressNow === 'confirming' ? await settlingProgress(order.id, user?.id ?? null) : progressNow;
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
