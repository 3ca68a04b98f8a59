import type { Metadata } from 'next';
import Link from 'next/link';
import { FilterForm, Pager, parseOrRefuse } from '@/components/admin/console-list';
import { Status } from '@/components/admin/statuses';
import { shortDate } from '@/components/portal/dates';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { ROLE_LABELS } from '@/lib/auth/roles';
import { CustomerQuery, listCustomers, parseCustomerQuery, type CustomerListRow } from '@/lib/billing/admin/customers';

export const metadata: Metadata = { title: 'Customers' };

type SearchParams = Record<string, string | string[] | undefined>;

const COLUMNS: Column<CustomerListRow>[] = [
  {
    key: 'email',
    header: 'Email',
    unlabelled: true,
    className: 'max-sm:w-full max-sm:font-medium break-all',
    cell: (row) => (
      <Link href={`/admin/customers/${row.userId}`} className="underline decoration-stone-300 underline-offset-2">
        {row.email}
      </Link>
    ),
  },
  { key: 'name', header: 'Name', cell: (row) => row.name ?? '—' },
  { key: 'joined', header: 'Joined', cell: (row) => shortDate(row.createdAt) },
  { key: 'orders', header: 'Orders', align: 'right', cell: (row) => row.orderCount },
  { key: 'subscription', header: 'Subscription', cell: (row) => (row.subscriptionStatus ? <Status kind="subscription" status={row.subscriptionStatus} /> : '—') },
  { key: 'role', header: 'Role', cell: (row) => ROLE_LABELS[row.role] },
];

export default async function CustomersPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireStaffForPage('/admin/customers');
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseCustomerQuery(params), CustomerQuery.parse({}));
  const result = await listCustomers(db, query);

  return (
    <>
      <PageHeader title="Customers" description="Every account, newest first. Open one for their orders, payments, subscriptions, invoices and emails." />
      <FilterForm
        label="Find a customer"
        submitLabel="Find"
        resetHref="/admin/customers"
        fields={[{ kind: 'search', name: 'q', label: 'Email', value: query.q, placeholder: 'The whole address' }]}
      />
      {refusal}
      <Card>
        <DataTable
          label="Customers"
          testId="customers-table"
          rows={result.rows}
          rowKey={(row) => row.userId}
          rowTestId={(row) => `customer-row-${row.email}`}
          empty={query.q ? `Nobody has an account with ${query.q}.` : 'No accounts yet.'}
          columns={COLUMNS}
        />
        <Pager path="/admin/customers" filters={{ q: query.q }} paged={query.cursor !== undefined} nextCursor={result.nextCursor} />
      </Card>
    </>
  );
}
