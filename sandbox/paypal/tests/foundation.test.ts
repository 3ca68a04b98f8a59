import crypto from 'node:crypto';
import { CustomError, OrdersController } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_PEM, CERT_PATH, signTransmission, signedMessage } from '../signing';
import { startSandbox } from '@/sandbox/server';
import { PAYPAL_PREFIX } from '../index';
import { accessToken, CLIENT_ID, CLIENT_SECRET, paypalSandbox } from './support';

const t = paypalSandbox();

async function token(body: string, credentials = `${CLIENT_ID}:${CLIENT_SECRET}`) {
  const response = await fetch(`${t.paypalUrl}/v1/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(credentials).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('PayPal OAuth', () => {
  it('trades client credentials for a bearer token that lasts nine hours, as PayPal does', async () => {
    const { status, body } = await token('grant_type=client_credentials');
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 32_400, app_id: expect.stringMatching(/^APP-/) });
    expect(body.access_token).toEqual(expect.any(String));
  });

  it('refuses missing credentials and an unsupported grant in OAuth’s own error shape', async () => {
    expect(await token('grant_type=client_credentials', ':')).toEqual({ status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed' } });
    expect((await token('grant_type=password')).body).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('refuses an API call with no token, an unknown token, or a browser client token', async () => {
    const none = await fetch(`${t.paypalUrl}/v1/notifications/webhooks`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ name: 'AUTHENTICATION_FAILURE', debug_id: expect.any(String) });
    const unknown = await fetch(`${t.paypalUrl}/v1/notifications/webhooks`, { headers: { Authorization: 'Bearer A21AAnotatoken' } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: 'invalid_token', error_description: 'Token signature verification failed' });
    const browser = await token('grant_type=client_credentials&response_type=client_token');
    expect(browser.body.expires_in).toBe(900);
    const withBrowserToken = await fetch(`${t.paypalUrl}/v1/notifications/webhooks`, { headers: { Authorization: `Bearer ${String(browser.body.access_token)}` } });
    expect(withBrowserToken.status).toBe(401);
  });

  it('keeps a token valid when the sandbox forgets what it cached (tokens are stored, so a restart keeps them)', async () => {
    const { body } = await token('grant_type=client_credentials');
    await fetch(`${t.server.url}/_sandbox/reset`, { method: 'POST' });
    const afterReset = await fetch(`${t.paypalUrl}/v1/notifications/webhooks`, { headers: { Authorization: `Bearer ${String(body.access_token)}` } });
    expect(afterReset.status).toBe(401);
    const fresh = await token('grant_type=client_credentials');
    await t.server.store.sql`update sandbox.objects set created = created where type = 'paypal_token'`;
    const reply = await fetch(`${t.paypalUrl}/v1/notifications/webhooks`, { headers: { Authorization: `Bearer ${String(fresh.body.access_token)}` } });
    expect(reply.status).toBe(200);
  });
});

describe('the REST pipeline', () => {
  it('reaches the sandbox through the official server SDK, whose errors arrive as CustomError with PayPal’s body', async () => {
    const orders = new OrdersController(t.client);
    const error = await orders.getOrder({ id: 'UNKNOWN' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CustomError);
    expect((error as CustomError).statusCode).toBe(404);
    expect((error as CustomError).result).toMatchObject({ name: 'RESOURCE_NOT_FOUND', debug_id: expect.stringMatching(/^[0-9a-f]{13}$/) });
  });

  it('answers malformed JSON, a wrong content type and an oversized body with PayPal-shaped errors', async () => {
    const malformed = await t.rest('POST', '/v1/notifications/webhooks', '{"url": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ issue: 'MALFORMED_REQUEST_JSON' }] });
    expect(malformed.headers.get('paypal-debug-id')).toBe((malformed.body as { debug_id: string }).debug_id);
    const wrongType = await t.rest('POST', '/v1/notifications/webhooks', 'url=http://x', { 'Content-Type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toMatchObject({ name: 'UNSUPPORTED_MEDIA_TYPE' });
    const oversized = await t.rest('POST', '/v1/notifications/webhooks', JSON.stringify({ pad: 'x'.repeat(200_000) }));
    expect(oversized.status).toBe(413);
    expect(oversized.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ issue: 'REQUEST_BODY_TOO_LARGE' }] });
  });

  it('refuses a PayPal-Mock-Response header that is not JSON', async () => {
    const reply = await t.rest('GET', '/v1/notifications/webhooks', undefined, { 'PayPal-Mock-Response': 'INSTRUMENT_DECLINED' });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ details: [{ issue: 'INVALID_PARAMETER_SYNTAX', location: 'header' }] });
  });
});

describe('state', () => {
  it('survives a restart: another sandbox process on the same database shows the same order and the old token still works', async () => {
    const created = await t.rest<{ id: string }>('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'JPY', value: '1500' } }] });
    expect(created.status).toBe(201);
    const tokenBefore = await accessToken(t.paypalUrl);
    const restarted = await startSandbox({ port: 0, databaseUrl: t.databaseUrl, allowReset: false });
    try {
      const response = await fetch(`${restarted.url}${PAYPAL_PREFIX}/v2/checkout/orders/${created.body.id}`, { headers: { Authorization: `Bearer ${tokenBefore}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: created.body.id, status: 'CREATED', purchase_units: [{ amount: { currency_code: 'JPY', value: '1500' } }] });
    } finally {
      await restarted.close();
    }
  });
});

