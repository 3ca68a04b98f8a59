import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually } from '@/test/sandbox';
import type { ArmedPaypalFault } from '../faults';
import { PaypalFaults } from '../faults';
import { nowSeconds } from '../ids';
import { sampleEvent } from '../sample-events';
import { insertCapture, openDispute, registeredReceiver } from './hooks-support';
import { paypalSandbox } from './support';

const t = paypalSandbox({ retry: { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5, timeoutMs: 2000 } });

const hook = registeredReceiver(t, ['CUSTOMER.DISPUTE.CREATED']);

interface ChaosReply {
  providerFaults?: { paypal?: ArmedPaypalFault[] };
  faults?: unknown[];
  error?: { message: string };
}

async function chaos(body: unknown): Promise<{ status: number; body: ChaosReply }> {
  const response = await fetch(`${t.server.url}/_sandbox/chaos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as ChaosReply };
}

const unique = (name: string) => `${name}-${crypto.randomBytes(4).toString('hex')}`;

/** A dispute on a capture of Billfold's order `customId` (the dispute names it as `custom`). */
async function disputeFor(customId: string): Promise<string> {
  const capture = await insertCapture(t, { customId });
  return (await openDispute(t, { capture_id: capture.id, reason: 'UNAUTHORISED' })).dispute_id;
}

describe('PayPal faults armed for one order or buyer', () => {
  it('fails with PayPal’s 500 only the requests about the custom_id, as many times as armed, then lets them through', async () => {
    const unlucky = unique('order');
    const mine = await disputeFor(unlucky);
    const other = await disputeFor(unique('order'));
    const armed = await chaos({ faults: { paypal: [{ custom_id: unlucky, kind: '500', times: 2, method: 'GET', path: '/v1/customer/disputes/:id' }] } });
    expect(armed.status).toBe(200);
    expect(armed.body.providerFaults?.paypal?.filter((fault) => fault.custom_id === unlucky)).toEqual([
      { id: expect.stringMatching(/^fault_/), email: null, custom_id: unlucky, kind: '500', remaining: 2, method: 'GET', path: '/v1/customer/disputes/:id' },
    ]);
    expect((await t.rest('GET', `/v1/customer/disputes/${other}`)).status).toBe(200);
    // Another path about the same order is not the one armed.
    expect((await t.rest('POST', `/v1/customer/disputes/${mine}/send-message`, { message: 'hello' })).status).toBe(200);
    const first = await t.rest('GET', `/v1/customer/disputes/${mine}`);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ name: 'INTERNAL_SERVER_ERROR', debug_id: expect.any(String) });
    expect((await t.rest('GET', `/v1/customer/disputes/${mine}`)).status).toBe(500);
    expect((await t.rest('GET', `/v1/customer/disputes/${mine}`)).status).toBe(200);
    expect((await chaos({})).body.providerFaults?.paypal?.some((fault) => fault.custom_id === unlucky)).toBe(false);
  });

  it('drops the connection of a request about it when the fault is unreachable', async () => {
    const unlucky = unique('order');
    const dispute = await disputeFor(unlucky);
    await chaos({ faults: { paypal: [{ custom_id: unlucky, kind: 'unreachable' }] } });
    await expect(t.rest('GET', `/v1/customer/disputes/${dispute}`)).rejects.toThrow();
    expect((await t.rest('GET', `/v1/customer/disputes/${dispute}`)).status).toBe(200);
  });

  it('loses the webhook deliveries about it as armed, each loss a failed attempt retried with backoff, then delivers', async () => {
    const unlucky = unique('order');
    await chaos({ faults: { paypal: [{ custom_id: unlucky, kind: 'drop-webhooks', times: 2 }] } });
    const lucky = await disputeFor(unique('order'));
    const dispute = await disputeFor(unlucky);
    const event = await eventually(async () => (await t.events('CUSTOMER.DISPUTE.CREATED')).find((e) => (e.resource as { dispute_id: string }).dispute_id === dispute));
    const [arrived] = await hook.receiver.deliveriesOf(event.id);
    expect(arrived?.event.id).toBe(event.id);
    expect(hook.receiver.received.some((delivery) => (delivery.event.resource as { dispute_id: string }).dispute_id === lucky)).toBe(true);
    const attempts = await eventually(async () => {
      const rows = await t.server.store.sql<{ status: number | null; error: string | null }[]>`
        select a.status, a.error from sandbox.delivery_attempts a join sandbox.deliveries d on d.id = a.delivery_id
        where d.event_id = ${event.id} and d.endpoint_id = ${hook.webhookId} order by a.id`;
      return rows.length === 3 && rows;
    });
    expect(attempts).toEqual([
      { status: null, error: expect.stringMatching(/^connection dropped \(sandbox fault fault_/) },
      { status: null, error: expect.stringMatching(/^connection dropped/) },
      { status: 200, error: null },
    ]);
  });

  it('matches a payer by email anywhere in a resource (an order’s payer, a subscriber), not by other fields', () => {
    const faults = new PaypalFaults();
    const arm = faults.prepare([{ email: 'Unlucky@Example.com', kind: 'drop-webhooks' }]);
    if (typeof arm === 'string') throw new Error(arm);
    arm();
    const order = sampleEvent('CHECKOUT.ORDER.APPROVED', 'http://sandbox/paypal', nowSeconds()).resource as { payer: { email_address: string } };
    expect(faults.takeForDelivery(order)).toBeNull();
    expect(faults.takeForDelivery({ ...order, payer: { ...order.payer, email_address: 'unlucky@example.com' } })).toMatchObject({ kind: 'drop-webhooks', email: 'unlucky@example.com' });
    expect(faults.list()).toEqual([]);
  });

  it('refuses malformed faults and unknown providers, arming none of a refused request', async () => {
    const before = (await chaos({})).body.providerFaults?.paypal?.length ?? 0;
    for (const faults of [
      { paypal: [{ custom_id: 'a', kind: 'explode' }] },
      { paypal: [{ kind: '500' }] },
      { paypal: [{ custom_id: 'a', email: 'b@example.com', kind: '500' }] },
      { paypal: [{ custom_id: 'a', kind: '500', path: '/orders' }] },
      { paypal: [{ custom_id: 'a', kind: '500' }], klarna: [] },
      { paypal: 'all' },
    ]) {
      const reply = await chaos({ faults });
      expect(reply.status).toBe(400);
      expect(reply.body.error?.message).toEqual(expect.any(String));
    }
    expect((await chaos({})).body.providerFaults?.paypal?.length ?? 0).toBe(before);
  });

  it('forgets the armed faults on reset', async () => {
    await chaos({ faults: { paypal: [{ custom_id: unique('order'), kind: '500' }] } });
    await fetch(`${t.server.url}/_sandbox/reset`, { method: 'POST' });
    expect((await chaos({})).body.providerFaults).toEqual({ paypal: [] });
  });
});
