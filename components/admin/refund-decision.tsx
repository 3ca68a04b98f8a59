'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { RefundActionResult } from '@/app/(admin)/admin/transactions/[id]/actions';
import type { ActionResult } from '@/lib/auth/actions';

type Result = ActionResult<RefundActionResult>;

/**
 * A refund request awaiting approval, as the admin looking at it may act on it: another admin
 * approves or rejects it; the admin who asked for it waits, or withdraws it.
 */
export function RefundDecision({
  paymentId,
  refundRequestId,
  mine,
  approve,
  reject,
  withdraw,
}: {
  paymentId: string;
  refundRequestId: string;
  /** The viewer asked for it. */
  mine: boolean;
  approve: (input: FormData) => Promise<Result>;
  reject: (input: FormData) => Promise<Result>;
  withdraw: (input: FormData) => Promise<Result>;
}) {
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => {
    const decision = formData.get('decision');
    return decision === 'withdraw' ? withdraw(formData) : decision === 'reject' ? reject(formData) : approve(formData);
  }, null);
  return (
    <form action={formAction} className="flex flex-wrap items-center justify-end gap-2">
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-red-700">
          {state.error}
        </span>
      ) : null}
      <input type="hidden" name="paymentId" value={paymentId} />
      <input type="hidden" name="refundRequestId" value={refundRequestId} />
      {mine ? (
        <>
          <span className="text-xs text-stone-500">Waiting for another admin</span>
          <Button type="submit" name="decision" value="withdraw" variant="secondary" disabled={pending} className="px-3 py-1 text-xs">
            Withdraw
          </Button>
        </>
      ) : (
        <>
          <Button type="submit" name="decision" value="approve" disabled={pending} className="px-3 py-1 text-xs">
            Approve and send
          </Button>
          <Button type="submit" name="decision" value="reject" variant="danger" disabled={pending} className="px-3 py-1 text-xs">
            Reject
          </Button>
        </>
      )}
    </form>
  );
}
