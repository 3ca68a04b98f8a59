import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { OrderStatus } from '@/components/account/order-status';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { ordersForUser } from '@/lib/billing/orders';
import { formatMoney } from '@/lib/money';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requireUserForPage('/account');
  const orders = await ordersForUser(db, user.id, 10);
  return (
    <>
      <PageHeader title="Your account" description={`Signed in as ${user.email}.`} />
      <div className="grid gap-4 md:grid-cols-3">
        <Card title="Profile">
          <dl className="space-y-2 text-sm">
            <div>
              <dt className="text-stone-500">Name</dt>
              <dd data-testid="account-name">{user.name ?? '—'}</dd>
            </div>
            <div>
              <dt className="text-stone-500">Email</dt>
              <dd data-testid="account-email">{user.email}</dd>
            </div>
          </dl>
        </Card>
        <Card title="Orders" description="Orders you place while signed in, with their receipts.">
          {orders.length === 0 ? (
            <p className="text-sm text-stone-500">
              No orders yet. <Link href="/" className="font-medium text-brand-600 hover:underline">Visit the shop</Link>.
            </p>
          ) : (
            <ul className="divide-y divide-stone-100" data-testid="order-list">
              {orders.map((order) => (
                <li key={order.id} className="flex items-center justify-between gap-3 py-2 text-sm">
                  <Link href={`/account/orders/${order.id}`} className="font-medium text-brand-600 hover:underline">
                    #{order.number}
                  </Link>
                  <span className="tabular-nums">{formatMoney({ amount: order.amountTotal, currency: order.currency })}</span>
                  <OrderStatus status={order.status} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Plan and billing" description="Your membership, payment method and invoices.">
          <p className="text-sm text-stone-500">
            No membership yet. <Link href="/" className="font-medium text-brand-600 hover:underline">See the plans</Link>.
          </p>
        </Card>
      </div>
    </>
  );
}
