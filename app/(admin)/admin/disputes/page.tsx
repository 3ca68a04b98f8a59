import type { Metadata } from 'next';
import { connection } from 'next/server';
import { DisputesTable } from '@/components/admin/disputes-table';
import { statusLabel } from '@/components/admin/statuses';
import { FilterForm, Pager, parseOrRefuse } from '@/components/admin/console-list';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { disputeStatus, paymentProvider } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { disputesAwaitingResponse, listDisputes, parseDisputeQuery } from '@/lib/billing/admin/disputes';
import type { SearchParams } from '@/lib/billing/admin/query';
import { PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Disputes' };

export default async function DisputesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireStaffForPage('/admin/disputes');
  await connection();
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseDisputeQuery(params), parseDisputeQuery({}));
  const now = new Date();
  const [waiting, page] = await Promise.all([disputesAwaitingResponse(db), listDisputes(db, query)]);
  const filters = { status: query.status, provider: query.provider };
  return (
    <>
      <PageHeader title="Disputes" description="Chargebacks and PayPal cases from every provider. Answer before the deadline, or the bank decides without you." />
      <Card title="Waiting for a response" description="Soonest deadline first. Red is overdue; amber is due within 48 hours.">
        <DisputesTable rows={waiting} now={now} label="Waiting for a response" empty="No dispute is waiting for a response." />
      </Card>
      <Card title="All disputes" className="mt-6">
        <FilterForm
          label="Filter disputes"
          resetHref="/admin/disputes"
          fields={[
            { kind: 'select', name: 'status', label: 'Status', value: query.status, options: disputeStatus.enumValues.map((status) => ({ value: status, label: statusLabel('dispute', status) })) },
            { kind: 'select', name: 'provider', label: 'Provider', value: query.provider, options: paymentProvider.enumValues.map((provider) => ({ value: provider, label: PROVIDER_LABELS[provider] })) },
          ]}
        />
        {refusal ? <div className="mb-4">{refusal}</div> : null}
        <DisputesTable rows={page.rows} now={now} label="All disputes" empty="No disputes match." />
        <Pager path="/admin/disputes" filters={filters} paged={query.cursor !== undefined} nextCursor={page.nextCursor} />
      </Card>
    </>
  );
}
