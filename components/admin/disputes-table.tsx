import Link from 'next/link';
import { Status } from '@/components/admin/statuses';
import { EvidenceDeadlineBadge } from '@/components/admin/evidence-deadline';
import { DataTable } from '@/components/ui/data-table';
import { evidenceDeadline, type DisputeRow } from '@/lib/billing/admin/disputes';
import { formatMoney } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';

const REASONS: Record<string, string> = {
  fraudulent: 'Fraudulent',
  product_not_received: 'Product not received',
  MERCHANDISE_OR_SERVICE_NOT_RECEIVED: 'Not received',
  product_unacceptable: 'Product unacceptable',
  MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED: 'Not as described',
  UNAUTHORISED: 'Unauthorised',
  duplicate: 'Duplicate',
  DUPLICATE_TRANSACTION: 'Duplicate',
  subscription_canceled: 'Subscription canceled',
  credit_not_processed: 'Credit not processed',
  general: 'General',
};

/** A dispute's reason in words, whichever provider's vocabulary it came in. */
export function disputeReason(reason: string | null): string {
  if (!reason) return '—';
  return REASONS[reason] ?? reason.replaceAll('_', ' ').toLowerCase().replace(/^./, (first) => first.toUpperCase());
}

/** Disputes as every console list shows them, with their deadline counting down. */
export function DisputesTable({ rows, now, label, empty }: { rows: DisputeRow[]; now: Date; label: string; empty: string }) {
  return (
    <DataTable
      label={label}
      rows={rows}
      rowKey={(row) => row.id}
      rowTestId={(row) => `dispute-${row.id}`}
      empty={empty}
      columns={[
        {
          key: 'amount',
          header: 'Amount',
          unlabelled: true,
          className: 'max-sm:w-full max-sm:font-medium',
          cell: (row) => (
            <Link href={`/admin/disputes/${row.id}`} className="font-medium text-brand-600 hover:underline">
              {formatMoney(row.amount)}
            </Link>
          ),
        },
        { key: 'status', header: 'Status', unlabelled: true, cell: (row) => <Status kind="dispute" status={row.status} /> },
        { key: 'deadline', header: 'Evidence due', cell: (row) => <EvidenceDeadlineBadge deadline={evidenceDeadline(row, now)} dueBy={row.evidenceDueBy} /> },
        { key: 'reason', header: 'Reason', cell: (row) => disputeReason(row.reason) },
        { key: 'customer', header: 'Customer', cell: (row) => row.customerEmail ?? '—' },
        { key: 'provider', header: 'Provider', cell: (row) => PROVIDER_LABELS[row.provider] },
        { key: 'opened', header: 'Opened', cell: (row) => row.createdAt.toLocaleDateString('en-US', { dateStyle: 'medium', timeZone: 'UTC' }) },
      ]}
    />
  );
}
