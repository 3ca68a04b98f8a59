import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';
import type { PaypalEvent } from '@/sandbox/paypal/events';
import { insertCapture, openDispute, registeredReceiver, sandboxPost, type PaypalDelivery } from '@/sandbox/paypal/tests/hooks-support';
import { approvedOrder, decide, linkOf } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { eventually } from '@/test/sandbox';
import { paypalClientFor } from './client';
import { paypalEventLookups } from './index';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from './sandbox-credentials';
import {
  classifyPaypalEvent,
  MalformedPaypalEventError,
  PAYPAL_CERTIFICATE_LOCATIONS,
  paypalWebhookVerifier,
  sandboxCertificateLocation,
  type PaypalEventLookups,
  type PaypalWebhooksOptions,
  type SignaturePostback,
} from './webhooks';

// Pending captures stay pending until a test settles them (POST /_sandbox/captures/:id/complete|deny).
process.env.PAYPAL_SANDBOX_PENDING_SECONDS = '3600';

const t = paypalSandbox();
const hook = registeredReceiver(t, ['*']);

/**
 * The sandbox's signing key is committed and worth nothing (sandbox/paypal/certs/README.md): with
 * it a test signs what a careless integrator would compute (a hex CRC, a re-serialised body, a
 * stale time) with the right key, so each refusal is proved to come from that one mistake.
 */
const SANDBOX_KEY = crypto.createPrivateKey(fs.readFileSync(path.join(import.meta.dirname, '../../../sandbox/paypal/certs/webhook-signing.key.pem')));

const crc = (body: string) => zlib.crc32(Buffer.from(body, 'utf8')) >>> 0;
const signWithSandboxKey = (message: string) => crypto.sign('sha256', Buffer.from(message), SANDBOX_KEY).toString('base64');

/** A fetch that records every URL asked for, so a test can say nothing was fetched, or only once. */
function countingFetch(impl: typeof fetch = fetch) {
  const urls: string[] = [];
  const counted: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return impl(input, init);
  };
  return { fetch: counted, urls };
}

function verifierFor(options: Partial<PaypalWebhooksOptions> = {}) {
  const counter = countingFetch(options.fetch);
  const verify = paypalWebhookVerifier({
    webhookIds: () => [hook.webhookId],
    certificateLocations: [sandboxCertificateLocation(t.paypalUrl)],
    ...options,
    fetch: counter.fetch,
  });
  return { verify, fetched: counter.urls };
}

/** The delivery's headers as the route receives them, with some replaced (a string) or left out (null). */
function headersOf(delivery: PaypalDelivery, changes: Record<string, string | null> = {}): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return headers;
}

/** A real event (a buyer paying: PAYMENT.CAPTURE.COMPLETED) as the sandbox delivered it to the registered webhook. */
async function capturedDelivery(value = '25.00'): Promise<PaypalDelivery> {
  const capture = await insertCapture(t, { value });
  const event = await eventually(async () => (await t.events('PAYMENT.CAPTURE.COMPLETED')).find((e) => (e.resource as { id: string }).id === capture.id));
  const [delivery] = await hook.receiver.deliveriesOf(event.id);
  return delivery!;
}

