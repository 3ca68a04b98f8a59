import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { log } from '@/lib/log';

const FORGED_COOKIE = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2Q0JDLUhTNTEyIn0.forged-by-someone.who-has-no-secret.at-all';

function sessionRequest(clientAddress: string): Request {
  return new Request('http://127.0.0.1/api/auth/session', {
    headers: { cookie: `authjs.session-token=${FORGED_COOKIE}`, 'x-forwarded-for': clientAddress },
  });
}

describe('a session cookie Billfold cannot read', () => {
  let handlers: typeof import('./config').handlers;
  beforeAll(async () => {
    vi.stubEnv('AUTH_SECRET', 'a-vitest-secret-that-is-long-enough-for-auth-js');
    vi.stubEnv('DATABASE_URL', 'postgres://nobody@127.0.0.1:1/never-connected');
    ({ handlers } = await import('./config'));
  });
  afterEach(() => vi.restoreAllMocks());

  it('is one warning with its cause and without the cookie, not an error, and the visitor is signed out', async () => {
    const warn = vi.spyOn(log, 'warn');
    const error = vi.spyOn(log, 'error');

    const response = await handlers.GET(sessionRequest('203.0.113.41') as never);

    expect(response.status).toBe(200);
    expect(await response.json()).toBeNull(); // no session: signed out
    // …and the broken cookie is cleared, so the browser stops sending it.
    expect(response.headers.getSetCookie().some((cookie) => /^authjs\.session-token=;/.test(cookie))).toBe(true);
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    const [fields, message] = warn.mock.calls[0] as unknown as [Record<string, unknown>, string];
    expect(message).toMatch(/unreadable session cookie/);
    expect(fields).toMatchObject({ client: '203.0.113.41', cause: expect.stringMatching(/^ERR_JW[ET]_\w+: \w+/) });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('forged-by-someone');
  });

  it('says nothing more when the same client sends it again within the minute, but warns for another client', async () => {
    const warn = vi.spyOn(log, 'warn');
    const error = vi.spyOn(log, 'error');

    await handlers.GET(sessionRequest('203.0.113.42') as never);
    const again = await handlers.GET(sessionRequest('203.0.113.42') as never);
    expect(await again.json()).toBeNull();
    expect(warn).toHaveBeenCalledTimes(1);

    await handlers.GET(sessionRequest('198.51.100.9') as never);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(error).not.toHaveBeenCalled();
  });

  it('is remembered once per process, though Next.js loads the module once per bundle layer', async () => {
    const warn = vi.spyOn(log, 'warn');
    await handlers.GET(sessionRequest('203.0.113.43') as never);
    vi.resetModules();
    const secondCopy = (await import('./config')).handlers;
    expect(secondCopy).not.toBe(handlers);
    await secondCopy.GET(sessionRequest('203.0.113.43') as never);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
