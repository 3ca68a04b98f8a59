import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, connect } from '@/db/client';
import { registryThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { STORE_DEADLINE_MS, webhookEndpoint } from './webhook-endpoint';

/**
 * The webhook endpoint while its database is away: the provider is told to deliver again (503
 * with Retry-After) within the store's deadline, never held until it gives up, and never told
 * the event was bad (4xx). The endpoint's pool is pointed at a port that refuses connections, or
 * at one that accepts them and never answers (a database that hangs), then back at the test's.
 */

const t = isolatedSandbox();
const SECRET = 'whsec_billfold_endpoint_outage';
const globalForDb = globalThis as unknown as { billfoldDb?: ReturnType<typeof connect> };

let silent: net.Server;
const held: net.Socket[] = [];

beforeAll(async () => {
  silent = net.createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  await closeDb();
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

/** The endpoint's pool, as `db/client` makes it, on `url`. */
function databaseAt(url: string): void {
  globalForDb.billfoldDb = connect(url);
}

function delivery(): Request {
  const event = { id: `evt_outage_${crypto.randomUUID().slice(0, 8)}`, object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } }, created: 1, livemode: false, api_version: null, pending_webhooks: 0, request: null };
  const body = JSON.stringify(event);
  const signature = t.stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
  return new Request('http://localhost/api/webhooks/stripe', { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
}

const endpoint = () => webhookEndpoint('stripe', () => registryThrough(t.stripe, { webhookSecrets: [SECRET] }));

describe('the webhook endpoint while the database is away', () => {
  it('answers 503 with Retry-After at once when the database refuses connections, and 200 for the same delivery once it is back', async () => {
    const request = delivery();
    const again = request.clone();
    databaseAt('postgres://postgres@127.0.0.1:9/billfold');
    const started = performance.now();
    const response = await endpoint()(request);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(performance.now() - started).toBeLessThan(STORE_DEADLINE_MS);
    await closeDb();

    databaseAt(t.databaseUrl);
    const delivered = await endpoint()(again);
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toEqual({ received: true, duplicate: false });
  });

  it('answers 503 within the store deadline when the database accepts the connection and never answers', async () => {
    databaseAt(`postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/billfold`);
    const started = performance.now();
    const response = await endpoint()(delivery());
    const took = performance.now() - started;
    expect(response.status).toBe(503);
    expect(took).toBeGreaterThanOrEqual(STORE_DEADLINE_MS - 50);
    expect(took).toBeLessThan(STORE_DEADLINE_MS + 2_000);
    // The hung connections go, so the pool closes at once.
    for (const socket of held.splice(0)) socket.destroy();
  }, 20_000);
});
