import type { Metadata } from 'next';
import { FilterForm, Pager, parseOrRefuse } from '@/components/admin/console-list';
import { statusLabel } from '@/components/admin/statuses';
import { SubscriptionsTable } from '@/components/admin/subscriptions-table';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { paymentProvider, subscriptionStatus } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { listSubscriptions, parseSubscriptionQuery, SubscriptionQuery } from '@/lib/billing/admin/subscriptions';
import { PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Subscriptions' };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function SubscriptionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const staff = await requireStaffForPage('/admin/subscriptions');
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseSubscriptionQuery(params), SubscriptionQuery.parse({}));
  const result = await listSubscriptions(db, query);
  return (
    <>
      <PageHeader title="Subscriptions" description="Every account’s subscriptions, newest first, as the providers’ webhooks report them." />
      <FilterForm
        label="Filter subscriptions"
        resetHref="/admin/subscriptions"
        fields={[
          { kind: 'search', name: 'q', label: 'Subscriber’s email', value: query.q },
          { kind: 'select', name: 'status', label: 'Status', value: query.status, options: subscriptionStatus.enumValues.map((status) => ({ value: status, label: statusLabel('subscription', status) })) },
          { kind: 'select', name: 'provider', label: 'Provider', value: query.provider, options: paymentProvider.enumValues.map((provider) => ({ value: provider, label: PROVIDER_LABELS[provider] })) },
        ]}
      />
      {refusal}
      <Card>
        <SubscriptionsTable
          rows={result.rows.map((row) => ({ ...row, subscriber: { userId: row.userId, email: row.email } }))}
          cancels={can(staff, 'subscriptions.cancel')}
          bySubscriber
          testId="subscriptions-table"
          empty="No subscription matches."
        />
        <Pager path="/admin/subscriptions" filters={{ q: query.q, status: query.status, provider: query.provider }} paged={query.cursor !== undefined} nextCursor={result.nextCursor} />
      </Card>
    </>
  );
}