describe('verifying a PayPal delivery', () => {
  it('accepts a delivery the sandbox signed, as the event with its raw body', async () => {
    const delivery = await capturedDelivery();
    const { verify } = verifierFor();
    expect(await verify(delivery.body, headersOf(delivery))).toEqual({
      provider: 'paypal',
      eventId: delivery.event.id,
      type: 'PAYMENT.CAPTURE.COMPLETED',
      payloadJson: delivery.body,
    });
  });

  it('refuses a delivery missing any of PayPal’s five signature headers', async () => {
    const delivery = await capturedDelivery();
    const { verify } = verifierFor();
    for (const name of ['paypal-transmission-id', 'paypal-transmission-time', 'paypal-transmission-sig', 'paypal-cert-url', 'paypal-auth-algo']) {
      expect(await verify(delivery.body, headersOf(delivery, { [name]: null })), name).toBeNull();
    }
  });

  it('refuses an algorithm other than SHA256withRSA, even with a valid signature', async () => {
    const delivery = await capturedDelivery();
    const { verify } = verifierFor();
    for (const algo of ['SHA1withRSA', 'SHA256withECDSA', 'HMACSHA256', 'sha256withrsa']) {
      expect(await verify(delivery.body, headersOf(delivery, { 'paypal-auth-algo': algo })), algo).toBeNull();
    }
  });

  it('refuses a certificate URL outside the allowed locations without fetching it', async () => {
    const delivery = await capturedDelivery();
    const { verify, fetched } = verifierFor();
    const sandboxCert = String(delivery.headers['paypal-cert-url']);
    const certPath = new URL(sandboxCert).pathname.replace(/^\/paypal/, '');
    for (const certUrl of [
      `https://evil.example${certPath}`,
      `https://api.paypal.com${certPath}`, // PayPal's, but this verifier is the sandbox's
      `https://api.paypal.com.evil.example${certPath}`,
      sandboxCert.replace('http://', 'http://user@'),
      sandboxCert.replace('/v1/notifications/certs/', '/v1/notifications/other/'),
      `${sandboxCert}?x=1`,
      'not a url',
    ]) {
      expect(await verify(delivery.body, headersOf(delivery, { 'paypal-cert-url': certUrl })), certUrl).toBeNull();
    }
    expect(fetched).toEqual([]);
  });

  it('takes PayPal’s own hosts over https only, per environment', async () => {
    const delivery = await capturedDelivery();
    const certPath = new URL(String(delivery.headers['paypal-cert-url'])).pathname.replace(/^\/paypal/, '');
    // A fetch that fails as the network would here: reaching it proves the location was allowed.
    const unreachable: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
    const live = verifierFor({ certificateLocations: PAYPAL_CERTIFICATE_LOCATIONS.live, fetch: unreachable });
    await expect(live.verify(delivery.body, headersOf(delivery, { 'paypal-cert-url': `https://api-m.paypal.com${certPath}` }))).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    expect(await live.verify(delivery.body, headersOf(delivery, { 'paypal-cert-url': `http://api.paypal.com${certPath}` }))).toBeNull();
    expect(await live.verify(delivery.body, headersOf(delivery, { 'paypal-cert-url': `https://api.sandbox.paypal.com${certPath}` }))).toBeNull();
    expect(live.fetched).toEqual([`https://api-m.paypal.com${certPath}`]);
  });

  it('refuses a body changed by one byte after signing', async () => {
    const delivery = await capturedDelivery('25.00');
    const altered = delivery.body.replace('"value":"25.00"', '"value":"26.00"');
    expect(altered).not.toBe(delivery.body);
    expect(altered.length).toBe(delivery.body.length);
    expect(await verifierFor().verify(altered, headersOf(delivery))).toBeNull();
  });

  it('refuses a delivery signed for another webhook id, and accepts either id during a change of webhook', async () => {
    const delivery = await capturedDelivery();
    expect(await verifierFor({ webhookIds: () => ['8PT597110X687430LKGECATA'] }).verify(delivery.body, headersOf(delivery))).toBeNull();
    expect(await verifierFor({ webhookIds: () => [] }).verify(delivery.body, headersOf(delivery))).toBeNull();
    expect(await verifierFor({ webhookIds: async () => ['8PT597110X687430LKGECATA', hook.webhookId] }).verify(delivery.body, headersOf(delivery))).not.toBeNull();
  });

  it('refuses a transmission more than five minutes from our clock, so a captured delivery cannot be replayed later', async () => {
    const delivery = await capturedDelivery();
    const sentAt = Date.parse(String(delivery.headers['paypal-transmission-time']));
    const at = (offsetMs: number) => verifierFor({ now: () => sentAt + offsetMs }).verify(delivery.body, headersOf(delivery));
    expect(await at(4 * 60_000)).not.toBeNull();
    expect(await at(6 * 60_000)).toBeNull();
    expect(await at(-6 * 60_000)).toBeNull();
    // Signed with the right key at a stale time: refused for the time alone.
    const time = new Date(Date.now() - 10 * 60_000).toISOString();
    const id = crypto.randomUUID();
    const signature = signWithSandboxKey(`${id}|${time}|${hook.webhookId}|${crc(delivery.body)}`);
    const stale = headersOf(delivery, { 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': signature });
    expect(await verifierFor().verify(delivery.body, stale)).toBeNull();
    expect(await verifierFor({ now: () => Date.parse(time) }).verify(delivery.body, stale)).not.toBeNull();
  });

  it('refuses a signature made with another RSA key', async () => {
    const delivery = await capturedDelivery();
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = String(delivery.headers['paypal-transmission-id']);
    const time = String(delivery.headers['paypal-transmission-time']);
    const forged = crypto.sign('sha256', Buffer.from(`${id}|${time}|${hook.webhookId}|${crc(delivery.body)}`), privateKey).toString('base64');
    expect(await verifierFor().verify(delivery.body, headersOf(delivery, { 'paypal-transmission-sig': forged }))).toBeNull();
  });

  it('refuses the common home-grown mistakes: an HMAC, a hex CRC, a SHA-256 of the body, a re-serialised body', async () => {
    const delivery = await capturedDelivery();
    const { verify } = verifierFor();
    const id = crypto.randomUUID();
    const time = new Date().toISOString();
    const signed = (signature: string) => headersOf(delivery, { 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': signature });
    // The control: the right message, signed with the right key, verifies.
    expect(await verify(delivery.body, signed(signWithSandboxKey(`${id}|${time}|${hook.webhookId}|${crc(delivery.body)}`)))).not.toBeNull();

    const hmac = crypto.createHmac('sha256', hook.webhookId).update(`${id}|${time}|${hook.webhookId}|${crc(delivery.body)}`).digest('base64');
    expect(await verify(delivery.body, signed(hmac))).toBeNull();
    expect(await verify(delivery.body, signed(signWithSandboxKey(`${id}|${time}|${hook.webhookId}|${crc(delivery.body).toString(16)}`)))).toBeNull();
    const sha = crypto.createHash('sha256').update(delivery.body).digest('hex');
    expect(await verify(delivery.body, signed(signWithSandboxKey(`${id}|${time}|${hook.webhookId}|${sha}`)))).toBeNull();
    // The sandbox's own signature, checked against the body parsed and written again (indented, or keys reordered).
    const parsed = JSON.parse(delivery.body) as Record<string, unknown>;
    for (const reserialised of [JSON.stringify(parsed, null, 2), JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()))]) {
      expect(reserialised).not.toBe(delivery.body);
      expect(await verify(reserialised, headersOf(delivery))).toBeNull();
    }
  });

  it('refuses a certificate outside its validity period', async () => {
    const delivery = await capturedDelivery();
    const signedAt = async (time: string) => {
      const id = crypto.randomUUID();
      const headers = headersOf(delivery, { 'paypal-transmission-id': id, 'paypal-transmission-time': time, 'paypal-transmission-sig': signWithSandboxKey(`${id}|${time}|${hook.webhookId}|${crc(delivery.body)}`) });
      return verifierFor({ now: () => Date.parse(time) }).verify(delivery.body, headers);
    };
    // The sandbox's certificate was made in 2026 for 100 years.
    expect(await signedAt(new Date().toISOString())).not.toBeNull();
    expect(await signedAt('2001-01-01T00:00:00Z')).toBeNull();
    expect(await signedAt('2199-01-01T00:00:00Z')).toBeNull();
  });

  it('fetches the certificate once for many deliveries, even when they arrive together', async () => {
    const deliveries = [await capturedDelivery('1.00'), await capturedDelivery('2.00'), await capturedDelivery('3.00')];
    const { verify, fetched } = verifierFor();
    const together = await Promise.all(Array.from({ length: 20 }, (_, index) => deliveries[index % 3]!).map((delivery) => verify(delivery.body, headersOf(delivery))));
    expect(together.every((event) => event !== null)).toBe(true);
    for (const delivery of deliveries) expect(await verify(delivery.body, headersOf(delivery))).not.toBeNull();
    expect(fetched).toEqual([String(deliveries[0]!.headers['paypal-cert-url'])]);
  });

  it('asks PayPal’s verify-webhook-signature when the certificate cannot be fetched, and believes only SUCCESS', async () => {
    const delivery = await capturedDelivery('25.00');
    const unreachable: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
    const asked: SignaturePostback[] = [];
    const postback = async (request: SignaturePostback) => {
      asked.push(request);
      return (await t.rest<{ verification_status: string }>('POST', '/v1/notifications/verify-webhook-signature', request)).body;
    };
    const { verify } = verifierFor({ fetch: unreachable, postback });
    expect(await verify(delivery.body, headersOf(delivery))).toMatchObject({ eventId: delivery.event.id });
    expect(asked[0]).toMatchObject({ webhook_id: hook.webhookId, auth_algo: 'SHA256withRSA', webhook_event: delivery.event });
    const altered = delivery.body.replace('"value":"25.00"', '"value":"26.00"');
    expect(await verify(altered, headersOf(delivery))).toBeNull();
    // Without a postback, an unreachable certificate is an outage (the route answers 500 and PayPal retries), not a forgery.
    await expect(verifierFor({ fetch: unreachable }).verify(delivery.body, headersOf(delivery))).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
  });

  it('does not call the postback for a delivery refused before the certificate is needed', async () => {
    const delivery = await capturedDelivery();
    let asked = 0;
    const postback = async () => {
      asked += 1;
      return { verification_status: 'SUCCESS' };
    };
    const { verify } = verifierFor({ fetch: () => Promise.reject(new TypeError('fetch failed')), postback });
    expect(await verify(delivery.body, headersOf(delivery, { 'paypal-auth-algo': 'SHA1withRSA' }))).toBeNull();
    expect(await verify(delivery.body, headersOf(delivery, { 'paypal-cert-url': 'https://evil.example/v1/notifications/certs/CERT-1' }))).toBeNull();
    expect(asked).toBe(0);
  });
});

/** The first event of `type` the sandbox raised about `matches`. */
async function eventOf(type: string, matches: (resource: Record<string, unknown>) => boolean): Promise<PaypalEvent> {
  return eventually(async () => (await t.events(type)).find((event) => matches(event.resource as Record<string, unknown>)));
}

async function captureOrderOf(captureId: string): Promise<string> {
  const reply = await t.rest<{ supplementary_data: { related_ids: { order_id: string } } }>('GET', `/v2/payments/captures/${captureId}`);
  return reply.body.supplementary_data.related_ids.order_id;
}

/** The order a capture's event names. */
function captureOrder(resource: Record<string, unknown>): string | undefined {
  return (resource as { supplementary_data?: { related_ids?: { order_id?: string } } }).supplementary_data?.related_ids?.order_id;
}

const stored = (event: PaypalEvent) => ({ type: event.event_type, payload: event });

/** For events that name what they are about: reading PayPal as well would be a wasted call. */
const noLookup: PaypalEventLookups = {
  orderOfCapture: (captureId) => Promise.reject(new Error(`looked up capture ${captureId} for an event that names its order`)),
  subscriptionOfSale: (saleId) => Promise.reject(new Error(`looked up sale ${saleId} for an event that names its subscription`)),
  saleOfRefund: (refundId) => Promise.reject(new Error(`looked up refund ${refundId} for an event that names its sale`)),
  accountOfSubscription: (subscriptionId) => Promise.reject(new Error(`looked up subscription ${subscriptionId} for an event that names its account`)),
};

/** Only the capture's order is read (from the sandbox, by `orderOfCapture`). */
const captureLookup = (orderOfCapture: (captureId: string) => Promise<string>): PaypalEventLookups => ({ ...noLookup, orderOfCapture });

describe('classifying PayPal events', () => {
  it('names the order of CHECKOUT.ORDER.APPROVED and COMPLETED and of PAYMENT.CAPTURE.COMPLETED, without reading the capture', async () => {
    const capture = await insertCapture(t);
    const orderId = capture.internal.orderId;
    for (const type of ['CHECKOUT.ORDER.APPROVED', 'CHECKOUT.ORDER.COMPLETED']) {
      expect(await classifyPaypalEvent(stored(await eventOf(type, (order) => order.id === orderId)), noLookup), type).toEqual({ kind: 'payment', paymentId: orderId });
    }
    const completed = await eventOf('PAYMENT.CAPTURE.COMPLETED', (resource) => resource.id === capture.id);
    expect(await classifyPaypalEvent(stored(completed), noLookup)).toEqual({ kind: 'payment', paymentId: orderId });
  });

  it('names the order of a PENDING capture, and of one DENIED later', async () => {
    const capture = await insertCapture(t, { buyer: 'denied@example.com' });
    const pending = await eventOf('PAYMENT.CAPTURE.PENDING', (resource) => resource.id === capture.id);
    expect(await classifyPaypalEvent(stored(pending), noLookup)).toEqual({ kind: 'payment', paymentId: capture.internal.orderId });
    expect((await fetch(`${t.paypalUrl}/_sandbox/captures/${capture.id}/deny`, { method: 'POST' })).status).toBe(200);
    const denied = await eventOf('PAYMENT.CAPTURE.DENIED', (resource) => resource.id === capture.id);
    expect(await classifyPaypalEvent(stored(denied), noLookup)).toEqual({ kind: 'payment', paymentId: capture.internal.orderId });
  });

  it('names the order of a DECLINED capture (a buyer PayPal refuses)', async () => {
    const order = await approvedOrder(t, { buyer: 'refused@example.com' });
    expect((await t.rest('POST', `/v2/checkout/orders/${order.id}/capture`, {})).status).toBe(422);
    const declined = await eventOf('PAYMENT.CAPTURE.DECLINED', (resource) => captureOrder(resource) === order.id);
    expect(await classifyPaypalEvent(stored(declined), noLookup)).toEqual({ kind: 'payment', paymentId: order.id });
  });

  it('names the refund of PAYMENT.CAPTURE.REFUNDED and REVERSED, reading its capture’s order, which the refund does not carry', async () => {
    const refunded = await insertCapture(t, { value: '30.00' });
    const refund = await t.rest<{ id: string }>('POST', `/v2/payments/captures/${refunded.id}/refund`, { amount: { currency_code: 'USD', value: '10.00' } });
    expect(refund.status).toBe(201);
    const refundEvent = await eventOf('PAYMENT.CAPTURE.REFUNDED', (resource) => resource.id === refund.body.id);
    const lookups: string[] = [];
    const orderOfCapture = (captureId: string) => {
      lookups.push(captureId);
      return captureOrderOf(captureId);
    };
    expect(await classifyPaypalEvent(stored(refundEvent), captureLookup(orderOfCapture))).toEqual({ kind: 'refund', paymentId: refunded.internal.orderId, refundId: refund.body.id });

    const reversed = await insertCapture(t, { value: '20.00' });
    await openDispute(t, { capture_id: reversed.id, reason: 'UNAUTHORISED', stage: 'CHARGEBACK' });
    const reversal = await eventOf('PAYMENT.CAPTURE.REVERSED', (resource) => (resource.links as { rel: string; href: string }[]).some((link) => link.rel === 'up' && link.href.endsWith(`/captures/${reversed.id}`)));
    expect(await classifyPaypalEvent(stored(reversal), captureLookup(orderOfCapture))).toEqual({ kind: 'refund', paymentId: reversed.internal.orderId, refundId: (reversal.resource as { id: string }).id });
    expect(lookups).toEqual([refunded.id, reversed.id]);
  });

  it('names the dispute of CUSTOMER.DISPUTE.CREATED, UPDATED and RESOLVED with its capture’s order', async () => {
    const capture = await insertCapture(t);
    const { dispute_id: disputeId } = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
    expect((await t.rest('POST', `/v1/customer/disputes/${disputeId}/send-message`, { message: 'Tracking number 1Z999' })).status).toBe(200);
    expect((await sandboxPost(t, `/_sandbox/disputes/${disputeId}/resolve`, { outcome: 'seller' })).status).toBe(200);
    for (const type of ['CUSTOMER.DISPUTE.CREATED', 'CUSTOMER.DISPUTE.UPDATED', 'CUSTOMER.DISPUTE.RESOLVED']) {
      const event = await eventOf(type, (dispute) => dispute.dispute_id === disputeId);
      expect(await classifyPaypalEvent(stored(event), captureLookup(captureOrderOf)), type).toEqual({ kind: 'dispute', paymentId: capture.internal.orderId, disputeId });
    }
  });

  it('ignores event types Billfold does not act on', async () => {
    for (const type of ['PAYMENT.AUTHORIZATION.CREATED', 'BILLING.PLAN.CREATED', 'CATALOG.PRODUCT.CREATED', 'toString', '__proto__']) {
      expect(await classifyPaypalEvent({ type, payload: { id: 'WH-1', event_type: type, resource: {} } }, noLookup), type).toBeNull();
    }
  });

  it('throws for a known type that lacks what it must carry, so the event is retried and seen, not skipped', async () => {
    const missing = [
      { type: 'CHECKOUT.ORDER.APPROVED', resource: {} },
      { type: 'PAYMENT.CAPTURE.COMPLETED', resource: { id: 'CAPTURE1' } },
      { type: 'PAYMENT.CAPTURE.REFUNDED', resource: { id: 'REFUND1', links: [] } },
      { type: 'PAYMENT.CAPTURE.REVERSED', resource: { id: 'REFUND1', links: [{ rel: 'up', href: 'not a url' }] } },
      { type: 'CUSTOMER.DISPUTE.CREATED', resource: { dispute_id: 'PP-D-1', disputed_transactions: [] } },
      { type: 'PAYMENT.CAPTURE.PENDING', resource: undefined },
    ];
    for (const { type, resource } of missing) {
      const event = { type, payload: { id: 'WH-1', event_type: type, resource } };
      await expect(classifyPaypalEvent(event, captureLookup(captureOrderOf)), type).rejects.toBeInstanceOf(MalformedPaypalEventError);
    }
  });
});

/** A monthly plan at the sandbox's PayPal, as a merchant (or Billfold) makes one. */
async function newPlan(options: { totalCycles?: number } = {}): Promise<string> {
  const product = await t.rest<{ id: string }>('POST', '/v1/catalogs/products', { name: 'Hooks', type: 'SERVICE' });
  const plan = await t.rest<{ id: string }>('POST', '/v1/billing/plans', {
    product_id: product.body.id,
    name: 'Monthly',
    billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: options.totalCycles ?? 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, pricing_scheme: { fixed_price: { currency_code: 'USD', value: '5.00' } } }],
    payment_preferences: { auto_bill_outstanding: true },
  });
  return plan.body.id;
}

