import type { Metadata } from 'next';
import { connection } from 'next/server';
import { Alert } from '@/components/ui/alert';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireUserForPage } from '@/lib/auth/guards';
import { entitlementsFor } from '@/lib/billing/entitlements';

export const metadata: Metadata = { title: 'Members’ library' };

/**
 * Members only, and only while billing says so: the page asks entitlementsFor on every request,
 * so access follows the subscription's state as the provider's webhooks report it.
 */
export default async function MembersPage() {
  await connection();
  const user = await requireUserForPage('/members');
  const entitlements = await entitlementsFor(db, user.id);

  if (entitlements.access === 'none') {
    return (
      <>
        <PageHeader title="Members’ library" />
        <Card title="For members only" className="max-w-2xl">
          <p className="text-sm text-stone-600" data-testid="members-access">
            {entitlements.reason}
          </p>
          <a href="/pricing" className="mt-4 inline-flex min-h-11 items-center rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            See the plans
          </a>
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Members’ library" description={entitlements.plan ? `Included in your ${entitlements.plan.name} plan.` : undefined} />
      <div className="space-y-4">
        {entitlements.access === 'grace' ? (
          <Alert>
            {entitlements.reason}{' '}
            <a href="/account/billing/pay" className="font-semibold underline">
              Update card and pay
            </a>{' '}
            to keep your access.
          </Alert>
        ) : null}
        <div className="grid gap-4 md:grid-cols-3" data-testid="members-content">
          <Card title="Refill schedule">
            <p className="text-sm text-stone-600">Your next notebook refill ships on the first of the month. Pick your paper in the members’ area of each order.</p>
          </Card>
          <Card title="Workshops">
            <p className="text-sm text-stone-600">Monthly online sessions on lettering, nib care and bookbinding. Recordings stay here for members.</p>
          </Card>
          <Card title="The library">
            <p className="text-sm text-stone-600">Essays and guides from our writers: on notebooks, on ink, and on keeping a daily page.</p>
          </Card>
        </div>
      </div>
    </>
  );
}
