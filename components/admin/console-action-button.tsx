'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/actions';

export type ConsoleActionResult = ActionResult<{ message: string }>;

/**
 * One console action as one button (re-process an event, resend an email): a form whose hidden
 * fields name what it acts on, disabled while it runs, saying what happened beside it. The server
 * makes a repeated click harmless; disabling only spares the request.
 */
export function ConsoleActionButton({
  action,
  fields,
  label,
  pendingLabel,
  variant = 'secondary',
}: {
  action: (input: FormData) => Promise<ConsoleActionResult>;
  fields: Record<string, string>;
  label: string;
  pendingLabel: string;
  variant?: 'primary' | 'secondary' | 'danger';
}) {
  const [state, formAction, pending] = useActionState(async (_previous: ConsoleActionResult | null, formData: FormData) => action(formData), null);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Button type="submit" variant={variant} disabled={pending}>
        {pending ? pendingLabel : label}
      </Button>
      {state ? (
        <span role={state.ok ? 'status' : 'alert'} className={`text-sm ${state.ok ? 'text-stone-700' : 'text-red-700'}`}>
          {state.ok ? state.data.message : state.error}
        </span>
      ) : null}
    </form>
  );
}
