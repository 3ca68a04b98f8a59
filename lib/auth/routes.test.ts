import { describe, expect, it, vi } from 'vitest';
import type { SessionUser } from '@/lib/auth/users';
import { isolatedDatabase } from '@/test/database';
import { AuthorizationError } from './errors';
import { limitCardForms } from './limits';
import { enforceLimit } from './rate-limit';

// Who is signed in: the route wrappers are tested as Next.js calls them, with the session replaced.
const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/guards', () => ({
  requireUser: async () => {
    if (!session.user) throw new AuthorizationError('unauthenticated');
    return session.user;
  },
  requirePermission: async () => {
    if (!session.user || session.user.role !== 'admin') throw new AuthorizationError(session.user ? 'forbidden' : 'unauthenticated');
    return session.user;
  },
}));

const { consoleRoute, userRoute } = await import('./routes');

const t = isolatedDatabase();

const someone = (role: SessionUser['role'] = 'customer'): SessionUser => ({ id: crypto.randomUUID(), email: `${crypto.randomUUID()}@example.com`, name: null, role });

describe('a route handler refused by a rate limit', () => {
  it('answers 429 with Retry-After, in the shape of every other refusal, and runs nothing past the limit', async () => {
    let ran = 0;
    const route = userRoute(async (_request, user) => {
      await limitCardForms(t.db, user.id);
      ran += 1;
      return Response.json({ ok: true });
    });
    session.user = someone();
    const answers = [];
    for (let i = 0; i < 31; i++) answers.push(await route(new Request('http://billfold.test/api/example'), {}));
    expect(answers.slice(0, 30).map((answer) => answer.status)).toEqual(Array(30).fill(200));
    const refused = answers[30]!;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: 'Too many card changes. Please wait a while and try again.' } });
    expect(ran).toBe(30);
  });

  it('answers 429 with Retry-After from a console route too', async () => {
    const rule = { limit: 1, windowSeconds: 90 };
    const route = consoleRoute('payments.refund', async (_request, staff) => {
      await enforceLimit(t.db, `example:${staff.id}`, rule, 'Slow down.');
      return new Response(null, { status: 204 });
    });
    session.user = someone('admin');
    expect((await route(new Request('http://billfold.test/api/admin/example', { method: 'POST' }), {})).status).toBe(204);
    const refused = await route(new Request('http://billfold.test/api/admin/example', { method: 'POST' }), {});
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(80);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(90);
  });
});
