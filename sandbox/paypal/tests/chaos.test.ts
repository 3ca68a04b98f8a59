import { CustomError, OrdersController } from '@paypal/paypal-server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@/test/sandbox';
import type { PaypalEvent } from '../events';
import { insertCapture, openDispute, registeredReceiver, verifyOffline } from './hooks-support';
import { paypalSandbox } from './support';

/**
 * The sandbox-wide reliability switches (sandbox/chaos.ts) reach PayPal's side as they reach
 * Stripe's: PayPal's dispatcher retries with backoff, duplicates and shuffles, and its REST API
 * fails on demand.
 */

const t = paypalSandbox({ retry: { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5, timeoutMs: 2000 } });

const hook = registeredReceiver(t, ['CUSTOMER.DISPUTE.CREATED']);
afterEach(async () => {
  await chaos({ duplicateRate: 0, shuffle: false, apiFaultRate: 0 });
  hook.receiver.answer = undefined;
});

async function chaos(switches: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${t.server.url}/_sandbox/chaos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(switches) });
  expect(response.status).toBe(200);
}

async function disputeCreated(): Promise<PaypalEvent> {
  const capture = await insertCapture(t);
  const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'UNAUTHORISED' });
  return eventually(async () => (await t.events('CUSTOMER.DISPUTE.CREATED')).find((e) => (e.resource as { dispute_id: string }).dispute_id === id));
}

describe('PayPal under the chaos switches', () => {
  it('retries a delivery the endpoint refuses with growing gaps, each attempt a new signed transmission, and records every attempt', async () => {
    hook.receiver.answer = (delivery) => (hook.receiver.received.filter((d) => d.event.id === delivery.event.id).length <= 3 ? 500 : 200);
    const event = await disputeCreated();
    const tries = await hook.receiver.deliveriesOf(event.id, 4);
    const gaps = tries.slice(1).map((attempt, index) => attempt.at - (tries[index]?.at ?? 0));
    // Each wait at least its backoff (100, 200, 400 ms, less timer slack): the floors double. A
    // loaded machine may only lengthen a wait (the first as much as the last), so no ratio
    // between measured gaps is asserted.
    gaps.forEach((gap, index) => expect(gap).toBeGreaterThanOrEqual(100 * 2 ** index - 15));
    expect(new Set(tries.map((attempt) => attempt.headers['paypal-transmission-id'])).size).toBe(4);
    for (const attempt of tries) expect(await verifyOffline(attempt, hook.webhookId)).toBe(true);
    const [delivery] = await eventually(async () => {
      const rows = await t.server.store.sql<{ id: string; status: string; attempts: number }[]>`
        select id, status, attempts from sandbox.deliveries where provider = 'paypal' and event_id = ${event.id} and endpoint_id = ${hook.webhookId}`;
      return rows[0]?.status === 'succeeded' && rows;
    });
    expect(delivery?.attempts).toBe(4);
    const attempts = await t.server.store.sql<{ status: number; error: string | null }[]>`
      select status, error from sandbox.delivery_attempts where delivery_id = ${delivery?.id ?? '0'} order by id`;
    expect(attempts).toEqual([
      { status: 500, error: 'HTTP 500' },
      { status: 500, error: 'HTTP 500' },
      { status: 500, error: 'HTTP 500' },
      { status: 200, error: null },
    ]);
  });

  it('sends every delivery twice when duplicateRate is 1, each copy its own verifiable transmission', async () => {
    await chaos({ duplicateRate: 1 });
    const event = await disputeCreated();
    const copies = await hook.receiver.deliveriesOf(event.id, 2);
    expect(copies[0]?.body).toBe(copies[1]?.body);
    expect(copies[0]?.headers['paypal-transmission-id']).not.toBe(copies[1]?.headers['paypal-transmission-id']);
    for (const copy of copies) expect(await verifyOffline(copy, hook.webhookId)).toBe(true);
  });

  it('with shuffle on, delivers every one of a batch of due events exactly once, in no order a hook.receiver may rely on', async () => {
    const events: PaypalEvent[] = [];
    for (let i = 0; i < 12; i++) events.push(await disputeCreated());
    await Promise.all(events.map((event) => hook.receiver.deliveriesOf(event.id)));
    await chaos({ shuffle: true });
    const before = hook.receiver.received.length;
    // Queued in one statement, so the dispatcher finds them due together, in creation order.
    await t.server.store.sql`
      insert into sandbox.deliveries (event_id, endpoint_id, provider)
      select id, ${hook.webhookId}, 'paypal' from sandbox.objects where id in ${t.server.store.sql(events.map((event) => event.id))} order by seq`;
    await eventually(() => hook.receiver.received.length >= before + events.length);
    const arrived = hook.receiver.received.slice(before).map((delivery) => delivery.event.id);
    expect([...arrived].sort()).toEqual(events.map((event) => event.id).sort());
    // Each exactly once. (The order proves nothing about the switch: a batch's sends race one another even without it.)
    expect(arrived).toHaveLength(events.length);
  });

  it('fails PayPal API requests with PayPal’s 500 while apiFaultRate is 1, for raw REST and the official SDK alike', async () => {
    await chaos({ apiFaultRate: 1 });
    const reply = await t.rest('GET', '/v1/notifications/webhooks');
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ name: 'INTERNAL_SERVER_ERROR', debug_id: expect.any(String) });
    const error = await new OrdersController(t.client).getOrder({ id: 'ANY' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CustomError);
    expect((error as CustomError).statusCode).toBe(500);
    await chaos({ apiFaultRate: 0 });
    expect((await t.rest('GET', '/v1/notifications/webhooks')).status).toBe(200);
  });
});
