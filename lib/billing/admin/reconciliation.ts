import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { auditLog, paymentProvider, reconciliationFindings, reconciliationRuns } from '@/db/schema';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { sendInTransaction } from '@/lib/jobs/boss';
import { RECONCILIATION_QUEUE, type ReconciliationJob } from '@/lib/jobs/queues';
import type { PaymentRegistry } from '@/lib/payments';
import { formatMoney } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';

/** The reconciliation console: the last runs, the findings still open, and running one now. */

export type ReconciliationRunRow = typeof reconciliationRuns.$inferSelect;
export type ReconciliationFindingRow = typeof reconciliationFindings.$inferSelect;

const RUNS_SHOWN = 20;
const FINDINGS_SHOWN = 200;

export async function recentReconciliationRuns(db: Database): Promise<ReconciliationRunRow[]> {
  return db.select().from(reconciliationRuns).orderBy(desc(reconciliationRuns.startedAt)).limit(RUNS_SHOWN);
}

/** Drift an operator must look at, newest first (healed drift is the record, not work to do). */
export async function openReconciliationFindings(db: Database): Promise<ReconciliationFindingRow[]> {
  return db
    .select()
    .from(reconciliationFindings)
    .where(and(eq(reconciliationFindings.healed, false), isNull(reconciliationFindings.resolvedAt)))
    .orderBy(desc(reconciliationFindings.createdAt))
    .limit(FINDINGS_SHOWN);
}

/**
 * One side of a finding as the console shows it: the amount and status, and for a payment the
 * total it refunded, each in its currency's own exponent ("¥500 · succeeded · ¥200 refunded"),
 * so a refund drift reads from both sides' refunded totals. "—" for a side that has no object.
 */
export function findingSide(finding: Pick<ReconciliationFindingRow, 'oursAmount' | 'oursCurrency' | 'oursStatus' | 'oursRefunded' | 'theirsAmount' | 'theirsCurrency' | 'theirsStatus' | 'theirsRefunded'>, which: 'ours' | 'theirs'): string {
  const [amount, currency, status, refunded] =
    which === 'ours' ? [finding.oursAmount, finding.oursCurrency, finding.oursStatus, finding.oursRefunded] : [finding.theirsAmount, finding.theirsCurrency, finding.theirsStatus, finding.theirsRefunded];
  if (status === null) return '—';
  const parts = [amount !== null && currency !== null ? formatMoney({ amount, currency }) : null, status, refunded !== null && currency !== null ? `${formatMoney({ amount: refunded, currency })} refunded` : null];
  return parts.filter((part) => part !== null).join(' · ');
}

export const RunReconciliationInput = z.object({ provider: z.enum(paymentProvider.enumValues, 'Choose a payment provider to reconcile.') });

export type RunRequestOutcome = { outcome: 'queued' } | { outcome: 'waiting' };

/**
 * Queues a run of one provider now, audited as `reconciliation.requested`. The queue keeps one
 * run waiting at most (stately): asked again while one waits, nothing more is queued.
 */
export async function requestReconciliation(db: Database, registry: PaymentRegistry, staff: SessionUser, input: z.input<typeof RunReconciliationInput>): Promise<RunRequestOutcome> {
  assertCan(staff, 'reconciliation.run');
  const { provider } = RunReconciliationInput.parse(input);
  const enabled = registry.all().find((candidate) => candidate.name === provider);
  if (!enabled) throw new UserFacingError(`${PROVIDER_LABELS[provider]} is not enabled here.`);
  if (!enabled.reconciliation) throw new UserFacingError(`${PROVIDER_LABELS[provider]} cannot be reconciled yet.`);
  return db.transaction(async (tx) => {
    const job: ReconciliationJob = { provider, requestedBy: staff.id };
    // The queue is stately per singleton key: one waiting run per provider, so a Stripe run
    // waiting for the worker does not turn away a PayPal one (the cron's run for all has no key).
    const sent = await sendInTransaction(tx, RECONCILIATION_QUEUE, job, { singletonKey: provider });
    if (!sent) return { outcome: 'waiting' };
    await tx.insert(auditLog).values({ actorKind: 'user', actorUserId: staff.id, action: 'reconciliation.requested', subjectType: 'reconciliation', subjectId: provider, data: { provider, jobId: sent } });
    return { outcome: 'queued' };
  });
}
