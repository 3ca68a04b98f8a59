'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/actions';

type Result = ActionResult<{ outcome: 'sent' | 'awaiting_approval' | 'failed' | 'rejected'; lastError: string | null }>;

/** Approve or reject another admin's refund request (shown only to admins who did not ask for it). */
export function RefundDecision({
  paymentId,
  refundRequestId,
  approve,
  reject,
}: {
  paymentId: string;
  refundRequestId: string;
  approve: (input: FormData) => Promise<Result>;
  reject: (input: FormData) => Promise<Result>;
}) {
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => (formData.get('decision') === 'reject' ? reject(formData) : approve(formData)), null);
  return (
    <form action={formAction} className="flex flex-wrap items-center justify-end gap-2">
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-red-700">
          {state.error}
        </span>
      ) : null}
      <input type="hidden" name="paymentId" value={paymentId} />
      <input type="hidden" name="refundRequestId" value={refundRequestId} />
      <Button type="submit" name="decision" value="approve" disabled={pending} className="px-3 py-1 text-xs">
        Approve and send
      </Button>
      <Button type="submit" name="decision" value="reject" variant="danger" disabled={pending} className="px-3 py-1 text-xs">
        Reject
      </Button>
    </form>
  );
}
