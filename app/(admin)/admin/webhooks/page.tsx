import type { Metadata } from 'next';
import Link from 'next/link';
import { ConsoleActionButton } from '@/components/admin/console-action-button';
import { FilterForm, Pager, parseOrRefuse, Time } from '@/components/admin/console-list';
import { Status, statusLabel } from '@/components/admin/statuses';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { paymentProvider, webhookEventStatus } from '@/db/schema';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { PROVIDER_LABELS } from '@/lib/payments/types';
import { deadEventsByType, listWebhookEvents, parseWebhookEventQuery, WebhookEventQuery, type DeadEventType, type WebhookEventRow } from '@/lib/billing/admin/webhook-events';
import { reprocessDeadOfType, reprocessEvent } from './actions';

export const metadata: Metadata = { title: 'Webhook events' };

export default async function WebhookEventsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const staff = await requireStaffForPage('/admin/webhooks');
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseWebhookEventQuery(params), WebhookEventQuery.parse({}));
  const [page, deadTypes] = await Promise.all([listWebhookEvents(db, query), deadEventsByType(db)]);
  const reprocesses = can(staff, 'webhooks.reprocess');
  const filters = { status: query.status, provider: query.provider, type: query.type, from: query.from, to: query.to };

  const columns: Column<WebhookEventRow>[] = [
    {
      key: 'type',
      header: 'Type',
      unlabelled: true,
      className: 'max-sm:w-full max-sm:font-medium',
      cell: (event) => (
        // No prefetch: a page of fifty would fetch fifty event pages nobody opened.
        <Link href={`/admin/webhooks/${event.id}`} prefetch={false} className="font-mono text-xs underline">
          {event.type}
        </Link>
      ),
    },
    { key: 'provider', header: 'Provider', cell: (event) => PROVIDER_LABELS[event.provider] },
    { key: 'received', header: 'Received', cell: (event) => <Time date={event.receivedAt} /> },
    { key: 'status', header: 'Status', cell: (event) => <Status kind="webhookEvent" status={event.status} /> },
    { key: 'attempts', header: 'Attempts', align: 'right', cell: (event) => event.attempts },
    {
      key: 'error',
      header: 'Last error',
      className: 'max-w-xs',
      cell: (event) => (event.lastError ? <span className="line-clamp-2 text-xs break-all text-red-700">{event.lastError}</span> : '—'),
    },
    {
      key: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'right',
      cell: (event) =>
        reprocesses && (event.status === 'failed' || event.status === 'dead') ? (
          <ConsoleActionButton action={reprocessEvent} fields={{ id: event.id }} label="Re-process" pendingLabel="Queuing…" />
        ) : null,
    },
  ];
  const deadColumns: Column<DeadEventType>[] = [
    { key: 'type', header: 'Type', unlabelled: true, cell: (group) => <span className="font-mono text-xs">{group.type}</span> },
    { key: 'provider', header: 'Provider', cell: (group) => PROVIDER_LABELS[group.provider] },
    {
      key: 'count',
      header: 'Dead',
      align: 'right',
      cell: (group) => <Link href={`/admin/webhooks?${new URLSearchParams({ status: 'dead', provider: group.provider, type: group.type }).toString()}`} className="underline">{group.count}</Link>,
    },
    {
      key: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'right',
      cell: (group) =>
        reprocesses ? (
          <ConsoleActionButton action={reprocessDeadOfType} fields={{ provider: group.provider, type: group.type }} label="Re-process all" pendingLabel="Queuing…" />
        ) : null,
    },
  ];

  return (
    <>
      <PageHeader
        title="Webhook events"
        description="Every event a provider sent that verified and was stored, and what became of it. A failed event is retried with backoff; after the last try it is dead until someone re-processes it."
      />
      {deadTypes.length > 0 ? (
        <Card title="Dead events by type" description="Fixed what made them fail? Re-process every dead event of a type at once." className="mb-6">
          <DataTable label="Dead events by type" testId="dead-event-types" rows={deadTypes} rowKey={(group) => `${group.provider}:${group.type}`} rowTestId={(group) => `dead-type-${group.type}`} empty="" columns={deadColumns} />
        </Card>
      ) : null}
      <FilterForm
        label="Filter webhook events"
        resetHref="/admin/webhooks"
        fields={[
          { kind: 'select', name: 'status', label: 'Status', value: query.status, options: webhookEventStatus.enumValues.map((status) => ({ value: status, label: statusLabel('webhookEvent', status) })) },
          { kind: 'select', name: 'provider', label: 'Provider', value: query.provider, options: paymentProvider.enumValues.map((provider) => ({ value: provider, label: PROVIDER_LABELS[provider] })) },
          { kind: 'text', name: 'type', label: 'Type', value: query.type, placeholder: 'charge.refunded' },
          { kind: 'date', name: 'from', label: 'Received from', value: query.from },
          { kind: 'date', name: 'to', label: 'Received until', value: query.to },
        ]}
      />
      {refusal}
      <Card>
        <DataTable
          label="Webhook events"
          testId="webhook-events"
          rows={page.rows}
          rowKey={(event) => event.id}
          rowTestId={(event) => `webhook-event-${event.eventId}`}
          empty="No events match these filters."
          columns={columns}
        />
        <Pager path="/admin/webhooks" filters={filters} paged={query.cursor !== undefined} nextCursor={page.nextCursor} />
      </Card>
    </>
  );
}
