import type { Metadata } from 'next';
import Link from 'next/link';
import { FilterForm, JsonBlock, Pager, parseOrRefuse, Time } from '@/components/admin/console-list';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { AuditQuery, listAuditLog, parseAuditQuery, subjectHref, type AuditRow } from '@/lib/billing/admin/audit';

export const metadata: Metadata = { title: 'Audit log' };

function Subject({ row }: { row: AuditRow }) {
  const href = subjectHref(row);
  const text = row.subjectEmail ?? row.subjectId;
  return (
    <span className="text-xs">
      <span className="text-stone-500">{row.subjectType} </span>
      {href ? (
        <Link href={href} prefetch={false} className="font-mono break-all underline">
          {text}
        </Link>
      ) : (
        <span className="font-mono break-all">{text}</span>
      )}
    </span>
  );
}

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireStaffForPage('/admin/audit');
  const params = await searchParams;
  const { query, refusal } = parseOrRefuse(() => parseAuditQuery(params), AuditQuery.parse({}));
  const page = await listAuditLog(db, query);
  const filters = { action: query.action, actor: query.actor, subjectType: query.subjectType, subjectId: query.subjectId, from: query.from, to: query.to };
  const columns: Column<AuditRow>[] = [
    { key: 'time', header: 'When', cell: (row) => <Time date={row.createdAt} /> },
    { key: 'action', header: 'Action', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (row) => <span className="font-mono text-xs">{row.action}</span> },
    { key: 'actor', header: 'By', cell: (row) => <span className="break-all">{row.actorEmail ?? (row.actorKind === 'cli' ? 'Command line' : row.actorKind === 'system' ? 'System' : 'A deleted user')}</span> },
    { key: 'subject', header: 'Subject', cell: (row) => <Subject row={row} /> },
    { key: 'data', header: 'Before and after', className: 'max-sm:w-full sm:min-w-64', cell: (row) => <JsonBlock value={JSON.stringify(row.data, null, 2)} /> },
  ];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every action taken in the console, the command line and by the system on its behalf: who, when, on what, and what changed. Append-only: the database refuses to change or delete an entry."
      />
      <FilterForm
        label="Filter the audit log"
        resetHref="/admin/audit"
        fields={[
          { kind: 'text', name: 'action', label: 'Action', value: query.action, placeholder: 'webhook_event.reprocessed' },
          { kind: 'text', name: 'actor', label: 'By (email, cli or system)', value: query.actor },
          { kind: 'text', name: 'subjectType', label: 'Subject type', value: query.subjectType, placeholder: 'payment' },
          { kind: 'text', name: 'subjectId', label: 'Subject id', value: query.subjectId },
          { kind: 'date', name: 'from', label: 'From', value: query.from },
          { kind: 'date', name: 'to', label: 'Until', value: query.to },
        ]}
      />
      {refusal}
      <Card>
        <DataTable label="Audit log" testId="audit-log" rows={page.rows} rowKey={(row) => String(row.id)} rowTestId={(row) => `audit-${row.id}`} empty="No entries match these filters." columns={columns} />
        <Pager path="/admin/audit" filters={filters} paged={query.cursor !== undefined} nextCursor={page.nextCursor} />
      </Card>
    </>
  );
}
