'use client';

import { useActionState, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/actions';

type Result = ActionResult<{ status: string }>;

/** Concedes a dispute, after the admin confirms: the buyer keeps the money, and it cannot be undone. */
export function AcceptDispute({ disputeId, requestId, action }: { disputeId: string; requestId: string; action: (input: FormData) => Promise<Result> }) {
  const [confirming, setConfirming] = useState(false);
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => action(formData), null);
  if (!confirming) {
    return (
      <Button type="button" variant="danger" onClick={() => setConfirming(true)}>
        Accept the dispute
      </Button>
    );
  }
  return (
    <form action={formAction} className="space-y-3">
      {state && !state.ok ? <Alert>{state.error}</Alert> : null}
      <p className="text-sm text-stone-700">The buyer keeps the money and the dispute counts as lost. This cannot be undone.</p>
      <input type="hidden" name="disputeId" value={disputeId} />
      <input type="hidden" name="requestId" value={requestId} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="danger" disabled={pending}>
          {pending ? 'Accepting…' : 'Yes, accept it'}
        </Button>
        <Button type="button" variant="ghost" onClick={() => setConfirming(false)} disabled={pending}>
          Keep contesting
        </Button>
      </div>
    </form>
  );
}
