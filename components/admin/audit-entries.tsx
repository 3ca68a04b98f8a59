import { DataTable } from '@/components/ui/data-table';
import type { AuditEntry } from '@/lib/billing/admin/audit';
import { JsonBlock, Time } from './console-list';

/** The audit log's entries about one subject (an event, an email), oldest first. */
export function AuditEntries({ entries, empty }: { entries: readonly AuditEntry[]; empty: string }) {
  return (
    <DataTable
      label="Console actions"
      testId="audit-entries"
      rows={entries}
      rowKey={(entry) => String(entry.id)}
      empty={empty}
      columns={[
        { key: 'time', header: 'When', cell: (entry) => <Time date={entry.createdAt} /> },
        { key: 'action', header: 'Action', cell: (entry) => <span className="font-mono text-xs">{entry.action}</span> },
        { key: 'actor', header: 'By', cell: (entry) => entry.actorEmail ?? entry.actorKind },
        { key: 'data', header: 'Details', className: 'max-sm:w-full', cell: (entry) => <JsonBlock value={JSON.stringify(entry.data, null, 2)} /> },
      ]}
    />
  );
}
