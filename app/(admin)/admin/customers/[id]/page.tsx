import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Status } from '@/components/admin/statuses';
import { SubscriptionsTable } from '@/components/admin/subscriptions-table';
import { TransactionsTable } from '@/components/admin/transactions-table';
import { shortDate } from '@/components/portal/dates';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can, ROLE_LABELS } from '@/lib/auth/roles';
import { customerDetail, type CustomerEmail, type CustomerInvoice, type CustomerOrder } from '@/lib/billing/admin/customers';
import { formatMoney } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';
import { invoiceRefundLabel } from '@/lib/billing/invoice-refund';

export const metadata: Metadata = { title: 'Customer' };

const ORDER_COLUMNS: Column<CustomerOrder>[] = [
  { key: 'number', header: 'Order', unlabelled: true, className: 'max-sm:font-medium', cell: (order) => `#${order.number}` },
  { key: 'date', header: 'Placed', cell: (order) => shortDate(order.createdAt) },
  { key: 'total', header: 'Total', align: 'right', cell: (order) => formatMoney(order.total) },
  { key: 'status', header: 'Status', cell: (order) => <Status kind="order" status={order.status} /> },
];

const INVOICE_COLUMNS: Column<CustomerInvoice>[] = [
  { key: 'number', header: 'Invoice', unlabelled: true, className: 'max-sm:font-medium', cell: (invoice) => invoice.number ?? '—' },
  { key: 'date', header: 'Date', cell: (invoice) => shortDate(invoice.createdAt) },
  { key: 'due', header: 'Due', align: 'right', cell: (invoice) => formatMoney(invoice.amountDue) },
  { key: 'paid', header: 'Paid', align: 'right', cell: (invoice) => formatMoney(invoice.amountPaid) },
  { key: 'refunded', header: 'Refunded', align: 'right', cell: (invoice) => (invoice.amountRefunded.amount > 0 ? formatMoney(invoice.amountRefunded) : '—') },
  { key: 'status', header: 'Status', cell: (invoice) => (invoice.status === 'paid' && invoice.refund ? invoiceRefundLabel(invoice.refund) : invoice.status) },
];

const EMAIL_COLUMNS: Column<CustomerEmail>[] = [
  { key: 'subject', header: 'Subject', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (email) => email.subject },
  { key: 'date', header: 'Written', cell: (email) => shortDate(email.createdAt) },
  { key: 'status', header: 'Status', cell: (email) => <Status kind="email" status={email.status} /> },
];

export default async function CustomerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const staff = await requireStaffForPage(`/admin/customers/${encodeURIComponent(id)}`);
  const customer = await customerDetail(db, id);
  if (!customer) notFound();

  return (
    <>
      <PageHeader
        title={customer.email}
        description={`${customer.name ? `${customer.name} · ` : ''}${ROLE_LABELS[customer.role]} since ${shortDate(customer.createdAt)}${customer.providerCustomers.length > 0 ? ` · ${customer.providerCustomers.map((each) => `${PROVIDER_LABELS[each.provider]} ${each.providerCustomerId}`).join(', ')}` : ''}`}
      />
      <Card title="Lifetime value" description="Paid minus refunded, per currency: amounts in different currencies are never added together.">
        {customer.lifetimeValue.length === 0 ? (
          <p className="text-sm text-stone-500">Nothing paid yet.</p>
        ) : (
          <ul className="flex flex-wrap gap-4" data-testid="lifetime-value">
            {customer.lifetimeValue.map((value) => (
              <li key={value.currency} className="text-xl font-semibold tabular-nums">
                {formatMoney(value)}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Subscriptions" className="mt-6">
        <SubscriptionsTable rows={customer.subscriptions} cancels={can(staff, 'subscriptions.cancel')} bySubscriber={false} empty="No subscriptions." />
      </Card>
      <Card title="Payments" className="mt-6">
        <TransactionsTable rows={customer.payments} label="Payments" empty="No payments." />
      </Card>
      <Card title="Orders" className="mt-6">
        <DataTable label="Orders" rows={customer.orders} rowKey={(order) => order.orderId} empty="No orders." columns={ORDER_COLUMNS} />
      </Card>
      <Card title="Invoices" className="mt-6">
        <DataTable label="Invoices" rows={customer.invoices} rowKey={(invoice) => invoice.invoiceId} empty="No invoices." columns={INVOICE_COLUMNS} />
      </Card>
      <Card title="Emails" className="mt-6">
        <DataTable label="Emails" rows={customer.emails} rowKey={(email) => email.emailId} empty="No emails." columns={EMAIL_COLUMNS} />
      </Card>
    </>
  );
}
