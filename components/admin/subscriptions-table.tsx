import Link from 'next/link';
import { cancelSubscription } from '@/app/(admin)/admin/subscriptions/actions';
import { CancelSubscriptionForm } from '@/components/admin/cancel-subscription-form';
import { Status } from '@/components/admin/statuses';
import { shortDate } from '@/components/portal/dates';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { CustomerSubscription } from '@/lib/billing/admin/customers';
import { ENDED } from '@/lib/billing/subscription-status';
import { formatMoney } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';

/** What both the subscriptions list and a customer's page know of a subscription. */
export type SubscriptionTableRow = Pick<
  CustomerSubscription,
  'subscriptionId' | 'provider' | 'status' | 'planName' | 'price' | 'interval' | 'currentPeriodEnd' | 'cancelAtPeriodEnd' | 'cancelAt' | 'createdAt'
> & {
  /** The subscriber, on the list of every account's subscriptions; absent on their own page. */
  subscriber?: { userId: string; email: string };
};

/**
 * Subscriptions as the console lists them, with the cancel buttons for staff who may cancel
 * (`cancels`, from the caller's role: the action checks it again). `bySubscriber` leads each row
 * with its subscriber (the list of every account's); a customer's own page leads with the plan.
 */
export function SubscriptionsTable({ rows, cancels, bySubscriber, testId, empty }: { rows: readonly SubscriptionTableRow[]; cancels: boolean; bySubscriber: boolean; testId?: string; empty: string }) {
  const plan = (row: SubscriptionTableRow) => `${row.planName} · ${formatMoney(row.price)}${row.interval ? ` / ${row.interval}` : ''}`;
  const columns: Column<SubscriptionTableRow>[] = [
    bySubscriber
      ? {
          key: 'email',
          header: 'Subscriber',
          unlabelled: true,
          className: 'max-sm:w-full max-sm:font-medium break-all',
          cell: (row) =>
            row.subscriber ? (
              <Link href={`/admin/customers/${row.subscriber.userId}`} className="underline decoration-stone-300 underline-offset-2">
                {row.subscriber.email}
              </Link>
            ) : null,
        }
      : { key: 'plan', header: 'Plan', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: plan },
    ...(bySubscriber ? [{ key: 'plan', header: 'Plan', cell: plan }] : []),
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
          <CancelSubscriptionForm
            subscriptionId={row.subscriptionId}
            cancelAtPeriodEnd={row.cancelAtPeriodEnd}
            label={row.subscriber ? `the subscription of ${row.subscriber.email}` : `${row.planName} subscription`}
            action={cancelSubscription}
          />
        ) : null,
    },
  ];
  return (
    <DataTable
      label="Subscriptions"
      testId={testId}
      rows={rows}
      rowKey={(row) => row.subscriptionId}
      rowTestId={(row) => (row.subscriber ? `subscription-row-${row.subscriber.email}` : `subscription-row-${row.subscriptionId}`)}
      empty={empty}
      columns={columns}
    />
  );
}
