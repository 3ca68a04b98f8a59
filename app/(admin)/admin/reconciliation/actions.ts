'use server';

import { revalidatePath } from 'next/cache';
import { db } from '@/db/client';
import { consoleAction } from '@/lib/auth/actions';
import { requestReconciliation, RunReconciliationInput } from '@/lib/billing/admin/reconciliation';
import { paymentRegistry } from '@/lib/payments';
import { PROVIDER_LABELS } from '@/lib/payments/types';

export const runReconciliationNow = consoleAction('reconciliation.run', RunReconciliationInput, async (input, staff) => {
  const result = await requestReconciliation(db, paymentRegistry(), staff, input);
  revalidatePath('/admin/reconciliation');
  const label = PROVIDER_LABELS[input.provider];
  return {
    message: result.outcome === 'queued' ? `Queued: the worker reconciles ${label} in a moment; reload to see the run.` : `A ${label} run is already waiting; it will compare everything.`,
  };
});
