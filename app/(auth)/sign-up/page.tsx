import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { signUpWithPassword } from '@/app/(auth)/actions';
import { CredentialsForm } from '@/components/auth/credentials-form';
import { OAuthButtons } from '@/components/auth/oauth-buttons';
import { getCurrentUser, safeReturnPath } from '@/lib/auth/guards';
import { enabledOAuthProviders } from '@/lib/auth/providers';

export const metadata: Metadata = { title: 'Create an account' };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  const returnTo = safeReturnPath(next);
  if (await getCurrentUser()) redirect(returnTo);

  return (
    <div className="rounded-2xl border border-stone-200 bg-white p-6 shadow-sm sm:p-8">
      <h1 className="text-xl font-semibold">Create your account</h1>
      <p className="mt-1 mb-6 text-sm text-stone-600">Check out faster, manage your plan and download invoices.</p>
      <OAuthButtons providers={enabledOAuthProviders()} next={returnTo} />
      <CredentialsForm mode="sign-up" action={signUpWithPassword} next={returnTo} />
    </div>
  );
}
