import type { InvoiceView } from '@/lib/billing/subscriptions';
import { formatMoney } from '@/lib/money';
import { shortDate } from './dates';

const STATUS: Record<InvoiceView['status'], { text: string; tone: string }> = {
  draft: { text: 'Upcoming', tone: 'bg-stone-100 text-stone-700' },
  open: { text: 'Due', tone: 'bg-amber-50 text-amber-800' },
  paid: { text: 'Paid', tone: 'bg-brand-50 text-brand-700' },
  uncollectible: { text: 'Uncollectible', tone: 'bg-red-50 text-red-700' },
  void: { text: 'Void', tone: 'bg-stone-100 text-stone-600' },
};

// Tall enough for a thumb: the table scrolls inside its own box on a phone, never the page.
const linkClass = 'inline-flex min-h-11 items-center font-medium text-brand-600 hover:underline';

/** The subscriber's invoices, newest first, with the provider's PDF and hosted page. */
export function InvoiceTable({ invoices }: { invoices: InvoiceView[] }) {
  if (invoices.length === 0) return <p className="text-sm text-stone-500">No invoices yet.</p>;
  return (
    // On a phone each invoice is a short block (its cells wrap on a line or two) instead of a
    // table wider than the screen; the box scrolls on its own should a row still not fit.
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="invoices">
        <thead className="text-stone-500 max-sm:sr-only">
          <tr>
            <th className="py-2 pr-4 font-medium">Date</th>
            <th className="py-2 pr-4 font-medium">Invoice</th>
            <th className="py-2 pr-4 text-right font-medium">Amount</th>
            <th className="py-2 pr-4 font-medium">Status</th>
            <th className="py-2 font-medium">
              <span className="sr-only">Documents</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {invoices.map((invoice) => {
            const status = STATUS[invoice.status];
            const number = invoice.number ?? 'Draft';
            return (
              <tr key={invoice.id} data-testid={`invoice-${number}`} className="max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:py-2">
                <td className="py-2 pr-4 whitespace-nowrap max-sm:p-0 max-sm:font-medium">{shortDate(invoice.created)}</td>
                <td className="py-2 pr-4 max-sm:p-0 max-sm:text-stone-600">{number}</td>
                <td className="py-2 pr-4 text-right tabular-nums max-sm:p-0">{formatMoney(invoice.status === 'paid' ? invoice.amountPaid : invoice.amountDue)}</td>
                <td className="py-2 pr-4 max-sm:p-0">
                  <span className={`inline-flex rounded-full px-2.5 py-0.5 text-xs font-medium ${status.tone}`}>{status.text}</span>
                </td>
                <td className="space-x-4 py-2 whitespace-nowrap max-sm:w-full max-sm:p-0">
                  {invoice.invoicePdf ? (
                    <a href={invoice.invoicePdf} target="_blank" rel="noopener noreferrer" className={linkClass} aria-label={`Invoice ${number} as PDF`}>
                      PDF
                    </a>
                  ) : null}
                  {invoice.hostedInvoiceUrl ? (
                    <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noopener noreferrer" className={linkClass} aria-label={`View invoice ${number}`}>
                      View
                    </a>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
