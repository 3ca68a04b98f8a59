'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { ActionResult } from '@/lib/auth/actions';
import { problemsElsewhere } from '@/lib/auth/refusals';

type Mode = 'sign-in' | 'sign-up';

export function CredentialsForm({
  mode,
  action,
  next,
}: {
  mode: Mode;
  action: (input: FormData) => Promise<ActionResult<void>>;
  next?: string;
}) {
  const [state, formAction, pending] = useActionState(async (_previous: ActionResult<void> | null, formData: FormData) => action(formData), null);
  const fieldErrors = state && !state.ok ? state.fieldErrors : undefined;
  const signUp = mode === 'sign-up';
  const elsewhere = state && !state.ok ? problemsElsewhere(state, signUp ? ['name', 'email', 'password'] : ['email', 'password']) : null;

  return (
    <form action={formAction} className="space-y-4" noValidate>
      {elsewhere ? <Alert>{elsewhere}</Alert> : null}
      {next ? <input type="hidden" name="next" value={next} /> : null}
      {signUp ? <Field id="name" name="name" label="Name" autoComplete="name" error={fieldErrors?.name} /> : null}
      <Field id="email" name="email" type="email" label="Email" autoComplete="email" required error={fieldErrors?.email} />
      <Field
        id="password"
        name="password"
        type="password"
        label="Password"
        autoComplete={signUp ? 'new-password' : 'current-password'}
        required
        minLength={signUp ? 10 : undefined}
        error={fieldErrors?.password}
      />
      {signUp ? <p className="text-xs text-stone-500">At least 10 characters. A passphrase works well.</p> : null}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? (signUp ? 'Creating account…' : 'Signing in…') : signUp ? 'Create account' : 'Sign in'}
      </Button>
      <p className="text-center text-sm text-stone-600">
        {signUp ? 'Already have an account? ' : 'New to Billfold? '}
        <Link
          className="font-medium text-brand-600 hover:underline"
          href={`${signUp ? '/sign-in' : '/sign-up'}${next ? `?next=${encodeURIComponent(next)}` : ''}`}
        >
          {signUp ? 'Sign in' : 'Create an account'}
        </Link>
      </p>
    </form>
  );
}
