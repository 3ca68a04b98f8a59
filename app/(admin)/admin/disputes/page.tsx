import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { DisputesTable } from '@/components/admin/disputes-table';
import { statusLabel } from '@/components/admin/statuses';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { disputeStatus, paymentProvider } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { disputesAwaitingResponse, listDisputes, parseDisputeQuery, type DisputeQuery } from '@/lib/billing/admin/disputes';
import { UserFacingError } from '@/lib/errors';
import { PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Disputes' };

type SearchParams = Record<string, string | string[] | undefined>;

const selectClass = 'min-h-11 rounded-lg border border-stone-300 bg-white px-2 text-sm';

export default async function DisputesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireStaffForPage('/admin/disputes');
  await connection();
  const params = await searchParams;
  let query: DisputeQuery = { limit: 50 };
  let refusal: string | null = null;
  try {
    query = parseDisputeQuery(params);
  } catch (error) {
    if (!(error instanceof UserFacingError)) throw error;
    refusal = error.message;
  }
  const now = new Date();
  const [waiting, page] = await Promise.all([disputesAwaitingResponse(db), listDisputes(db, query)]);
  const older = new URLSearchParams(Object.entries({ status: query.status, provider: query.provider, cursor: page.nextCursor }).flatMap(([key, value]) => (value ? [[key, value]] : [])));
  return (
    <>
      <PageHeader title="Disputes" description="Chargebacks and PayPal cases from every provider. Answer before the deadline, or the bank decides without you." />
      <Card title="Waiting for a response" description="Soonest deadline first. Red is overdue; amber is due within 48 hours.">
        <DisputesTable rows={waiting} now={now} label="Waiting for a response" empty="No dispute is waiting for a response." />
      </Card>
      <Card title="All disputes" className="mt-6">
        <form method="get" className="mb-4 flex flex-wrap items-end gap-3">
          <label className="flex flex-col gap-1 text-sm">
            <span className="font-medium">Status</span>
            <select name="status" defaultValue={query.status ?? ''} className={selectClass}>
              <option value="">Any</option>
              {disputeStatus.enumValues.map((status) => (
                <option key={status} value={status}>
                  {statusLabel('dispute', status)}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            <span className="font-medium">Provider</span>
            <select name="provider" defaultValue={query.provider ?? ''} className={selectClass}>
              <option value="">Any</option>
              {paymentProvider.enumValues.map((provider) => (
                <option key={provider} value={provider}>
                  {PROVIDER_LABELS[provider]}
                </option>
              ))}
            </select>
          </label>
          <Button type="submit" variant="secondary">
            Filter
          </Button>
        </form>
        {refusal ? (
          <div className="mb-4">
            <Alert>{refusal}</Alert>
          </div>
        ) : null}
        <DisputesTable rows={page.rows} now={now} label="All disputes" empty="No disputes match." />
        <nav aria-label="Pages" className="mt-4 flex gap-4 text-sm">
          {query.cursor ? (
            <Link href="/admin/disputes" className="inline-flex min-h-11 items-center font-medium text-brand-600 hover:underline">
              Newest
            </Link>
          ) : null}
          {page.nextCursor ? (
            <Link href={`/admin/disputes?${older.toString()}`} className="inline-flex min-h-11 items-center font-medium text-brand-600 hover:underline">
              Older
            </Link>
          ) : null}
        </nav>
      </Card>
    </>
  );
}
