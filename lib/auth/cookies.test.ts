import { beforeAll, describe, expect, it, vi } from 'vitest';
import { isolatedDatabase } from '@/test/database';
import { registerWithPassword } from './users';

/**
 * The cookies Auth.js sets for Billfold, read off real sign-in responses: none can be read by a
 * page's scripts (HttpOnly), none rides along on another site's POST (SameSite=Lax), and behind
 * https every one is Secure and carries the prefix browsers enforce (`__Secure-`, `__Host-`).
 * Plain http (a laptop's `npm run dev`) cannot set Secure cookies, and the doctor refuses a live
 * AUTH_URL that is not https.
 */

const t = isolatedDatabase();
const PASSWORD = 'a passphrase long enough';

interface Cookie {
  name: string;
  value: string;
  attributes: string[];
}

function cookiesOf(response: Response): Cookie[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    return { name: pair.slice(0, at), value: pair.slice(at + 1), attributes: attributes.map((attribute) => attribute.toLowerCase()) };
  });
}

function flags(cookie: Cookie | undefined) {
  if (!cookie) throw new Error('expected the cookie to be set');
  return {
    httpOnly: cookie.attributes.includes('httponly'),
    secure: cookie.attributes.includes('secure'),
    sameSite: cookie.attributes.find((attribute) => attribute.startsWith('samesite='))?.slice('samesite='.length),
    path: cookie.attributes.find((attribute) => attribute.startsWith('path='))?.slice('path='.length),
  };
}

describe('the session and its cookies', () => {
  let handlers: typeof import('./config').handlers;
  beforeAll(async () => {
    vi.stubEnv('AUTH_SECRET', 'a-vitest-secret-that-is-long-enough-for-auth-js');
    vi.stubEnv('AUTH_URL', '');
    vi.stubEnv('DATABASE_URL', t.url);
    ({ handlers } = await import('./config'));
  });

  /** Signs in through Auth.js's own endpoints, as the browser's form post does, at `origin`. */
  async function signIn(origin: string, email: string) {
    const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const csrf = await handlers.GET(new Request(`${origin}/api/auth/csrf`, { headers: { 'x-forwarded-for': address } }) as never);
    const csrfCookies = cookiesOf(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const body = new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl: `${origin}/account` });
    const signedIn = await handlers.POST(
      new Request(`${origin}/api/auth/callback/credentials`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: csrfCookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; '),
          'x-forwarded-for': address,
        },
        body,
      }) as never,
    );
    return { csrfCookies, signedIn, cookies: cookiesOf(signedIn) };
  }

  it('is HttpOnly, Secure and SameSite=Lax behind https, with the __Secure- and __Host- prefixes', async () => {
    const email = `cookies-${crypto.randomUUID()}@example.com`;
    await registerWithPassword(t.db, { email, password: PASSWORD, clientKey: 'cookies-test' }, new Set());
    const { csrfCookies, signedIn, cookies } = await signIn('https://shop.example.com', email);

    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get('location')).toBe('https://shop.example.com/account');
    const session = cookies.find((cookie) => cookie.name === '__Secure-authjs.session-token');
    expect(session?.value).toMatch(/^eyJ/);
    expect(flags(session)).toEqual({ httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
    expect(flags(csrfCookies.find((cookie) => cookie.name === '__Host-authjs.csrf-token'))).toEqual({ httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
    // Every cookie it sets is out of scripts' reach and stays home on cross-site requests.
    for (const cookie of [...csrfCookies, ...cookies]) expect(flags(cookie)).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax' });
  });

  it('sets no session for a wrong password', async () => {
    const email = `cookies-wrong-${crypto.randomUUID()}@example.com`;
    await registerWithPassword(t.db, { email, password: 'another passphrase entirely', clientKey: 'cookies-test' }, new Set());
    const { cookies } = await signIn('https://shop.example.com', email);
    expect(cookies.filter((cookie) => cookie.name.endsWith('session-token') && cookie.value !== '')).toEqual([]);
  });
});
