import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '@/db/client';
import { orders, users } from '@/db/schema';
import type { SessionUser } from '@/lib/auth/users';
import { money } from '@/lib/money';
import type { ProviderPayment } from '@/lib/payments/types';
import { isolatedDatabase } from '@/test/database';
import { signOrderToken, verifyOrderToken } from './order-token';
import { orderChangeFeed, readUntilSettled } from './order-changes';
import { applyPayment } from './payment-events';

// The route handler is called as Next.js calls it, with who is signed in (or nobody), this file's
// own database, and order tokens signed with a secret of its own replaced; the LISTEN feed is real.
const SECRET = 'order-changes-test-secret-long-enough-0123456789';
const route = vi.hoisted(() => ({ user: null as SessionUser | null, db: null as Database | null, url: '' }));
vi.mock('@/lib/auth/guards', () => ({ getCurrentUser: async () => route.user }));
vi.mock('@/db/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/db/client')>()),
  db: new Proxy({}, { get: (_target, property) => Reflect.get(route.db!, property) }),
}));
vi.mock('@/lib/env', async (importOriginal) => ({ ...(await importOriginal<typeof import('@/lib/env')>()), databaseUrl: () => route.url }));
vi.mock('@/lib/billing/checkout-context', () => ({ orderIdFromToken: (token: string | null) => verifyOrderToken([SECRET], token) }));

const t = isolatedDatabase();
let GET: (request: Request) => Promise<Response>;

beforeAll(async () => {
  route.db = t.db;
  route.url = t.url;
  ({ GET } = await import('@/app/api/checkout/order-events/route'));
});

afterAll(async () => {
  const feed = (globalThis as { billfoldOrderChanges?: { close(): Promise<void> } }).billfoldOrderChanges;
  await feed?.close();
});

async function customer(name: string): Promise<SessionUser> {
  const [user] = await t.db.insert(users).values({ email: `${name}-${crypto.randomUUID()}@example.com` }).returning();
  return { id: user!.id, email: user!.email, name: null, role: 'customer' };
}

async function order(owner: SessionUser | null) {
  const [row] = await t.db
    .insert(orders)
    .values({ userId: owner?.id ?? null, email: owner?.email ?? 'guest@example.com', currency: 'USD', amountSubtotal: 1800, amountTotal: 1800, status: 'processing' })
    .returning();
  return { id: row!.id, token: signOrderToken(SECRET, row!.id) };
}

/** What the worker does when Stripe's payment_intent.succeeded for the order is applied. */
async function paymentSucceeds(orderId: string): Promise<void> {
  const usd = (amount: number) => money(amount, 'USD');
  const payment: ProviderPayment = {
    provider: 'stripe',
    id: `pi_${crypto.randomUUID().replaceAll('-', '')}`,
    status: 'succeeded',
    orderId,
    amount: usd(1800),
    amountCaptured: usd(1800),
    amountRefunded: usd(0),
    customerId: null,
    receiptEmail: null,
    failureCode: null,
    failureMessage: null,
    chargeId: null,
    card: null,
    handoff: null,
  };
  await t.db.transaction((tx) => applyPayment(tx, payment));
}

async function openStream(as: SessionUser | null, token: string, signal?: AbortSignal): Promise<Response> {
  route.user = as;
  return GET(new Request(`http://localhost/api/checkout/order-events?order=${encodeURIComponent(token)}`, { signal }));
}

/** Reads server-sent events off a response: the next `progress` event's value, or null once the stream ended. */
function eventReader(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  return async function nextProgress(): Promise<string | null> {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = /^event: progress\ndata: (.*)$/m.exec(block)?.[1];
        if (data) return (JSON.parse(data) as { progress: string }).progress;
        continue;
      }
      const { done, value } = await reader.read();
      if (done) return null;
      buffered += decoder.decode(value, { stream: true });
    }
  };
}

async function listenConnections(): Promise<number> {
  const [row] = await t.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`);
  return row!.n;
}

describe('the order events stream', () => {
  it("tells the order's owner it is confirming at once, then paid as soon as the payment is applied, and ends", async () => {
    const owner = await customer('owner');
    const { id, token } = await order(owner);
    const response = await openStream(owner, token);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const next = eventReader(response);
    expect(await next()).toBe('confirming');

    const started = performance.now();
    await paymentSucceeds(id);
    expect(await next()).toBe('paid');
    // Pushed on commit: well within the second the page used to poll at.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await next()).toBeNull();
  });

  it("gives another customer and an anonymous visitor a 404 for an account's order, and streams them nothing", async () => {
    const owner = await customer('holder');
    const { token } = await order(owner);
    for (const viewer of [await customer('stranger'), null]) {
      const response = await openStream(viewer, token);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such order.' } });
    }
  });

  it('gives a 404 for a forged or altered token, even for the order of whoever asks', async () => {
    const owner = await customer('forger');
    const { id } = await order(owner);
    expect((await openStream(owner, id)).status).toBe(404);
    expect((await openStream(owner, `${id}.${'A'.repeat(43)}`)).status).toBe(404);
  });

  it('streams a guest order to whoever holds its token', async () => {
    const { id, token } = await order(null);
    const next = eventReader(await openStream(null, token));
    expect(await next()).toBe('confirming');
    await paymentSucceeds(id);
    expect(await next()).toBe('paid');
  });

  it('serves many open pages from one LISTEN connection, and ends a stream whose viewer left', async () => {
    const viewers = await Promise.all([1, 2, 3, 4, 5].map(async () => order(null)));
    const leaving = viewers.map(() => new AbortController());
    const streams = await Promise.all(viewers.map(({ token }, index) => openStream(null, token, leaving[index]!.signal)));
    const readers = streams.map(eventReader);
    for (const next of readers) expect(await next()).toBe('confirming');
    expect(await listenConnections()).toBe(1);
    for (const controller of leaving) controller.abort();
    for (const next of readers) expect(await next()).toBeNull();
  });
});

describe('waiting for an order to settle (the confirmation page)', () => {
  const statusOf = async (orderId: string) => (await t.db.select({ status: orders.status }).from(orders).where(sql`${orders.id} = ${orderId}`))[0]!.status;

  it('resolves as soon as the payment applied to the order is announced, long before the wait would end', async () => {
    const { id } = await order(null);
    const started = performance.now();
    const settled = readUntilSettled(orderChangeFeed(), id, () => statusOf(id), (status) => status !== 'processing', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await paymentSucceeds(id);
    expect(await settled).toBe('paid');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('resolves with the order as it stands when nothing settles it within the wait', async () => {
    const { id } = await order(null);
    const started = performance.now();
    expect(await readUntilSettled(orderChangeFeed(), id, () => statusOf(id), (status) => status !== 'processing', 400)).toBe('processing');
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('resolves at once with an order settled already, and with the last value read when a re-read fails', async () => {
    const { id } = await order(null);
    await paymentSucceeds(id);
    expect(await readUntilSettled(orderChangeFeed(), id, () => statusOf(id), (status) => status !== 'processing', 20_000)).toBe('paid');

    const other = await order(null);
    let reads = 0;
    const settled = readUntilSettled(
      orderChangeFeed(),
      other.id,
      async () => {
        reads += 1;
        if (reads > 1) throw new Error('the database went away');
        return statusOf(other.id);
      },
      (status) => status !== 'processing',
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await paymentSucceeds(other.id);
    expect(await settled).toBe('processing');
    expect(reads).toBe(2);
  });
});
