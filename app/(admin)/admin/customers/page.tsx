import type { Metadata } from 'next';
import Link from 'next/link';
import { Status } from '@/components/admin/statuses';
import { shortDate } from '@/components/portal/dates';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { ROLE_LABELS } from '@/lib/auth/roles';
import { listCustomers, parseCustomerQuery, type CustomerListRow } from '@/lib/billing/admin/customers';
import { UserFacingError } from '@/lib/errors';

export const metadata: Metadata = { title: 'Customers' };

type SearchParams = Record<string, string | string[] | undefined>;
const PAGER_LINK = 'inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-4 text-sm font-medium hover:bg-stone-50';

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
  const q = typeof params.q === 'string' ? params.q.trim() : '';
  const paged = typeof params.cursor === 'string' && params.cursor !== '';
  const link = (cursor?: string) => {
    const search = new URLSearchParams({ ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) }).toString();
    return search ? `/admin/customers?${search}` : '/admin/customers';
  };

  let result: Awaited<ReturnType<typeof listCustomers>> | null = null;
  let refused: UserFacingError | null = null;
  try {
    result = await listCustomers(db, parseCustomerQuery(params));
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
    refused = error;
  }

  return (
    <>
      <PageHeader title="Customers" description="Every account, newest first. Open one for their orders, payments, subscriptions, invoices and emails." />
      <Card>
        <form method="get" action="/admin/customers" aria-label="Find a customer" className="flex flex-wrap items-end gap-2">
          <label className="flex min-w-0 flex-1 flex-col gap-1 text-sm">
            <span className="font-medium">Email</span>
            <input name="q" type="search" defaultValue={q} placeholder="The whole address" className="min-h-11 rounded-lg border border-stone-300 px-3 text-base sm:text-sm" />
          </label>
          <Button type="submit" variant="secondary">
            Find
          </Button>
        </form>
      </Card>
      <Card className="mt-6">
        {refused ? (
          <Alert>
            {refused.message}{' '}
            <Link href="/admin/customers" className="underline">
              Start again
            </Link>
          </Alert>
        ) : result ? (
          <>
            <DataTable
              label="Customers"
              testId="customers-table"
              rows={result.rows}
              rowKey={(row) => row.userId}
              rowTestId={(row) => `customer-row-${row.email}`}
              empty={q ? `Nobody has an account with ${q}.` : 'No accounts yet.'}
              columns={COLUMNS}
            />
            {paged || result.nextCursor ? (
              <nav aria-label="Pages" className="mt-4 flex flex-wrap gap-2">
                {paged ? (
                  <Link href={link()} className={PAGER_LINK}>
                    Newest
                  </Link>
                ) : null}
                {result.nextCursor ? (
                  <Link href={link(result.nextCursor)} className={PAGER_LINK} rel="next">
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
