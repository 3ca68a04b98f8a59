import type { Metadata } from 'next';
import Link from 'next/link';
import { cancelSubscription } from '@/app/(admin)/admin/subscriptions/actions';
import { CancelSubscriptionForm } from '@/components/admin/cancel-subscription-form';
import { FilterForm, Pager, parseOrRefuse } from '@/components/admin/console-list';
import { Status, statusLabel } from '@/components/admin/statuses';
import { shortDate } from '@/components/portal/dates';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { paymentProvider, subscriptionStatus } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { listSubscriptions, parseSubscriptionQuery, SubscriptionQuery, type SubscriptionListRow } from '@/lib/billing/admin/subscriptions';
import { ENDED } from '@/lib/billing/subscription-status';
import { formatMoney } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Subscriptions' };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function SubscriptionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const staff = await requireStaffForPage('/admin/subscriptions');
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseSubscriptionQuery(params), SubscriptionQuery.parse({}));
  const result = await listSubscriptions(db, query);
  const cancels = can(staff, 'subscriptions.cancel');

  const columns: Column<SubscriptionListRow>[] = [
    {
      key: 'email',
      header: 'Subscriber',
      unlabelled: true,
      className: 'max-sm:w-full max-sm:font-medium break-all',
      cell: (row) => (
        <Link href={`/admin/customers/${row.userId}`} className="underline decoration-stone-300 underline-offset-2">
          {row.email}
        </Link>
      ),
    },
    { key: 'plan', header: 'Plan', cell: (row) => `${row.planName} · ${formatMoney(row.price)}${row.interval ? ` / ${row.interval}` : ''}` },
    { key: 'provider', header: 'Provider', cell: (row) => PROVIDER_LABELS[row.provider] },
    {
      key: 'status',
      header: 'Status',
      cell: (row) => (
        <span className="inline-flex flex-wrap items-center gap-1">
          <Status kind="subscription" status={row.status} />
          {row.cancelAtPeriodEnd ? <span className="text-xs text-stone-600">ends {shortDate(row.cancelAt ?? row.currentPeriodEnd ?? row.createdAt)}</span> : null}
        </span>
      ),
    },
    { key: 'period', header: 'Period ends', cell: (row) => (row.currentPeriodEnd ? shortDate(row.currentPeriodEnd) : '—') },
    {
      key: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'right',
      cell: (row) =>
        cancels && !ENDED.includes(row.status) ? (
          <CancelSubscriptionForm subscriptionId={row.subscriptionId} cancelAtPeriodEnd={row.cancelAtPeriodEnd} label={`the subscription of ${row.email}`} action={cancelSubscription} />
        ) : null,
    },
  ];

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
        <DataTable
          label="Subscriptions"
          testId="subscriptions-table"
          rows={result.rows}
          rowKey={(row) => row.subscriptionId}
          rowTestId={(row) => `subscription-row-${row.email}`}
          empty="No subscription matches."
          columns={columns}
        />
        <Pager path="/admin/subscriptions" filters={{ q: query.q, status: query.status, provider: query.provider }} paged={query.cursor !== undefined} nextCursor={result.nextCursor} />
      </Card>
    </>
  );
}
