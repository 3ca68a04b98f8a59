import type { Metadata } from 'next';
import Link from 'next/link';
import { Pager } from '@/components/admin/console-list';
import { TransactionFiltersForm } from '@/components/admin/transaction-filters';
import { TransactionsTable } from '@/components/admin/transactions-table';
import { Alert } from '@/components/ui/alert';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { listHref } from '@/lib/billing/admin/query';
import { listTransactions, parseTransactionSearch, transactionFilters, type TransactionPage } from '@/lib/billing/admin/transactions';
import { UserFacingError } from '@/lib/errors';

export const metadata: Metadata = { title: 'Transactions' };

type SearchParams = Record<string, string | string[] | undefined>;

const EXPORT_LINK = 'inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-4 text-sm font-medium hover:bg-stone-50';

export default async function TransactionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireStaffForPage('/admin/transactions');
  const params = await searchParams;
  const filters = transactionFilters(params);
  const limit = typeof params.limit === 'string' && params.limit !== '' ? params.limit : undefined;
  const paged = typeof params.cursor === 'string' && params.cursor !== '';

  let page: TransactionPage | null = null;
  let refused: UserFacingError | null = null;
  try {
    page = await listTransactions(db, parseTransactionSearch(params));
  } catch (error) {
    // A hand-edited or stale URL is a message beside the form, not a 500.
    if (!(error instanceof UserFacingError)) throw error;
    refused = error;
  }
  const filtered = Object.keys(filters).length > 0;

  return (
    <>
      <PageHeader title="Transactions" description="Payments from every provider, newest first. Amounts are in each payment’s own currency.">
        {page ? (
          <a href={listHref('/api/admin/transactions/export', filters)} download className={EXPORT_LINK} data-testid="transactions-export">
            Download CSV
          </a>
        ) : null}
      </PageHeader>
      <Card>
        <TransactionFiltersForm filters={filters} invalidField={refused?.field} />
      </Card>
      <Card className="mt-6" title={filtered ? 'Matching payments' : 'All payments'}>
        {refused ? (
          <Alert>
            {refused.message}{' '}
            <Link href={refused.code === 'invalid_cursor' ? listHref('/admin/transactions', filters) : '/admin/transactions'} className="underline">
              {refused.code === 'invalid_cursor' ? 'Back to the newest' : 'Clear the filters'}
            </Link>
          </Alert>
        ) : page ? (
          <>
            <TransactionsTable rows={page.rows} empty={filtered ? 'No payment matches these filters.' : 'No payments yet.'} />
            <Pager path="/admin/transactions" filters={{ ...filters, limit }} paged={paged} nextCursor={page.nextCursor} />
          </>
        ) : null}
      </Card>
    </>
  );
}
