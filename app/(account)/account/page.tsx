import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { OrderStatus } from '@/components/account/order-status';
import { SubscriptionStatusBadge } from '@/components/portal/subscription-status';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { ordersForUser } from '@/lib/billing/orders';
import { currentSubscription } from '@/lib/billing/subscriptions';
import { formatMoney } from '@/lib/money';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requireUserForPage('/account');
  const [orders, subscription] = await Promise.all([ordersForUser(db, user.id, 10), currentSubscription(db, user.id)]);
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
          {subscription && !['canceled', 'incomplete_expired'].includes(subscription.status) ? (
            <div className="space-y-3 text-sm">
              <p className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{subscription.plan.productName}</span>
                <SubscriptionStatusBadge status={subscription.status} />
              </p>
              <p className="space-x-4">
                {/* Full page loads: the billing pages bring their own Content-Security-Policy and payment script. */}
                <a href="/account/billing" className="font-medium text-brand-600 hover:underline">
                  Manage plan and billing
                </a>
                <Link href="/members" className="font-medium text-brand-600 hover:underline">
                  Members’ library
                </Link>
              </p>
            </div>
          ) : (
            <p className="text-sm text-stone-500">
              No membership yet. <Link href="/pricing" className="font-medium text-brand-600 hover:underline">See the plans</Link>.{' '}
              <a href="/account/billing" className="font-medium text-brand-600 hover:underline">
                Past invoices
              </a>
            </p>
          )}
        </Card>
      </div>
    </>
  );
}
