'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/actions';

type Result = ActionResult<{ status: string; endsAt: string | null }>;

/**
 * An admin's two ways to end a subscription: at the period end (the subscriber keeps what they
 * paid for) or now. Each button submits its own timing; the action says what happened.
 */
export function CancelSubscriptionForm({
  subscriptionId,
  cancelAtPeriodEnd,
  label,
  action,
}: {
  subscriptionId: string;
  cancelAtPeriodEnd: boolean;
  /** Whose subscription, for the buttons' accessible names. */
  label: string;
  action: (input: FormData) => Promise<Result>;
}) {
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => action(formData), null);
  return (
    <form action={formAction} className="flex flex-wrap items-center justify-end gap-2">
      {state ? (
        <span role={state.ok ? 'status' : 'alert'} className={`text-xs ${state.ok ? 'text-stone-600' : 'text-red-700'}`}>
          {state.ok ? (state.data.status === 'canceled' ? 'Canceled.' : 'Set to end at the period end.') : state.error}
        </span>
      ) : null}
      <input type="hidden" name="subscriptionId" value={subscriptionId} />
      {cancelAtPeriodEnd ? null : (
        <Button type="submit" name="timing" value="period_end" variant="secondary" disabled={pending} className="px-3 py-1 text-xs" aria-label={`Cancel ${label} at period end`}>
          Cancel at period end
        </Button>
      )}
      <Button type="submit" name="timing" value="now" variant="danger" disabled={pending} className="px-3 py-1 text-xs" aria-label={`Cancel ${label} now`}>
        Cancel now
      </Button>
    </form>
  );
}
