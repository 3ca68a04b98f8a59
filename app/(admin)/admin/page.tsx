import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { DisputesDue } from '@/components/admin/disputes-due';
import { PaymentOutcomesOverview, SubscriptionsOverview, VolumeByCurrency } from '@/components/admin/revenue-overview';
import { TransactionsTable } from '@/components/admin/transactions-table';
import { WebhookHealthBanner } from '@/components/admin/webhook-health-banner';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { disputesAwaitingResponse } from '@/lib/billing/admin/disputes';
import { dailyVolume, paymentOutcomes, subscriptionFigures, volumeByCurrency } from '@/lib/billing/admin/revenue';
import { listTransactions } from '@/lib/billing/admin/transactions';
import { webhookHealth } from '@/lib/billing/admin/webhook-events';

export const metadata: Metadata = { title: 'Admin' };

export default async function ConsoleOverviewPage() {
  await requireStaffForPage('/admin');
  await connection();
  const now = new Date();
  const [health, waiting, volume, daily, subscriptions, outcomes, latest] = await Promise.all([
    webhookHealth(db),
    disputesAwaitingResponse(db),
    volumeByCurrency(db, now),
    dailyVolume(db, now, 30),
    subscriptionFigures(db, now),
    paymentOutcomes(db, now, 30),
    listTransactions(db, { limit: 10 }),
  ]);
  return (
    <>
      <WebhookHealthBanner health={health} />
      <PageHeader title="Overview" description="Money in and out per currency, recurring revenue, and what needs you now. Days are UTC." />
      <DisputesDue waiting={waiting} now={now} />
      <div className="space-y-6">
        <VolumeByCurrency volume={volume} daily={daily} />
        <div className="grid gap-6 lg:grid-cols-2">
          <SubscriptionsOverview figures={subscriptions} />
          <PaymentOutcomesOverview outcomes={outcomes} />
        </div>
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
      </div>
    </>
  );
}
