'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { ActionResult } from '@/lib/auth/actions';
import { ROLE_LABELS } from '@/lib/auth/roles';
import type { Role } from '@/lib/auth/users';

type Result = ActionResult<{ email: string; role: Role }>;

/** Changes one person's role; the select names every role, the button applies the choice. */
export function RoleForm({ email, role, action }: { email: string; role: Role; action: (input: FormData) => Promise<Result> }) {
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => action(formData), null);
  return (
    <form action={formAction} className="flex flex-wrap items-center justify-end gap-2">
      {state && !state.ok ? (
        <span role="alert" className="text-xs text-red-700">
          {state.error}
        </span>
      ) : null}
      <input type="hidden" name="email" value={email} />
      <label className="sr-only" htmlFor={`role-${email}`}>
        Role of {email}
      </label>
      <select
        id={`role-${email}`}
        name="role"
        defaultValue={role}
        key={role}
        className="min-h-11 rounded-lg border border-stone-300 bg-white px-2 text-sm"
      >
        {(Object.keys(ROLE_LABELS) as Role[]).map((each) => (
          <option key={each} value={each}>
            {ROLE_LABELS[each]}
          </option>
        ))}
      </select>
      <Button type="submit" variant="secondary" disabled={pending} className="px-3 py-1 text-xs">
        Change role
      </Button>
    </form>
  );
}
