import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { OrderStatus } from '@/components/account/order-status';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { orderForUser } from '@/lib/billing/orders';
import { formatMoney } from '@/lib/money';

export const metadata: Metadata = { title: 'Order' };

export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUserForPage(`/account/orders/${id}`);
  const order = await orderForUser(db, user.id, id);
  if (!order) notFound();
  return (
    <>
      <PageHeader title={`Order #${order.number}`} description={`Placed ${order.createdAt.toLocaleDateString('en-US', { dateStyle: 'long' })}.`}>
        <OrderStatus status={order.status} />
      </PageHeader>
      <Card title={order.paidAt ? 'Receipt' : 'Order summary'} description={order.paidAt ? `Paid ${order.paidAt.toLocaleString('en-US', { dateStyle: 'long', timeStyle: 'short' })}; a copy was sent to ${order.email}.` : undefined}>
        <table className="w-full text-left text-sm">
          <thead className="text-stone-500">
            <tr>
              <th className="py-2 pr-4 font-medium">Item</th>
              <th className="py-2 pr-4 text-right font-medium">Quantity</th>
              <th className="py-2 text-right font-medium">Amount</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100">
            {order.lines.map((line) => (
              <tr key={line.priceId}>
                <td className="py-2 pr-4">{line.description}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{line.quantity}</td>
                <td className="py-2 text-right tabular-nums">{formatMoney(line.amountTotal)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th className="pt-3 pr-4 text-left font-semibold" colSpan={2}>
                Total
              </th>
              <td className="pt-3 text-right font-semibold tabular-nums" data-testid="order-total">
                {formatMoney(order.total)}
              </td>
            </tr>
          </tfoot>
        </table>
      </Card>
      <p className="mt-6 text-sm">
        <Link href="/account" className="font-medium text-brand-600 hover:underline">
          ← All orders
        </Link>
      </p>
    </>
  );
}
