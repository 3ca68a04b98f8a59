import { Status } from '@/components/admin/statuses';
import { DataTable, type Column } from '@/components/ui/data-table';
import type { TransactionRow } from '@/lib/billing/admin/transactions';
import { formatMoney } from '@/lib/money';
import { cardLabel, PROVIDER_LABELS } from '@/lib/payments/types';

/** Console times are UTC, so two admins in different places read the same minute for one payment. */
const WHEN = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

function capturedAndRefunded(row: TransactionRow) {
  const captured = formatMoney(row.amountCaptured);
  if (row.amountRefunded.amount === 0) return captured;
  return (
    <>
      {captured}
      <span className="block text-xs text-stone-500">{formatMoney(row.amountRefunded)} refunded</span>
    </>
  );
}

const COLUMNS: Column<TransactionRow>[] = [
  {
    key: 'date',
    header: 'Date',
    unlabelled: true,
    className: 'max-sm:w-full max-sm:font-medium',
    cell: (row) => (
      // A plain link, which the table navigates within the app (clientLinks below); like a
      // `next/link` without prefetch, since a list of fifty would fetch fifty pages nobody opened.
      <a
        href={`/admin/transactions/${row.paymentId}`}
        className="underline decoration-stone-300 underline-offset-2 hover:decoration-stone-600"
        data-testid="transaction-link"
      >
        <time dateTime={row.createdAt.toISOString()}>{WHEN.format(row.createdAt)} UTC</time>
      </a>
    ),
  },
  { key: 'order', header: 'Order', cell: (row) => (row.orderNumber === null ? '—' : `#${row.orderNumber}`) },
  { key: 'customer', header: 'Customer', className: 'max-sm:w-full break-all', cell: (row) => <span data-testid="transaction-email">{row.customerEmail ?? '—'}</span> },
  { key: 'amount', header: 'Amount', align: 'right', cell: (row) => <span data-testid="transaction-amount">{formatMoney(row.amount)}</span> },
  { key: 'captured', header: 'Captured', align: 'right', cell: capturedAndRefunded },
  {
    key: 'provider',
    header: 'Paid with',
    cell: (row) => (
      <>
        {PROVIDER_LABELS[row.provider]}
        {row.card ? (
          <span className="block text-xs whitespace-nowrap text-stone-500" data-testid="transaction-card">
            {cardLabel(row.card)}
          </span>
        ) : null}
      </>
    ),
  },
  {
    key: 'status',
    header: 'Status',
    cell: (row) => (
      <span className="inline-flex flex-wrap gap-1">
        <Status kind="payment" status={row.status} />
        {row.hasDispute ? <span className="text-xs font-medium text-red-700">Disputed</span> : null}
      </span>
    ),
  },
];

/** Payments from every provider, as the transactions page and the overview list them. */
export function TransactionsTable({ rows, label = 'Transactions', empty = 'No payments yet.' }: { rows: readonly TransactionRow[]; label?: string; empty?: string }) {
  return (
    <DataTable
      label={label}
      testId="transactions-table"
      rows={rows}
      rowKey={(row) => row.paymentId}
      rowTestId={(row) => `transaction-row-${row.providerPaymentId}`}
      empty={empty}
      columns={COLUMNS}
      clientLinks
    />
  );
}