/** A subscription approved by `buyer`; `customId` names our account (left out: made outside Billfold). */
async function approvedSubscription(planId: string, options: { customId?: string; buyer?: string } = {}): Promise<string> {
  const created = await t.rest<{ id: string; links: { rel: string; href: string }[] }>('POST', '/v1/billing/subscriptions', {
    plan_id: planId,
    ...(options.customId ? { custom_id: options.customId } : {}),
    application_context: { return_url: 'https://shop.example/return', cancel_url: 'https://shop.example/cancel' },
  });
  expect(created.status).toBe(201);
  expect((await decide(linkOf(created.body, 'approve'), 'approve', options.buyer)).status).toBeLessThan(400);
  return created.body.id;
}

async function advanceCycles(id: string, cycles: number): Promise<void> {
  const response = await fetch(`${t.paypalUrl}/_sandbox/subscriptions/${id}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ cycles }) });
  expect(response.status).toBe(200);
}

/** The app's own lookups (index.ts) through a client of this sandbox, recording each read. */
function countedLookups() {
  const reads: string[] = [];
  const app = paypalEventLookups(paypalClientFor({ apiBase: t.paypalUrl, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' }));
  const lookups: PaypalEventLookups = {
    orderOfCapture: (id) => (reads.push(`capture ${id}`), app.orderOfCapture(id)),
    subscriptionOfSale: (id) => (reads.push(`sale ${id}`), app.subscriptionOfSale(id)),
    saleOfRefund: (id) => (reads.push(`refund ${id}`), app.saleOfRefund(id)),
    accountOfSubscription: (id) => (reads.push(`subscription ${id}`), app.accountOfSubscription(id)),
  };
  return { lookups, reads };
}

/** An event as another type, with its resource changed: for what the sandbox does not raise itself. */
function retyped(event: PaypalEvent, type: string, resource: unknown): { type: string; payload: unknown } {
  return { type, payload: { ...event, id: `WH-${crypto.randomUUID()}`, event_type: type, resource } };
}

describe('classifying PayPal subscription events', () => {
  it('names the subscription and our account (its custom_id) for every BILLING.SUBSCRIPTION event, reading nothing', async () => {
    const account = `account:${crypto.randomUUID()}`;
    const id = await approvedSubscription(await newPlan(), { customId: account, buyer: 'renewals-fail@example.com' });
    await advanceCycles(id, 1);
    expect((await t.rest('PATCH', `/v1/billing/subscriptions/${id}`, [{ op: 'replace', path: '/billing_info/outstanding_balance', value: { currency_code: 'USD', value: '0.00' } }])).status).toBe(204);
    expect((await t.rest('POST', `/v1/billing/subscriptions/${id}/suspend`, { reason: 'Holiday' })).status).toBe(204);
    expect((await t.rest('POST', `/v1/billing/subscriptions/${id}/cancel`, { reason: 'Moved away' })).status).toBe(204);
    const expiring = await approvedSubscription(await newPlan({ totalCycles: 1 }), { customId: account });
    await advanceCycles(expiring, 1);

    const expected = (subscriptionId: string) => ({ kind: 'subscription', customerId: account, subscriptionId });
    const raised: [string, string][] = [
      ['BILLING.SUBSCRIPTION.CREATED', id],
      ['BILLING.SUBSCRIPTION.ACTIVATED', id],
      ['BILLING.SUBSCRIPTION.PAYMENT.FAILED', id],
      ['BILLING.SUBSCRIPTION.UPDATED', id],
      ['BILLING.SUBSCRIPTION.SUSPENDED', id],
      ['BILLING.SUBSCRIPTION.CANCELLED', id],
      ['BILLING.SUBSCRIPTION.EXPIRED', expiring],
    ];
    for (const [type, subscriptionId] of raised) {
      const event = await eventOf(type, (subscription) => subscription.id === subscriptionId);
      expect(await classifyPaypalEvent(stored(event), noLookup), type).toEqual(expected(subscriptionId));
    }
    // PayPal raises RE-ACTIVATED for a suspended subscription made active again; the sandbox raises ACTIVATED.
    const activated = await eventOf('BILLING.SUBSCRIPTION.ACTIVATED', (subscription) => subscription.id === id);
    expect(await classifyPaypalEvent(retyped(activated, 'BILLING.SUBSCRIPTION.RE-ACTIVATED', activated.resource), noLookup)).toEqual(expected(id));
  });

  it('names the subscription of PAYMENT.SALE.COMPLETED from the sale, and reads the account when a sale event does not carry it', async () => {
    const account = `account:${crypto.randomUUID()}`;
    const id = await approvedSubscription(await newPlan(), { customId: account });
    const completed = await eventOf('PAYMENT.SALE.COMPLETED', (sale) => sale.billing_agreement_id === id);
    expect(await classifyPaypalEvent(stored(completed), noLookup)).toEqual({ kind: 'subscription', customerId: account, subscriptionId: id });

    const { lookups, reads } = countedLookups();
    const { custom: _custom, ...withoutAccount } = completed.resource as Record<string, unknown>;
    for (const type of ['PAYMENT.SALE.PENDING', 'PAYMENT.SALE.DENIED']) {
      expect(await classifyPaypalEvent(retyped(completed, type, withoutAccount), lookups), type).toEqual({ kind: 'subscription', customerId: account, subscriptionId: id });
    }
    expect(reads).toEqual([`subscription ${id}`, `subscription ${id}`]);
  });

  it('names the refunded invoice (the sale) and its account of PAYMENT.SALE.REFUNDED by reading its sale, never trusting parent_payment, and of a reversal naming only itself by reading the refund', async () => {
    const account = `account:${crypto.randomUUID()}`;
    const id = await approvedSubscription(await newPlan(), { customId: account });
    const sale = (await eventOf('PAYMENT.SALE.COMPLETED', (resource) => resource.billing_agreement_id === id)).resource as { id: string };
    const refund = await t.rest<{ id: string }>('POST', `/v1/payments/sale/${sale.id}/refund`, { amount: { total: '2.00', currency: 'USD' } });
    expect(refund.status).toBe(201);
    const refunded = await eventOf('PAYMENT.SALE.REFUNDED', (resource) => resource.id === refund.body.id);
    const { lookups, reads } = countedLookups();
    // PayPal's refund names its v1 payment (PAY-…) as parent_payment, which is no subscription.
    const asPaypalSends = { ...(refunded.resource as Record<string, unknown>), parent_payment: 'PAY-5437236047802405NKRJ22UA' };
    const invoiceRefund = { kind: 'invoice_refund', customerId: account, invoiceId: sale.id, refundId: refund.body.id };
    expect(await classifyPaypalEvent(retyped(refunded, 'PAYMENT.SALE.REFUNDED', asPaypalSends), lookups)).toEqual(invoiceRefund);
    expect(reads).toEqual([`sale ${sale.id}`, `subscription ${id}`]);

    // PayPal's published PAYMENT.SALE.REVERSED sample: the refund's id, amount and self link only.
    reads.length = 0;
    const reversal = { id: refund.body.id, state: 'completed', amount: { total: '-2.00', currency: 'USD' }, links: [{ href: `${t.paypalUrl}/v1/payments/refund/${refund.body.id}`, rel: 'self', method: 'GET' }] };
    expect(await classifyPaypalEvent(retyped(refunded, 'PAYMENT.SALE.REVERSED', reversal), lookups)).toEqual(invoiceRefund);
    expect(reads).toEqual([`refund ${refund.body.id}`, `sale ${sale.id}`, `subscription ${id}`]);
  });

  it('ignores a subscription made outside Billfold (no custom_id), its payments, and a sale that pays no subscription', async () => {
    const foreign = await approvedSubscription(await newPlan());
    const { lookups, reads } = countedLookups();
    for (const type of ['BILLING.SUBSCRIPTION.CREATED', 'BILLING.SUBSCRIPTION.ACTIVATED']) {
      expect(await classifyPaypalEvent(stored(await eventOf(type, (subscription) => subscription.id === foreign)), lookups), type).toBeNull();
    }
    const sale = await eventOf('PAYMENT.SALE.COMPLETED', (resource) => resource.billing_agreement_id === foreign);
    expect(await classifyPaypalEvent(stored(sale), lookups)).toBeNull();
    expect(reads).toEqual([`subscription ${foreign}`]);
    const oneOff = { type: 'PAYMENT.SALE.COMPLETED', payload: { id: 'WH-1', event_type: 'PAYMENT.SALE.COMPLETED', resource: { id: '9T0916710M1105906', state: 'completed', amount: { total: '1.00', currency: 'USD' } } } };
    expect(await classifyPaypalEvent(oneOff, noLookup)).toBeNull();
  });

  it('throws for a subscription or sale event that lacks its own id, so the event is retried and seen, not skipped', async () => {
    const missing = [
      { type: 'BILLING.SUBSCRIPTION.ACTIVATED', resource: { custom_id: 'account:1' } },
      { type: 'BILLING.SUBSCRIPTION.PAYMENT.FAILED', resource: undefined },
      { type: 'PAYMENT.SALE.COMPLETED', resource: { billing_agreement_id: 'I-1', custom: 'account:1' } },
      { type: 'PAYMENT.SALE.REFUNDED', resource: { sale_id: '9T0916710M1105906' } },
      { type: 'PAYMENT.SALE.REVERSED', resource: {} },
    ];
    for (const { type, resource } of missing) {
      await expect(classifyPaypalEvent({ type, payload: { id: 'WH-1', event_type: type, resource } }, noLookup), type).rejects.toBeInstanceOf(MalformedPaypalEventError);
    }
  });
});
