import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { signInWithPassword } from '@/app/(auth)/actions';
import { CredentialsForm } from '@/components/auth/credentials-form';
import { OAuthButtons } from '@/components/auth/oauth-buttons';
import { Alert } from '@/components/ui/alert';
import { getCurrentUser, safeReturnPath } from '@/lib/auth/guards';
import { enabledOAuthProviders } from '@/lib/auth/providers';

export const metadata: Metadata = { title: 'Sign in' };

/** What a refused sign-in button says, by its code: only our own words, never text from the URL. */
const REFUSED: Record<string, string> = {
  provider_disabled: 'That sign-in method is not enabled.',
  invalid_input: 'That sign-in method is not one Billfold offers.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string; error?: string }> }) {
  const { next, error } = await searchParams;
  const returnTo = safeReturnPath(next);
  if (await getCurrentUser()) redirect(returnTo);

  return (
    <div className="rounded-2xl border border-stone-200 bg-white p-6 shadow-sm sm:p-8">
      <h1 className="text-xl font-semibold">Sign in to Billfold</h1>
      <p className="mt-1 mb-6 text-sm text-stone-600">Your orders, plan and invoices in one place.</p>
      {error && error !== 'CredentialsSignin' ? (
        <div className="mb-4">
          <Alert>{Object.hasOwn(REFUSED, error) ? REFUSED[error] : 'That sign-in did not work. Please try again.'}</Alert>
        </div>
      ) : null}
      <OAuthButtons providers={enabledOAuthProviders()} next={returnTo} />
      <CredentialsForm mode="sign-in" action={signInWithPassword} next={returnTo} />
    </div>
  );
}