describe('webhook registrations', () => {
  it('registers, lists, updates and deletes a webhook, refusing an unknown event type and a URL already registered', async () => {
    const created = await t.rest<{ id: string; event_types: { name: string; description: string }[] }>('POST', '/v1/notifications/webhooks', { url: 'http://127.0.0.1:9/hooks/a', event_types: [{ name: 'PAYMENT.CAPTURE.COMPLETED' }] });
    expect(created.status).toBe(201);
    expect(created.body.event_types).toEqual([{ name: 'PAYMENT.CAPTURE.COMPLETED', description: 'A payment capture completes.' }]);
    const unknown = await t.rest('POST', '/v1/notifications/webhooks', { url: 'http://127.0.0.1:9/hooks/b', event_types: [{ name: 'PAYMENT.CAPTURE.EXPLODED' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ details: [{ issue: 'WEBHOOK_EVENT_TYPE_NOT_SUPPORTED', field: '/event_types/0/name' }] });
    const taken = await t.rest('POST', '/v1/notifications/webhooks', { url: 'http://127.0.0.1:9/hooks/a', event_types: [{ name: '*' }] });
    expect(taken.body).toMatchObject({ details: [{ issue: 'WEBHOOK_URL_ALREADY_EXISTS' }] });
    const missing = await t.rest('POST', '/v1/notifications/webhooks', { event_types: [{ name: '*' }] });
    expect(missing.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/url' }] });
    const patched = await t.rest<{ event_types: { name: string }[] }>('PATCH', `/v1/notifications/webhooks/${created.body.id}`, [{ op: 'replace', path: '/event_types', value: [{ name: '*' }] }]);
    expect(patched.body.event_types).toEqual([{ name: '*', description: 'ALL' }]);
    const listed = await t.rest<{ webhooks: { id: string }[] }>('GET', '/v1/notifications/webhooks');
    expect(listed.body.webhooks.map((webhook) => webhook.id)).toContain(created.body.id);
    expect((await t.rest('DELETE', `/v1/notifications/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await t.rest('GET', `/v1/notifications/webhooks/${created.body.id}`)).status).toBe(404);
  });
});

describe('webhook signing', () => {
  it('signs crc32 of the raw body as an unsigned decimal with RSA-SHA256, verifiable with the served certificate alone', async () => {
    const body = '{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"note":"ünïcödé"}}';
    const transmission = { transmissionId: crypto.randomUUID(), transmissionTime: new Date().toISOString(), webhookId: 'WEBHOOK1', body };
    const signature = signTransmission(transmission);
    const served = await (await fetch(`${t.paypalUrl}${CERT_PATH}`)).text();
    expect(served).toBe(CERTIFICATE_PEM);
    const publicKey = new crypto.X509Certificate(served).publicKey;
    const crc = Number(/\|(\d+)$/.exec(signedMessage(transmission))?.[1]);
    expect(crc).toBeGreaterThan(0);
    expect(crypto.verify('sha256', Buffer.from(`${transmission.transmissionId}|${transmission.transmissionTime}|WEBHOOK1|${crc}`), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    // The usual mistakes do not verify: hex CRC, a re-serialised body, an HMAC.
    expect(crypto.verify('sha256', Buffer.from(`${transmission.transmissionId}|${transmission.transmissionTime}|WEBHOOK1|${crc.toString(16)}`), publicKey, Buffer.from(signature, 'base64'))).toBe(false);
    const reserialised = signedMessage({ ...transmission, body: JSON.stringify(JSON.parse(body), null, 2) });
    expect(crypto.verify('sha256', Buffer.from(reserialised), publicKey, Buffer.from(signature, 'base64'))).toBe(false);
  });
});
