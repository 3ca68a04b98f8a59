import type { Metadata } from 'next';
import Link from 'next/link';
import { TransactionsTable } from '@/components/admin/transactions-table';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { listTransactions } from '@/lib/billing/admin/transactions';

export const metadata: Metadata = { title: 'Admin' };

export default async function ConsoleOverviewPage() {
  await requireStaffForPage('/admin');
  const latest = await listTransactions(db, { limit: 10 });
  return (
    <>
      <PageHeader title="Overview" description="Every transaction, customer, subscription and webhook event, as they arrive." />
      <Card
        title="Latest payments"
        description={
          <Link href="/admin/transactions" className="underline">
            All transactions
          </Link>
        }
      >
        <TransactionsTable rows={latest.rows} label="Latest payments" />
      </Card>
    </>
  );
}
