import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@/test/sandbox';
import type { PaypalEvent } from '../events';
import { insertCapture, openDispute, paypalReceiver, postbackFor, registerWebhook, verifyOffline, type PaypalReceiver } from './hooks-support';
import { expectMatchesPaypalSpec } from './openapi';
import { paypalSandbox } from './support';

const t = paypalSandbox();

let receiver: PaypalReceiver;
let webhookId: string;

beforeAll(async () => {
  receiver = await paypalReceiver();
  webhookId = await registerWebhook(t, receiver.url);
});
afterAll(async () => {
  await receiver.close();
});

/** A real event: a buyer opening a dispute raises CUSTOMER.DISPUTE.CREATED. */
async function raiseDisputeEvent(): Promise<{ event: PaypalEvent; captureId: string }> {
  const capture = await insertCapture(t);
  const dispute = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
  const event = await eventually(async () => (await t.events('CUSTOMER.DISPUTE.CREATED')).find((e) => (e.resource as { dispute_id: string }).dispute_id === dispute.dispute_id));
  return { event, captureId: capture.id };
}

async function verify(body: unknown) {
  const reply = await t.rest<{ verification_status: string }>('POST', '/v1/notifications/verify-webhook-signature', body);
  expectMatchesPaypalSpec('POST', '/v1/notifications/verify-webhook-signature', reply.status, reply.body);
  return reply;
}

