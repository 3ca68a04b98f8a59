import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { DisputesDue } from '@/components/admin/disputes-due';
import { TransactionsTable } from '@/components/admin/transactions-table';
import { WebhookHealthBanner } from '@/components/admin/webhook-health-banner';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { disputesAwaitingResponse } from '@/lib/billing/admin/disputes';
import { listTransactions } from '@/lib/billing/admin/transactions';

export const metadata: Metadata = { title: 'Admin' };

export default async function ConsoleOverviewPage() {
  await requireStaffForPage('/admin');
  await connection();
  const [waiting, latest] = await Promise.all([disputesAwaitingResponse(db), listTransactions(db, { limit: 10 })]);
  return (
    <>
      <WebhookHealthBanner />
      <PageHeader title="Overview" description="Every transaction, customer, subscription and webhook event, as they arrive." />
      <DisputesDue waiting={waiting} now={new Date()} />
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
