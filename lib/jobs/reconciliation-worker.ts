import type { Database } from '@/db/client';
import { reconcileProvider, reconciliationWindow, type ReconciliationReport } from '@/lib/billing/reconciliation';
import { log } from '@/lib/log';
import type { PaymentRegistry } from '@/lib/payments';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';
import type { ReconciliationJob } from './queues';

/**
 * One reconciliation job: the named provider (an admin's "Run now"), or every provider that can
 * list what it holds (the daily cron). A provider that cannot list yet (PayPal) is skipped with a
 * note, not failed. A provider's failure does not stop the others; the job fails after them all,
 * so pg-boss records it.
 */
export async function processReconciliation(deps: { db: Database; payments: PaymentRegistry }, job: ReconciliationJob, now = new Date()): Promise<ReconciliationReport[]> {
  const requestedBy = job.requestedBy ?? 'schedule';
  const window = reconciliationWindow(now, job.requestedBy ? 'admin' : 'schedule');
  const providers = job.provider ? [deps.payments.get(job.provider)] : deps.payments.all();
  const reports: ReconciliationReport[] = [];
  let failure: unknown = null;
  for (const provider of providers) {
    if (!provider.reconciliation) {
      log.info({ provider: provider.name }, 'reconciliation skipped: Billfold cannot reconcile this provider yet');
      continue;
    }
    try {
      const report = await reconcileProvider({ db: deps.db, provider }, { window, requestedBy });
      reports.push(report);
      log.info({ ...report, window }, 'reconciliation run finished');
    } catch (error) {
      // The provider down for the whole run: tomorrow's run (or an admin's) covers the same days.
      // Anything else is a bug an operator must look at: drift goes unseen until a run succeeds.
      if (error instanceof PaymentProviderUnavailableError) log.warn({ err: error, provider: provider.name }, 'reconciliation run failed: the provider is unavailable');
      else log.error({ err: error, provider: provider.name }, 'reconciliation run failed');
      failure ??= error;
    }
  }
  if (failure) throw failure;
  return reports;
}
