import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '@/lib/money';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { PaypalApiError, paypalClientFor } from './client';
import { paypalPayments } from './payments';
import { PAYPAL_ATTEMPTS, pauseBefore, repeatWhileUnavailable } from './retry';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from './sandbox-credentials';

/**
 * PayPal calls that are safe to repeat (reads, and requests with a PayPal-Request-Id) are sent
 * again when PayPal fails; others are sent once. Between the client and an isolated sandbox
 * stands a proxy that fails chosen requests: before they reach PayPal (503), or after PayPal did
 * the work, its answer lost (502), as a load balancer in front of PayPal would.
 */

const t = paypalSandbox();

interface Seen {
  method: string;
  path: string;
  requestId: string | undefined;
}

const proxy = {
  server: undefined as http.Server | undefined,
  url: '',
  seen: [] as Seen[],
  /** Answers to fail, in order, for requests whose path matches: 'before' or 'after' the sandbox did the work. */
  faults: [] as { path: RegExp; when: 'before' | 'after' }[],
};

beforeAll(async () => {
  proxy.server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const path = request.url ?? '/';
      if (!path.includes('/oauth2/token')) proxy.seen.push({ method: request.method ?? 'GET', path, requestId: request.headers['paypal-request-id'] as string | undefined });
      const index = proxy.faults.findIndex((fault) => fault.path.test(path));
      const fault = index >= 0 ? proxy.faults.splice(index, 1)[0] : undefined;
      if (fault?.when === 'before') {
        response.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ name: 'SERVICE_UNAVAILABLE', message: 'proxy: failed before PayPal' }));
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name))) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const answer = await fetch(`${t.server.url}${path}`, { method: request.method, headers, body });
      const text = await answer.text();
      if (fault?.when === 'after') {
        response.writeHead(502, { 'Content-Type': 'text/plain' }).end('proxy: PayPal answered, the answer was lost');
        return;
      }
      response.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => proxy.server!.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(proxy.server!.address() as AddressInfo).port}/paypal`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy.server?.close(resolve));
});

function throughProxy() {
  const client = paypalClientFor({ apiBase: proxy.url, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
  proxy.seen = [];
  proxy.faults = [];
  return { client, payments: paypalPayments(client) };
}

const request = (amount = 1999) => ({ amount: money(amount, 'USD'), customerId: null, receiptEmail: 'shopper@example.com', orderId: crypto.randomUUID(), metadata: {} });

describe('repeating PayPal calls that are safe to repeat', () => {
  it('pauses about 250 ms, then 750 ms, and makes 3 attempts in all before giving up', async () => {
    expect([pauseBefore(1, () => 0), pauseBefore(1, () => 1), pauseBefore(2, () => 0.5)]).toEqual([200, 300, 750]);
    const pauses: number[] = [];
    let attempts = 0;
    const failing = repeatWhileUnavailable(
      async () => {
        attempts += 1;
        throw new PaymentProviderUnavailableError('paypal');
      },
      { pause: async (ms) => void pauses.push(ms) },
    );
    await expect(failing).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    expect(attempts).toBe(PAYPAL_ATTEMPTS);
    expect(pauses).toHaveLength(PAYPAL_ATTEMPTS - 1);
  });

  it('creates one PayPal order when the answer to the first request was lost after PayPal made it: the repeat carries the same PayPal-Request-Id', async () => {
    const { payments } = throughProxy();
    proxy.faults.push({ path: /\/v2\/checkout\/orders$/, when: 'after' });
    const key = `checkout:${crypto.randomUUID()}`;
    const created = await payments.createPayment(request(), key);
    const creates = proxy.seen.filter((seen) => seen.method === 'POST' && /\/v2\/checkout\/orders$/.test(seen.path));
    expect(creates.map((seen) => seen.requestId)).toEqual([key, key]);
    // PayPal answered the repeat with the order the first request made.
    expect((await t.rest<{ id: string }>('GET', `/v2/checkout/orders/${created.id}`)).body.id).toBe(created.id);
  });

  it('captures once through a 503 and a lost answer, and reads an order again after a 503', async () => {
    const { payments } = throughProxy();
    const created = await payments.createPayment(request(2500), `checkout:${crypto.randomUUID()}`);
    if (created.handoff?.kind !== 'approval' || !created.handoff.approveUrl) throw new Error('no approval link');
    expect((await decide(created.handoff.approveUrl, 'approve', 'buyer@example.com')).status).toBeLessThan(400);

    proxy.faults.push({ path: /\/capture$/, when: 'before' }, { path: /\/capture$/, when: 'after' });
    const captured = await payments.capturePayment(created.id, `capture:${created.id}:1`);
    expect(captured).toMatchObject({ status: 'succeeded', amountCaptured: money(2500, 'USD') });
    const captures = proxy.seen.filter((seen) => seen.path.endsWith('/capture'));
    expect(captures.map((seen) => seen.requestId)).toEqual([`capture:${created.id}:1`, `capture:${created.id}:1`, `capture:${created.id}:1`]);
    expect((await t.rest<{ purchase_units: { payments: { captures: unknown[] } }[] }>('GET', `/v2/checkout/orders/${created.id}`)).body.purchase_units[0]!.payments.captures).toHaveLength(1);

    proxy.seen = [];
    proxy.faults.push({ path: new RegExp(`/v2/checkout/orders/${created.id}$`), when: 'before' });
    expect((await payments.retrievePayment(created.id)).status).toBe('succeeded');
    expect(proxy.seen.filter((seen) => seen.method === 'GET')).toHaveLength(2);
  });

  it('never repeats a refusal, and sends a call that is not safe to repeat once', async () => {
    const { client, payments } = throughProxy();
    await expect(payments.retrievePayment('NOT-AN-ORDER-ID')).rejects.toBeInstanceOf(PaypalApiError);
    expect(proxy.seen).toHaveLength(1);

    proxy.seen = [];
    proxy.faults.push({ path: /\/v1\/billing\/subscriptions\/I-NOPE$/, when: 'before' });
    await expect(client.rest.request('PATCH', '/v1/billing/subscriptions/I-NOPE', { body: [] })).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    expect(proxy.seen).toHaveLength(1);
  });
});
