import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, PageHeader } from '@/components/ui/card';
import { requireUserForPage } from '@/lib/auth/guards';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requireUserForPage('/account');
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
        <Card title="Orders" description="Orders you place while signed in appear here with their receipts.">
          <p className="text-sm text-stone-500">No orders yet.</p>
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
