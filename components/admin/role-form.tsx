'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/actions';

type Result = ActionResult<{ email: string; role: 'customer' | 'admin' }>;

export function RoleForm({
  email,
  role,
  action,
}: {
  email: string;
  role: 'customer' | 'admin';
  action: (input: FormData) => Promise<Result>;
}) {
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => action(formData), null);
  const target = role === 'admin' ? 'customer' : 'admin';
  return (
    <form action={formAction} className="flex items-center justify-end gap-3">
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-red-700">
          {state.error}
        </span>
      ) : null}
      <input type="hidden" name="email" value={email} />
      <input type="hidden" name="role" value={target} />
      <Button type="submit" variant={target === 'admin' ? 'secondary' : 'danger'} disabled={pending} className="px-3 py-1 text-xs">
        {target === 'admin' ? 'Make admin' : 'Remove admin'}
      </Button>
    </form>
  );
}
