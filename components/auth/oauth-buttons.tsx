import { redirect } from 'next/navigation';
import { signInWithOAuth } from '@/app/(auth)/actions';
import { Button } from '@/components/ui/button';

const LABELS = { github: 'Continue with GitHub', google: 'Continue with Google' } as const;

/** One button per OAuth provider that is configured; nothing when none is. */
export function OAuthButtons({ providers, next }: { providers: (keyof typeof LABELS)[]; next?: string }) {
  if (providers.length === 0) return null;
  return (
    <div className="space-y-2">
      {providers.map((provider) => (
        <form
          key={provider}
          action={async (formData: FormData) => {
            'use server';
            // Success redirects to the provider; a refusal comes back to the sign-in page, which says why.
            const result = await signInWithOAuth(formData);
            if (!result.ok) redirect(`/sign-in?error=${encodeURIComponent(result.code)}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
          }}
        >
          <input type="hidden" name="provider" value={provider} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <Button type="submit" variant="secondary" className="w-full">
            {LABELS[provider]}
          </Button>
        </form>
      ))}
      <div className="flex items-center gap-3 py-2 text-xs text-stone-500">
        <span className="h-px flex-1 bg-stone-200" /> or with email <span className="h-px flex-1 bg-stone-200" />
      </div>
    </div>
  );
}
