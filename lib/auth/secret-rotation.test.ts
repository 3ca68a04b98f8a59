import { encode } from 'next-auth/jwt';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const OLD = 'the-secret-before-the-rotation-0123456789abcdef';
const NEW = 'the-secret-after-the-rotation-0123456789abcdefg';
const SALT = 'authjs.session-token';

function sessionRequest(cookie: string): Request {
  return new Request('http://127.0.0.1/api/auth/session', { headers: { cookie: `${SALT}=${cookie}` } });
}

describe('an AUTH_SECRET rotation (AUTH_SECRET="new,old")', () => {
  let handlers: typeof import('./config').handlers;
  beforeAll(async () => {
    vi.stubEnv('AUTH_SECRET', `${NEW},${OLD}`);
    vi.stubEnv('DATABASE_URL', 'postgres://nobody@127.0.0.1:1/never-connected');
    ({ handlers } = await import('./config'));
  });

  it('signs nobody out: a session made with the old secret is still read, and is sent back made with the new one', async () => {
    const before = await encode({ token: { sub: 'user-signed-in-before' }, secret: OLD, salt: SALT });
    const response = await handlers.GET(sessionRequest(before) as never);
    expect(await response.json()).toMatchObject({ user: { id: 'user-signed-in-before' } });
    // Auth.js re-issues the session cookie on every read: the browser now holds one the new secret made.
    const reissued = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SALT}=`));
    const value = reissued!.slice(SALT.length + 1).split(';')[0]!;
    const { decode } = await import('next-auth/jwt');
    expect(await decode({ token: value, secret: NEW, salt: SALT })).toMatchObject({ sub: 'user-signed-in-before' });
    await expect(decode({ token: value, secret: OLD, salt: SALT })).rejects.toThrow();
  });

  it('refuses a session made with a secret no longer listed', async () => {
    const retired = await encode({ token: { sub: 'user-of-a-retired-secret' }, secret: 'a-secret-removed-from-the-list-0123456789abcd', salt: SALT });
    const response = await handlers.GET(sessionRequest(retired) as never);
    expect(await response.json()).toBeNull();
  });
});