describe('signed deliveries', () => {
  it('delivers each event with PayPal’s headers, verifiable offline with the served certificate and through verify-webhook-signature', async () => {
    const { event } = await raiseDisputeEvent();
    const [delivery] = await receiver.deliveriesOf(event.id);
    expect(delivery?.headers['paypal-auth-algo']).toBe('SHA256withRSA');
    expect(delivery?.headers['paypal-cert-url']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/paypal\/v1\/notifications\/certs\/CERT-/);
    expect(delivery?.event).toEqual(event);
    expect(await verifyOffline(delivery!, webhookId)).toBe(true);
    const reply = await verify(postbackFor(delivery!, webhookId));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ verification_status: 'SUCCESS' });
  });

  it('fails the common mistakes: hex CRC, a re-serialised body, an HMAC signature, a wrong webhook id, a tampered event, another algorithm or certificate', async () => {
    const { event } = await raiseDisputeEvent();
    const [delivery] = await receiver.deliveriesOf(event.id);
    const sent = delivery!;
    // Offline: the CRC written in hex, or computed over the body parsed and pretty-printed again.
    expect(await verifyOffline(sent, webhookId, { hexCrc: true })).toBe(false);
    expect(await verifyOffline(sent, webhookId, { body: JSON.stringify(JSON.parse(sent.body), null, 2) })).toBe(false);
    expect(await verifyOffline(sent, 'WRONGWEBHOOKID')).toBe(false);
    // Postback: each field must be the delivery's own.
    const good = postbackFor(sent, webhookId);
    const hmac = crypto.createHmac('sha256', webhookId).update(sent.body).digest('base64');
    const tampered = { ...(good.webhook_event as PaypalEvent), summary: 'A dispute was resolved in your favour' };
    const otherWebhook = await registerWebhook(t, `${receiver.url}/other`, ['PAYMENT.CAPTURE.COMPLETED']);
    for (const wrong of [
      { ...good, transmission_sig: hmac },
      { ...good, webhook_id: otherWebhook },
      { ...good, webhook_event: tampered },
      { ...good, transmission_time: new Date().toISOString() },
      { ...good, transmission_id: crypto.randomUUID() },
      { ...good, auth_algo: 'SHA1withRSA' },
      { ...good, cert_url: 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-b1f0d5a1' },
    ]) {
      expect((await verify(wrong)).body).toEqual({ verification_status: 'FAILURE' });
    }
    // The event as parsed JSON in another key order is still the event (PayPal compares the parsed event).
    const reordered = Object.fromEntries(Object.entries(good.webhook_event as Record<string, unknown>).reverse());
    expect((await verify({ ...good, webhook_event: reordered })).body).toEqual({ verification_status: 'SUCCESS' });
    await t.rest('DELETE', `/v1/notifications/webhooks/${otherWebhook}`);
  });

  it('refuses a postback with a missing field with PayPal’s 400 naming it', async () => {
    const reply = await t.rest<{ name: string; details: { issue: string; field: string }[] }>('POST', '/v1/notifications/verify-webhook-signature', { auth_algo: 'SHA256withRSA', cert_url: 'x', transmission_id: 'x', transmission_sig: 'x', transmission_time: 'x', webhook_id: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/webhook_event' }] });
    expectMatchesPaypalSpec('POST', '/v1/notifications/verify-webhook-signature', reply.status, reply.body);
  });
});

describe('simulate-event', () => {
  it('delivers a signed sample of the type to the webhook, and verify-webhook-signature answers FAILURE for it as at PayPal', async () => {
    const reply = await t.rest<PaypalEvent>('POST', '/v1/notifications/simulate-event', { webhook_id: webhookId, event_type: 'PAYMENT.CAPTURE.COMPLETED' });
    expect(reply.status).toBe(202);
    expectMatchesPaypalSpec('POST', '/v1/notifications/simulate-event', reply.status, reply.body);
    expect(reply.body).toMatchObject({ event_type: 'PAYMENT.CAPTURE.COMPLETED', resource_type: 'capture', resource_version: '2.0', resource: { status: 'COMPLETED', amount: { currency_code: 'USD' } } });
    const [delivery] = await receiver.deliveriesOf(reply.body.id);
    expect(await verifyOffline(delivery!, webhookId)).toBe(true);
    expect((await verify(postbackFor(delivery!, webhookId))).body).toEqual({ verification_status: 'FAILURE' });
  });

  it('samples each kind of resource: a subscription, a sale, a dispute, an order; by the webhook’s URL too', async () => {
    const cases = [
      ['BILLING.SUBSCRIPTION.ACTIVATED', 'subscription', '1.0', { status: 'ACTIVE', id: expect.stringMatching(/^I-/) }],
      ['PAYMENT.SALE.COMPLETED', 'sale', '1.0', { state: 'completed' }],
      ['CUSTOMER.DISPUTE.CREATED', 'dispute', '1.0', { status: 'WAITING_FOR_SELLER_RESPONSE', dispute_id: expect.stringMatching(/^PP-D-/) }],
      ['CHECKOUT.ORDER.APPROVED', 'checkout-order', '2.0', { status: 'APPROVED', intent: 'CAPTURE' }],
    ] as const;
    for (const [eventType, resourceType, version, resource] of cases) {
      const reply = await t.rest<PaypalEvent>('POST', '/v1/notifications/simulate-event', { url: receiver.url, event_type: eventType });
      expect(reply.status).toBe(202);
      expect(reply.body).toMatchObject({ event_type: eventType, resource_type: resourceType, resource_version: version, resource });
      await receiver.deliveriesOf(reply.body.id);
    }
  });

  it('refuses an unknown type, a missing target and an unknown webhook', async () => {
    const unknownType = await t.rest('POST', '/v1/notifications/simulate-event', { webhook_id: webhookId, event_type: 'PAYMENT.NOPE' });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body).toMatchObject({ details: [{ issue: 'INVALID_PARAMETER_VALUE', field: '/event_type' }] });
    const noTarget = await t.rest('POST', '/v1/notifications/simulate-event', { event_type: 'PAYMENT.CAPTURE.COMPLETED' });
    expect(noTarget.body).toMatchObject({ details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/webhook_id' }] });
    const unknownWebhook = await t.rest('POST', '/v1/notifications/simulate-event', { webhook_id: 'NOSUCHWEBHOOK', event_type: 'PAYMENT.CAPTURE.COMPLETED' });
    expect(unknownWebhook.status).toBe(400);
  });
});

describe('the event log', () => {
  it('resends an event as a new transmission, to every listening webhook or to the ones named', async () => {
    const { event } = await raiseDisputeEvent();
    await receiver.deliveriesOf(event.id, 1);
    const again = await t.rest<PaypalEvent>('POST', `/v1/notifications/webhooks-events/${event.id}/resend`, {});
    expect(again.status).toBe(202);
    expectMatchesPaypalSpec('POST', `/v1/notifications/webhooks-events/${event.id}/resend`, again.status, again.body);
    expect(again.body.id).toBe(event.id);
    const [first, second] = await receiver.deliveriesOf(event.id, 2);
    expect(second?.headers['paypal-transmission-id']).not.toBe(first?.headers['paypal-transmission-id']);
    expect(second?.body).toBe(first?.body);
    expect((await verify(postbackFor(second!, webhookId))).body).toEqual({ verification_status: 'SUCCESS' });
    const named = await t.rest('POST', `/v1/notifications/webhooks-events/${event.id}/resend`, { webhook_ids: [webhookId] });
    expect(named.status).toBe(202);
    await receiver.deliveriesOf(event.id, 3);
    const unknown = await t.rest('POST', `/v1/notifications/webhooks-events/${event.id}/resend`, { webhook_ids: ['NOSUCHWEBHOOK'] });
    expect(unknown.status).toBe(400);
    const missing = await t.rest('POST', '/v1/notifications/webhooks-events/WH-NOPE/resend', {});
    expect(missing.status).toBe(404);
  });

  it('lists events newest first, filtered by type, transaction and time, in pages with a next link; shows one by id', async () => {
    const first = await raiseDisputeEvent();
    const second = await raiseDisputeEvent();
    const all = await t.rest<{ events: PaypalEvent[]; count: number; links: { href: string; rel: string }[] }>('GET', '/v1/notifications/webhooks-events?page_size=50');
    expect(all.status).toBe(200);
    expectMatchesPaypalSpec('GET', '/v1/notifications/webhooks-events', all.status, all.body);
    const ids = all.body.events.map((e) => e.id);
    expect(ids.indexOf(second.event.id)).toBeLessThan(ids.indexOf(first.event.id));
    expect(all.body.count).toBe(all.body.events.length);
    // Simulated events are not in the log.
    expect(all.body.events.every((e) => e.resource_type !== 'sale')).toBe(true);

    const byTransaction = await t.rest<{ events: PaypalEvent[] }>('GET', `/v1/notifications/webhooks-events?transaction_id=${first.captureId}`);
    // The capture's own events and the dispute about it, and nothing about the other capture.
    expect(byTransaction.body.events.map((e) => e.event_type).sort()).toEqual(['CUSTOMER.DISPUTE.CREATED', 'PAYMENT.CAPTURE.COMPLETED']);
    expect(byTransaction.body.events.map((e) => e.id)).toContain(first.event.id);
    const byType = await t.rest<{ events: PaypalEvent[] }>('GET', '/v1/notifications/webhooks-events?event_type=CUSTOMER.DISPUTE.CREATED&page_size=50');
    expect(byType.body.events.length).toBeGreaterThanOrEqual(2);
    expect(byType.body.events.every((e) => e.event_type === 'CUSTOMER.DISPUTE.CREATED')).toBe(true);
    const future = await t.rest<{ events: PaypalEvent[] }>('GET', `/v1/notifications/webhooks-events?start_time=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect(future.body.events).toEqual([]);

    const pageOne = await t.rest<{ events: PaypalEvent[]; links: { href: string; rel: string }[] }>('GET', '/v1/notifications/webhooks-events?page_size=1');
    expect(pageOne.body.events.map((e) => e.id)).toEqual([ids[0]]);
    const next = pageOne.body.links.find((l) => l.rel === 'next');
    expect(next).toBeDefined();
    const pageTwo = await t.rest<{ events: PaypalEvent[] }>('GET', next!.href.slice(t.paypalUrl.length));
    expect(pageTwo.body.events.map((e) => e.id)).toEqual([ids[1]]);

    const one = await t.rest<PaypalEvent>('GET', `/v1/notifications/webhooks-events/${first.event.id}`);
    expect(one.status).toBe(200);
    expectMatchesPaypalSpec('GET', `/v1/notifications/webhooks-events/${first.event.id}`, one.status, one.body);
    expect(one.body).toEqual(first.event);
    const unknown = await t.rest('GET', '/v1/notifications/webhooks-events/WH-UNKNOWN');
    expect(unknown.status).toBe(404);
    const badSize = await t.rest('GET', '/v1/notifications/webhooks-events?page_size=0');
    expect(badSize.status).toBe(400);
  });
});
