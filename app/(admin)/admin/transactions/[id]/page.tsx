import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { approveRefundRequest, refundPayment, rejectRefundRequest, withdrawRefundRequest } from '@/app/(admin)/admin/transactions/[id]/actions';
import { RefundDecision } from '@/components/admin/refund-decision';
import { RefundForm } from '@/components/admin/refund-form';
import { Status } from '@/components/admin/statuses';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { paymentDetail, type PaymentDetail, type TimelineEntry } from '@/lib/billing/admin/payment-detail';
import type { RefundRequestView } from '@/lib/billing/admin/payment-detail';
import { env } from '@/lib/env';
import { formatMoney, money, toDecimalString, type Money } from '@/lib/money';
import { paymentRegistry } from '@/lib/payments';
import { cardLabel, PROVIDER_LABELS } from '@/lib/payments/types';

export const metadata: Metadata = { title: 'Payment' };

const REASON_LABELS: Record<string, string> = { requested_by_customer: 'Requested by the customer', duplicate: 'Duplicate', fraudulent: 'Fraudulent' };

function when(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

function Amount({ label, value, testId }: { label: string; value: Money; testId: string }) {
  return (
    <div>
      <dt className="text-stone-500">{label}</dt>
      <dd className="font-medium tabular-nums" data-testid={testId}>
        {formatMoney(value)}
      </dd>
    </div>
  );
}

/** What one timeline entry says, in a line. */
function describe(entry: TimelineEntry) {
  switch (entry.kind) {
    case 'created':
      return { what: `Payment of ${formatMoney(entry.amount)} created`, status: null, detail: null };
    case 'webhook':
      return {
        what: `Provider event ${entry.type}`,
        status: <Status kind="webhookEvent" status={entry.status} />,
        detail: `${entry.eventId} · ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}${entry.lastError ? ` · ${entry.lastError}` : ''}`,
      };
    case 'refund':
      return {
        what: `Refund of ${formatMoney(entry.amount)}`,
        status: <Status kind="refund" status={entry.status} />,
        detail: [entry.providerRefundId, entry.reason && (REASON_LABELS[entry.reason] ?? entry.reason), entry.requestedBy && `by ${entry.requestedBy}`].filter(Boolean).join(' · '),
      };
    case 'dispute':
      return {
        what: `Dispute of ${formatMoney(entry.amount)}`,
        status: <Status kind="dispute" status={entry.status} />,
        detail: [entry.providerDisputeId, entry.reason, entry.evidenceDueBy && `evidence due ${when(entry.evidenceDueBy)}`].filter(Boolean).join(' · '),
      };
    case 'admin':
      return { what: entry.action, status: null, detail: entry.actor ?? entry.actorKind };
  }
}

const TIMELINE: Column<TimelineEntry>[] = [
  { key: 'at', header: 'When', cell: (entry) => <time dateTime={entry.at.toISOString()}>{when(entry.at)}</time> },
  { key: 'what', header: 'What', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (entry) => describe(entry).what },
  { key: 'status', header: 'Status', cell: (entry) => describe(entry).status ?? '—' },
  { key: 'detail', header: 'Details', cell: (entry) => <span className="break-all text-stone-600">{describe(entry).detail || '—'}</span> },
];

function requestColumns(detail: PaymentDetail, staffId: string, decides: boolean): Column<RefundRequestView>[] {
  return [
    { key: 'amount', header: 'Amount', align: 'right', cell: (request) => formatMoney(money(request.amount, request.currency)) },
    { key: 'status', header: 'Status', cell: (request) => <Status kind="refundRequest" status={request.status} /> },
    { key: 'reason', header: 'Reason', cell: (request) => REASON_LABELS[request.reason] ?? request.reason },
    { key: 'by', header: 'Asked by', cell: (request) => request.requesterEmail ?? '—' },
    { key: 'decided', header: 'Decided by', cell: (request) => request.deciderEmail ?? '—' },
    { key: 'note', header: 'Note', cell: (request) => request.note ?? request.lastError ?? '—' },
    {
      key: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'right',
      cell: (request) => {
        if (request.status !== 'awaiting_approval' || !decides) return null;
        return (
          <RefundDecision
            paymentId={detail.id}
            refundRequestId={request.id}
            mine={request.requestedBy === staffId}
            approve={approveRefundRequest}
            reject={rejectRefundRequest}
            withdraw={withdrawRefundRequest}
          />
        );
      },
    },
  ];
}

export default async function PaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const staff = await requireStaffForPage(`/admin/transactions/${encodeURIComponent(id)}`);
  const config = env();
  const registry = paymentRegistry();
  const detail = await paymentDetail(db, id, {
    mode: config.paymentsMode,
    sandboxUrl: config.sandboxUrl,
    capturesOnServer: (name) => registry.all().some((provider) => provider.name === name && provider.capturesApprovedPayments),
  });
  if (!detail) notFound();
  const refunds = can(staff, 'payments.refund');
  const { amounts } = detail;
  const threshold = config.refunds.approvalAbove.get(detail.amount.currency);

  return (
    <>
      <PageHeader title={`${formatMoney(detail.amount)} · ${PROVIDER_LABELS[detail.provider]}`} description={<span className="break-all">Payment {detail.id}</span>}>
        <Status kind="payment" status={detail.status} />
      </PageHeader>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Amounts">
          <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-3">
            <Amount label="Captured" value={amounts.captured} testId="amount-captured" />
            <Amount label="Refunded" value={amounts.refunded} testId="amount-refunded" />
            <Amount label="Refund pending" value={amounts.pending} testId="amount-pending" />
            <Amount label="Awaiting approval" value={amounts.awaitingApproval} testId="amount-awaiting" />
            <Amount label="Disputed" value={amounts.disputed} testId="amount-disputed" />
            <Amount label="Left to refund" value={amounts.remaining} testId="amount-remaining" />
          </dl>
          {detail.failureCode ? (
            <p className="mt-4 text-sm text-red-700">
              {detail.failureCode}
              {detail.failureMessage ? `: ${detail.failureMessage}` : ''}
            </p>
          ) : null}
        </Card>
        <Card title="Customer and order">
          <p className="mb-2 text-sm text-stone-600">
            Paid with{' '}
            <span className="font-medium text-stone-900" data-testid="payment-card">
              {detail.card ? cardLabel(detail.card) : amounts.captured.amount > 0 ? `a ${PROVIDER_LABELS[detail.provider]} account` : 'no card yet'}
            </span>
          </p>
          {detail.customer ? (
            <p className="text-sm">
              {detail.customer.customerId ? (
                <Link href={`/admin/customers/${detail.customer.customerId}`} prefetch={false} className="font-medium underline" data-testid="payment-customer">
                  {detail.customer.email}
                </Link>
              ) : (
                <span className="font-medium" data-testid="payment-customer">
                  {detail.customer.email}
                </span>
              )}
            </p>
          ) : (
            <p className="text-sm text-stone-500">No order: the provider reported this payment and no checkout of ours made it.</p>
          )}
          {detail.order ? (
            <div className="mt-4 space-y-2 text-sm">
              <p className="flex flex-wrap items-center gap-2">
                Order #{detail.order.number} · {formatMoney(detail.order.total)} <Status kind="order" status={detail.order.status} />
              </p>
              <DataTable
                label="Order lines"
                rows={detail.order.lines}
                rowKey={(line) => line.id}
                empty="No lines."
                columns={[
                  { key: 'description', header: 'Item', unlabelled: true, cell: (line) => line.description },
                  { key: 'quantity', header: 'Qty', align: 'right', cell: (line) => line.quantity },
                  { key: 'unit', header: 'Unit', align: 'right', cell: (line) => formatMoney(line.unitAmount) },
                  { key: 'total', header: 'Total', align: 'right', cell: (line) => formatMoney(line.amountTotal) },
                ]}
              />
            </div>
          ) : null}
        </Card>
      </div>

      {refunds ? (
        <Card title="Refund" className="mt-6">
          {amounts.remaining.amount > 0 ? (
            <RefundForm
              action={refundPayment}
              config={{
                paymentId: detail.id,
                currency: detail.amount.currency,
                // Made when the form renders: submitting this form twice is one refund.
                requestId: crypto.randomUUID(),
                remaining: { formatted: formatMoney(amounts.remaining), decimal: toDecimalString(amounts.remaining) },
                approvalAbove: threshold === undefined ? null : formatMoney(money(threshold, detail.amount.currency)),
              }}
            />
          ) : (
            <p className="text-sm text-stone-600" data-testid="refund-remaining">
              Nothing is left to refund.
            </p>
          )}
        </Card>
      ) : null}

      {detail.refundRequests.length > 0 ? (
        <Card title="Refund requests" className="mt-6">
          <DataTable
            label="Refund requests"
            testId="refund-requests"
            rows={detail.refundRequests}
            rowKey={(request) => request.id}
            rowTestId={(request) => `refund-request-${request.status}`}
            empty="None."
            columns={requestColumns(detail, staff.id, refunds)}
          />
        </Card>
      ) : null}

      <Card title="Timeline" description="Newest first: the provider's events as Billfold processed them, refunds, disputes and what admins did." className="mt-6">
        <DataTable label="Timeline" testId="payment-timeline" rows={detail.timeline} rowKey={(entry) => entry.key} rowTestId={(entry) => `timeline-${entry.kind}`} empty="Nothing yet." columns={TIMELINE} />
      </Card>

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <Card title={`At ${PROVIDER_LABELS[detail.provider]}`}>
          <ul className="space-y-1 text-sm">
            {detail.links.map((link) => (
              <li key={`${link.label}:${link.id}`} className="break-all">
                {link.label}:{' '}
                {link.url ? (
                  <a href={link.url} target="_blank" rel="noreferrer" className="font-mono underline">
                    {link.id}
                  </a>
                ) : (
                  <span className="font-mono">{link.id}</span>
                )}
              </li>
            ))}
          </ul>
        </Card>
        <Card title="Idempotency keys" description="What Billfold sent the provider with each change, so a retry is never a second charge or refund.">
          {detail.idempotencyKeys.length > 0 ? (
            <ul className="space-y-1 text-sm" data-testid="idempotency-keys">
              {detail.idempotencyKeys.map((each) => (
                <li key={each.key} className="break-all">
                  <span className="text-stone-500">{each.purpose}:</span> <code>{each.key}</code>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-stone-500">None recorded.</p>
          )}
        </Card>
      </div>
    </>
  );
}
