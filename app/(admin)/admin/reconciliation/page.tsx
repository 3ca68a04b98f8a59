import type { Metadata } from 'next';
import { ConsoleActionButton } from '@/components/admin/console-action-button';
import { Time } from '@/components/admin/console-list';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can } from '@/lib/auth/roles';
import { findingSide, openReconciliationFindings, recentReconciliationRuns, type ReconciliationFindingRow, type ReconciliationRunRow } from '@/lib/billing/admin/reconciliation';
import { paymentRegistry } from '@/lib/payments';
import { PROVIDER_LABELS } from '@/lib/payments/types';
import { runReconciliationNow } from './actions';

export const metadata: Metadata = { title: 'Reconciliation' };

const KIND_LABELS: Record<ReconciliationFindingRow['kind'], string> = {
  missing_here: 'Missing here',
  missing_there: 'Missing at the provider',
  amount_differs: 'Amount differs',
  status_differs: 'Status differs',
};

export default async function ReconciliationPage() {
  const staff = await requireStaffForPage('/admin/reconciliation');
  const [runs, findings] = await Promise.all([recentReconciliationRuns(db), openReconciliationFindings(db)]);
  const mayRun = can(staff, 'reconciliation.run');
  const listable = paymentRegistry()
    .all()
    .filter((provider) => provider.reconciliation);

  const runColumns: Column<ReconciliationRunRow>[] = [
    { key: 'started', header: 'Started', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (run) => <Time date={run.startedAt} /> },
    { key: 'provider', header: 'Provider', cell: (run) => PROVIDER_LABELS[run.provider] },
    { key: 'status', header: 'Status', cell: (run) => <span data-testid="run-status">{run.status}</span> },
    { key: 'compared', header: 'Compared', align: 'right', cell: (run) => run.objectsCompared },
    { key: 'healed', header: 'Healed', align: 'right', cell: (run) => run.healed },
    { key: 'open', header: 'Open', align: 'right', cell: (run) => run.open },
    { key: 'unreadable', header: 'Not read', align: 'right', cell: (run) => run.unreadable },
    { key: 'by', header: 'Asked by', cell: (run) => (run.requestedBy === 'schedule' ? 'Daily schedule' : 'An admin') },
    { key: 'error', header: 'Error', className: 'max-w-xs', cell: (run) => (run.error ? <span className="line-clamp-2 text-xs break-all text-red-700">{run.error}</span> : '—') },
  ];
  const findingColumns: Column<ReconciliationFindingRow>[] = [
    { key: 'object', header: 'Object', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (finding) => <span className="font-mono text-xs">{finding.providerObjectId}</span> },
    { key: 'type', header: 'Type', cell: (finding) => finding.objectType },
    { key: 'kind', header: 'Finding', cell: (finding) => KIND_LABELS[finding.kind] },
    { key: 'ours', header: 'Ours', cell: (finding) => findingSide(finding, 'ours') },
    { key: 'theirs', header: 'Provider', cell: (finding) => `${PROVIDER_LABELS[finding.provider]}: ${findingSide(finding, 'theirs')}` },
    { key: 'action', header: 'What to do', className: 'max-w-md', cell: (finding) => <span className="text-sm">{finding.action}</span> },
    { key: 'found', header: 'Found', cell: (finding) => <Time date={finding.createdAt} /> },
  ];

  return (
    <>
      <PageHeader
        title="Reconciliation"
        description="Once a day, each provider's payments, refunds, disputes and subscriptions of the last three days are compared with Billfold's. Drift a re-read explains is applied as its lost webhook would have been; what remains is listed here with what to do."
      />
      {mayRun && listable.length > 0 ? (
        <Card title="Run now" className="mb-6">
          <div className="flex flex-wrap gap-4">
            {listable.map((provider) => (
              <ConsoleActionButton key={provider.name} action={runReconciliationNow} fields={{ provider: provider.name }} label={`Reconcile ${PROVIDER_LABELS[provider.name]}`} pendingLabel="Queuing…" />
            ))}
          </div>
        </Card>
      ) : null}
      <Card title="Open findings" className="mb-6">
        <DataTable label="Open findings" testId="reconciliation-findings" rows={findings} rowKey={(finding) => finding.id} rowTestId={(finding) => `finding-${finding.providerObjectId}`} empty="Nothing to look at: the last runs found Billfold and its providers in agreement." columns={findingColumns} />
      </Card>
      <Card title="Recent runs">
        <DataTable label="Recent runs" testId="reconciliation-runs" rows={runs} rowKey={(run) => run.id} rowTestId={(run) => `run-${run.id}`} empty="No run yet: the first runs tonight, or reconcile now." columns={runColumns} />
      </Card>
    </>
  );
}
