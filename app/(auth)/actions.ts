'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { headers } from 'next/headers';
import { z } from 'zod';
import { db } from '@/db/client';
import { publicAction } from '@/lib/auth/actions';
import { clientKeyFromHeaders } from '@/lib/auth/client-key';
import { signIn, signOut } from '@/lib/auth/config';
import { UserFacingError } from '@/lib/errors';
import { safeReturnPath } from '@/lib/auth/guards';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/auth/password';
import { RateLimitedError, registerWithPassword, signInWait, WRONG_CREDENTIALS } from '@/lib/auth/users';
import { env } from '@/lib/env';

const email = z.string().trim().toLowerCase().pipe(z.email('Enter a valid email address.')).pipe(z.string().max(320));
const next = z.string().optional();

/** The form's words for a refused sign-in, with how long is left of the limit's window (the 429's Retry-After). */
async function rateLimitedSignIn(email: string): Promise<RateLimitedError> {
  const seconds = Math.max(1, await signInWait(db, email, clientKeyFromHeaders(await headers())));
  const minutes = Math.ceil(seconds / 60);
  return new RateLimitedError(seconds, `Too many sign-in attempts. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`);
}

/** Signs in through Auth.js; a refusal becomes a message on the form, success a redirect. */
async function signInWithCredentials(credentials: { email: string; password: string }, returnTo: string | undefined) {
  try {
    await signIn('credentials', { ...credentials, redirectTo: safeReturnPath(returnTo) });
  } catch (error) {
    if (error instanceof CredentialsSignin) {
      if (error.code === 'rate_limited') throw await rateLimitedSignIn(credentials.email);
      throw new UserFacingError(WRONG_CREDENTIALS, error.code);
    }
    if (error instanceof AuthError) throw new UserFacingError('Sign-in failed. Please try again.', 'sign_in_failed');
    throw error;
  }
}

export const signInWithPassword = publicAction(
  z.object({ email, password: z.string().min(1, 'Enter your password.').max(PASSWORD_MAX_LENGTH), next }),
  async ({ email, password, next }) => signInWithCredentials({ email, password }, next),
);

export const signUpWithPassword = publicAction(
  z.object({
    name: z.string().trim().max(120).optional(),
    email,
    password: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
      .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`),
    next,
  }),
  async ({ name, email, password, next }) => {
    const clientKey = clientKeyFromHeaders(await headers());
    await registerWithPassword(db, { name, email, password, clientKey }, env().adminEmails);
    await signInWithCredentials({ email, password }, next);
  },
);

export const signInWithOAuth = publicAction(z.object({ provider: z.enum(['github', 'google']), next }), async ({ provider, next }) => {
  if (!env().oauth[provider]) throw new UserFacingError('That sign-in method is not enabled.', 'provider_disabled');
  await signIn(provider, { redirectTo: safeReturnPath(next) });
});

export const signOutUser = publicAction(z.object({}), async () => {
  await signOut({ redirectTo: '/' });
});
