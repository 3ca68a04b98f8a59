import { env } from '@/lib/env';

export type OAuthProvider = 'github' | 'google';

/** The OAuth providers whose client id and secret are set. */
export function enabledOAuthProviders(): OAuthProvider[] {
  const { oauth } = env();
  return (['github', 'google'] as const).filter((provider) => oauth[provider] !== null);
}
