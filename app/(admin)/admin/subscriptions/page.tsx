import type { Metadata } from 'next';
import Link from 'next/link';
import { cancelSubscription } from '@/app/(admin)/admin/subscriptions/actions';
import { CancelSubscriptionForm } from '@/components/admin/cancel-subscription-form';
import { Status, statusLabel } from '@/components/admin/statuses';
import { shortDate } from '@/components/portal/dates';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { paymentProvider, subscriptionStatus } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { listSubscriptions, parseSubscriptionQuery, type SubscriptionListRow } from '@/lib/billing/admin/subscriptions';
import { ENDED } from '@/lib/billing/subscription-status';
import { UserFacingError } from '@/lib/errors';
import { formatMoney } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Subscriptions' };

type SearchParams = Record<string, string | string[] | undefined>;
const FILTER_KEYS = ['status', 'provider', 'q'] as const;
const CONTROL = 'min-h-11 w-full rounded-lg border border-stone-300 bg-white px-3 text-base sm:text-sm';
const PAGER_LINK = 'inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-4 text-sm font-medium hover:bg-stone-50';

function first(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text : undefined;
}

export default async function SubscriptionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const staff = await requireStaffForPage('/admin/subscriptions');
  const params = await searchParams;
  const filters: Partial<Record<(typeof FILTER_KEYS)[number], string>> = {};
  for (const key of FILTER_KEYS) {
    const value = first(params[key]);
    if (value !== undefined) filters[key] = value;
  }
  const link = (extra: Record<string, string> = {}) => {
    const search = new URLSearchParams({ ...filters, ...extra }).toString();
    return search ? `/admin/subscriptions?${search}` : '/admin/subscriptions';
  };

  let result: Awaited<ReturnType<typeof listSubscriptions>> | null = null;
  let refused: UserFacingError | null = null;
  try {
    result = await listSubscriptions(db, parseSubscriptionQuery(params));
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
    refused = error;
  }
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
      <Card>
        <form method="get" action="/admin/subscriptions" aria-label="Filter subscriptions" className="flex flex-wrap items-end gap-3">
          <label className="flex min-w-0 basis-full flex-col gap-1 text-sm sm:basis-64 sm:grow">
            <span className="font-medium">Subscriber’s email</span>
            <input name="q" type="search" defaultValue={filters.q ?? ''} className={CONTROL} />
          </label>
          <label className="flex min-w-0 grow basis-36 flex-col gap-1 text-sm">
            <span className="font-medium">Status</span>
            <select name="status" defaultValue={filters.status ?? ''} className={CONTROL}>
              <option value="">Any</option>
              {subscriptionStatus.enumValues.map((status) => (
                <option key={status} value={status}>
                  {statusLabel('subscription', status)}
                </option>
              ))}
            </select>
          </label>
          <label className="flex min-w-0 grow basis-36 flex-col gap-1 text-sm">
            <span className="font-medium">Provider</span>
            <select name="provider" defaultValue={filters.provider ?? ''} className={CONTROL}>
              <option value="">Any</option>
              {paymentProvider.enumValues.map((provider) => (
                <option key={provider} value={provider}>
                  {PROVIDER_LABELS[provider]}
                </option>
              ))}
            </select>
          </label>
          <div className="flex gap-2">
            <Button type="submit">Filter</Button>
            <Link href="/admin/subscriptions" className="inline-flex min-h-11 items-center rounded-lg px-3 text-sm text-stone-700 hover:bg-stone-100">
              Clear
            </Link>
          </div>
        </form>
      </Card>
      <Card className="mt-6">
        {refused ? (
          <Alert>
            {refused.message}{' '}
            <Link href="/admin/subscriptions" className="underline">
              Start again
            </Link>
          </Alert>
        ) : result ? (
          <>
            <DataTable
              label="Subscriptions"
              testId="subscriptions-table"
              rows={result.rows}
              rowKey={(row) => row.subscriptionId}
              rowTestId={(row) => `subscription-row-${row.email}`}
              empty="No subscription matches."
              columns={columns}
            />
            {first(params.cursor) || result.nextCursor ? (
              <nav aria-label="Pages" className="mt-4 flex flex-wrap gap-2">
                {first(params.cursor) ? (
                  <Link href={link()} className={PAGER_LINK}>
                    Newest
                  </Link>
                ) : null}
                {result.nextCursor ? (
                  <Link href={link({ cursor: result.nextCursor })} className={PAGER_LINK} rel="next">
                    Older
                  </Link>
                ) : null}
              </nav>
            ) : null}
          </>
        ) : null}
      </Card>
    </>
  );
}
