import type { Metadata } from 'next';
import Link from 'next/link';
import { TransactionFiltersForm } from '@/components/admin/transaction-filters';
import { TransactionsTable } from '@/components/admin/transactions-table';
import { Alert } from '@/components/ui/alert';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { listTransactions, parseTransactionSearch, transactionFilters, type TransactionFilters, type TransactionPage } from '@/lib/billing/admin/transactions';
import { UserFacingError } from '@/lib/errors';

export const metadata: Metadata = { title: 'Transactions' };

type SearchParams = Record<string, string | string[] | undefined>;

function withParams(path: string, filters: TransactionFilters, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) if (value !== undefined) params.set(key, value);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

const PAGER_LINK = 'inline-flex min-h-11 items-center rounded-lg border border-stone-300 bg-white px-4 text-sm font-medium hover:bg-stone-50';

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
          <a href={withParams('/api/admin/transactions/export', filters)} download className={PAGER_LINK} data-testid="transactions-export">
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
            <Link href={refused.code === 'invalid_cursor' ? withParams('/admin/transactions', filters) : '/admin/transactions'} className="underline">
              {refused.code === 'invalid_cursor' ? 'Back to the newest' : 'Clear the filters'}
            </Link>
          </Alert>
        ) : page ? (
          <>
            <TransactionsTable rows={page.rows} empty={filtered ? 'No payment matches these filters.' : 'No payments yet.'} />
            {paged || page.nextCursor ? (
              <nav aria-label="Pages" className="mt-4 flex flex-wrap gap-2">
                {paged ? (
                  <Link href={withParams('/admin/transactions', filters, { limit })} className={PAGER_LINK}>
                    Newest
                  </Link>
                ) : null}
                {page.nextCursor ? (
                  <Link href={withParams('/admin/transactions', filters, { limit, cursor: page.nextCursor })} className={PAGER_LINK} rel="next">
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
