import { DataTable, type Column } from '@/components/ui/data-table';
import { StatusBadge, type Tone } from '@/components/ui/status-badge';
import { invoiceRefundLabel } from '@/lib/billing/invoice-refund';
import type { InvoiceView } from '@/lib/billing/subscriptions';
import { formatMoney } from '@/lib/money';
import { shortDate } from './dates';

const STATUS: Record<InvoiceView['status'], { text: string; tone: Tone }> = {
  draft: { text: 'Upcoming', tone: 'neutral' },
  open: { text: 'Due', tone: 'warning' },
  paid: { text: 'Paid', tone: 'success' },
  uncollectible: { text: 'Uncollectible', tone: 'danger' },
  void: { text: 'Void', tone: 'neutral' },
};

/** A balance a later payment collected: paid, but on that payment's invoice, so not counted here. */
const COLLECTED_LATER = { text: 'Paid with a later payment', tone: 'neutral' as Tone };

/** A paid invoice whose payment went back, in whole or in part: it says so instead of "Paid". */
function statusOf(invoice: InvoiceView): { text: string; tone: Tone } {
  if (invoice.collectedLater) return COLLECTED_LATER;
  if (invoice.status === 'paid' && invoice.refund) return { text: invoiceRefundLabel(invoice.refund), tone: 'neutral' };
  return STATUS[invoice.status];
}

// Tall enough for a thumb: the table scrolls inside its own box on a phone, never the page.
const linkClass = 'inline-flex min-h-11 items-center font-medium text-brand-600 hover:underline';

/** The subscriber's invoices, newest first, with the provider's PDF and hosted page, or Billfold's receipt where the provider has no PDF. */
export function InvoiceTable({ invoices }: { invoices: InvoiceView[] }) {
  return (
    <DataTable
      label="Invoices"
      testId="invoices"
      rows={invoices}
      rowKey={(invoice) => invoice.id}
      rowTestId={(invoice) => `invoice-${invoice.reference}`}
      empty="No invoices yet."
      columns={COLUMNS}
    />
  );
}

const COLUMNS: Column<InvoiceView>[] = [
  { key: 'date', header: 'Date', unlabelled: true, className: 'whitespace-nowrap max-sm:font-medium', cell: (invoice) => shortDate(invoice.created) },
  { key: 'number', header: 'Invoice', unlabelled: true, className: 'max-sm:text-stone-600', cell: (invoice) => invoice.reference },
  {
    key: 'amount',
    header: 'Amount',
    align: 'right',
    unlabelled: true,
    cell: (invoice) => formatMoney(invoice.status === 'paid' ? invoice.amountPaid : invoice.amountDue),
  },
  {
    key: 'status',
    header: 'Status',
    unlabelled: true,
    cell: (invoice) => {
      const status = statusOf(invoice);
      return <StatusBadge tone={status.tone}>{status.text}</StatusBadge>;
    },
  },
  {
    key: 'documents',
    header: 'Documents',
    hideHeader: true,
    className: 'space-x-4 whitespace-nowrap max-sm:w-full',
    cell: (invoice) => {
      const number = invoice.reference;
      return (
        <>
          {invoice.invoicePdf ? (
            <a href={invoice.invoicePdf} target="_blank" rel="noopener noreferrer" className={linkClass} aria-label={`Invoice ${number} as PDF`}>
              PDF
            </a>
          ) : null}
          {invoice.receiptUrl ? (
            <a href={invoice.receiptUrl} className={linkClass} aria-label={`Receipt for invoice ${number} as PDF`}>
              Receipt (PDF)
            </a>
          ) : null}
          {invoice.hostedInvoiceUrl ? (
            <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noopener noreferrer" className={linkClass} aria-label={`View invoice ${number}`}>
              View
            </a>
          ) : null}
        </>
      );
    },
  },
];
