import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { acceptDisputeAction } from '@/app/(admin)/admin/disputes/[id]/actions';
import { AcceptDispute } from '@/components/admin/accept-dispute';
import { DisputeEvidenceForm } from '@/components/admin/dispute-evidence-form';
import { disputeReason } from '@/components/admin/disputes-table';
import { EvidenceDeadlineBadge } from '@/components/admin/evidence-deadline';
import { Status } from '@/components/admin/statuses';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { disputeDetail, evidenceDeadline } from '@/lib/billing/admin/disputes';
import { EVIDENCE_DOCUMENT_LABELS, MAX_EXPLANATION_LENGTH, RESPONDABLE } from '@/lib/billing/disputes';
import { formatMoney } from '@/lib/money';
import { EVIDENCE_DOCUMENT_KINDS, PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Dispute' };

const ACTIONS: Record<string, string> = { 'dispute.evidence_submitted': 'Evidence submitted', 'dispute.accepted': 'Dispute accepted' };

const DOCUMENTS = EVIDENCE_DOCUMENT_KINDS.map((kind) => ({ kind, label: EVIDENCE_DOCUMENT_LABELS[kind] }));

export default async function DisputePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const staff = await requireStaffForPage(`/admin/disputes/${id}`);
  await connection();
  const dispute = await disputeDetail(db, id);
  if (!dispute) notFound();
  const now = new Date();
  const respondable = RESPONDABLE.includes(dispute.status);
  const responds = respondable && can(staff, 'disputes.respond');
  // A fresh id each time the page is rendered: one submission per form shown.
  const requestId = crypto.randomUUID();
  return (
    <>
      <PageHeader title={`Dispute of ${formatMoney(dispute.amount)}`} description={`${disputeReason(dispute.reason)} · ${PROVIDER_LABELS[dispute.provider]} ${dispute.providerDisputeId}`}>
        <div className="flex flex-wrap items-center gap-2">
          <Status kind="dispute" status={dispute.status} />
          <EvidenceDeadlineBadge deadline={evidenceDeadline(dispute, now)} dueBy={dispute.evidenceDueBy} />
        </div>
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="space-y-6 lg:col-span-2">
          {responds ? (
            <>
              <Card title="Contest it" description="Everything goes in one submission: the provider passes it to the bank, and it cannot be changed after.">
                <DisputeEvidenceForm disputeId={dispute.id} requestId={requestId} documents={DOCUMENTS} maxExplanation={MAX_EXPLANATION_LENGTH} />
              </Card>
              <Card title="Or accept it" description="When the buyer is right, accepting ends the dispute now instead of waiting for the bank.">
                <AcceptDispute disputeId={dispute.id} requestId={requestId} action={acceptDisputeAction} />
              </Card>
            </>
          ) : respondable ? (
            <Card title="Waiting for a response" description="An admin can submit evidence or accept it; support can only read it." />
          ) : null}
          <Card title="History">
            {dispute.actions.length === 0 ? (
              <p className="text-sm text-stone-500">No admin has acted on this dispute.</p>
            ) : (
              <ol className="space-y-3 text-sm" data-testid="dispute-history">
                {dispute.actions.map((entry) => (
                  <li key={entry.id}>
                    <span className="font-medium">{ACTIONS[entry.action] ?? entry.action}</span>
                    {` by ${entry.actorEmail ?? 'the system'} · `}
                    <time dateTime={entry.createdAt.toISOString()}>{entry.createdAt.toLocaleString('en-US', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'short' })} UTC</time>
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
        <Card title="Payment">
          <dl className="space-y-2 text-sm">
            <div>
              <dt className="text-stone-500">Disputed</dt>
              <dd>{formatMoney(dispute.amount)}</dd>
            </div>
            <div>
              <dt className="text-stone-500">Captured</dt>
              <dd>{formatMoney(dispute.paymentAmountCaptured)}</dd>
            </div>
            <div>
              <dt className="text-stone-500">Customer</dt>
              <dd>{dispute.customerEmail ?? '—'}</dd>
            </div>
            <div>
              <dt className="text-stone-500">Order</dt>
              <dd>{dispute.orderNumber ?? '—'}</dd>
            </div>
            <div>
              <dt className="text-stone-500">Provider payment</dt>
              <dd className="break-all">{dispute.providerPaymentId}</dd>
            </div>
          </dl>
          <Link href={`/admin/transactions/${dispute.paymentId}`} className="mt-4 inline-flex min-h-11 items-center text-sm font-medium text-brand-600 hover:underline">
            Open the payment
          </Link>
        </Card>
      </div>
    </>
  );
}
