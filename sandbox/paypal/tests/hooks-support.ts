import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';
import { eventually } from '@/test/sandbox';
import type { CaptureRecord, PaypalCapture } from '../order-types';
import { approvedOrder, type OrderReply } from './order-support';
import type { PaypalEvent } from '../events';
import type { PaypalTestSandbox } from './support';

/**
 * What the webhook, dispute and dashboard tests share: an endpoint that keeps PayPal's headers
 * and the raw body, offline verification as a careful integrator writes it, and a capture made
 * as a buyer makes one.
 */

export interface PaypalDelivery {
  /** The exact bytes received. */
  body: string;
  event: PaypalEvent;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export interface PaypalReceiver {
  url: string;
  received: PaypalDelivery[];
  /** What the endpoint answers; change it to make deliveries fail. */
  status: number;
  /** Decides the answer per delivery instead of `status` (the deliveries received so far include this one). */
  answer?: (delivery: PaypalDelivery) => number;
  close(): Promise<void>;
  /** The deliveries of one event, waiting until there are `count`. */
  deliveriesOf(eventId: string, count?: number): Promise<PaypalDelivery[]>;
}

export async function paypalReceiver(path = '/paypal/webhooks'): Promise<PaypalReceiver> {
  const receiver = { received: [] as PaypalDelivery[], status: 200 } as PaypalReceiver;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery: PaypalDelivery = { body, event: JSON.parse(body) as PaypalEvent, headers: request.headers, at: performance.now() };
      receiver.received.push(delivery);
      response.writeHead(receiver.answer?.(delivery) ?? receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}${path}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  receiver.deliveriesOf = (eventId, count = 1) =>
    eventually(() => {
      const found = receiver.received.filter((delivery) => delivery.event.id === eventId);
      return found.length >= count && found;
    });
  return receiver;
}

/**
 * For a test file: a receiver registered as a webhook for `eventTypes` before its tests, closed
 * after them. `receiver` and `webhookId` are there once the tests run.
 */
export function registeredReceiver(t: PaypalTestSandbox, eventTypes: string[]): { receiver: PaypalReceiver; webhookId: string } {
  const handle = {} as { receiver: PaypalReceiver; webhookId: string };
  beforeAll(async () => {
    handle.receiver = await paypalReceiver();
    handle.webhookId = await registerWebhook(t, handle.receiver.url, eventTypes);
  });
  afterAll(async () => {
    await handle.receiver?.close();
  });
  return handle;
}

export async function registerWebhook(t: PaypalTestSandbox, url: string, eventTypes: string[] = ['*']): Promise<string> {
  const reply = await t.rest<{ id: string }>('POST', '/v1/notifications/webhooks', { url, event_types: eventTypes.map((name) => ({ name })) });
  if (reply.status !== 201) throw new Error(`webhook registration failed: ${JSON.stringify(reply.body)}`);
  return reply.body.id;
}

/** The headers of a delivery, by PayPal's names. */
export function transmissionOf(delivery: PaypalDelivery) {
  const header = (name: string) => String(delivery.headers[name] ?? '');
  return {
    transmissionId: header('paypal-transmission-id'),
    transmissionTime: header('paypal-transmission-time'),
    signature: header('paypal-transmission-sig'),
    certUrl: header('paypal-cert-url'),
    authAlgo: header('paypal-auth-algo'),
  };
}

/**
 * Offline verification, as PayPal documents it: RSA-SHA256 with the public key of the
 * certificate at PAYPAL-CERT-URL over `id|time|webhook id|CRC32 of the raw body as an unsigned
 * decimal`. `crc` and `body` let a test make the common mistakes.
 */
export async function verifyOffline(delivery: PaypalDelivery, webhookId: string, mistakes: { hexCrc?: boolean; body?: string } = {}): Promise<boolean> {
  const { transmissionId, transmissionTime, signature, certUrl } = transmissionOf(delivery);
  const pem = await (await fetch(certUrl)).text();
  const publicKey = new crypto.X509Certificate(pem).publicKey;
  const crc = zlib.crc32(mistakes.body ?? delivery.body) >>> 0;
  const message = `${transmissionId}|${transmissionTime}|${webhookId}|${mistakes.hexCrc ? crc.toString(16) : crc}`;
  return crypto.verify('sha256', Buffer.from(message), publicKey, Buffer.from(signature, 'base64'));
}

/** The verify-webhook-signature request for a delivery, as an integrator builds it from the headers. */
export function postbackFor(delivery: PaypalDelivery, webhookId: string) {
  const { transmissionId, transmissionTime, signature, certUrl, authAlgo } = transmissionOf(delivery);
  return { auth_algo: authAlgo, cert_url: certUrl, transmission_id: transmissionId, transmission_sig: signature, transmission_time: transmissionTime, webhook_id: webhookId, webhook_event: JSON.parse(delivery.body) as unknown };
}

/**
 * A capture as a buyer leaves it: an order created over REST, approved on the approval page by
 * `buyer` (buyer@ pays at once; pending@ leaves it PENDING), captured. `customId` is the order's.
 */
export async function insertCapture(t: PaypalTestSandbox, options: { value?: string; currency?: string; buyer?: string; customId?: string } = {}): Promise<CaptureRecord> {
  const unit = { amount: { currency_code: options.currency ?? 'USD', value: options.value ?? '25.00' }, custom_id: options.customId ?? 'billfold-order-1' };
  const order = await approvedOrder(t, { buyer: options.buyer, body: { intent: 'CAPTURE', purchase_units: [unit] } });
  const captured = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${order.id}/capture`, {});
  const id = captured.body.purchase_units?.[0]?.payments?.captures?.[0]?.id;
  if (captured.status !== 201 || !id) throw new Error(`capture: ${captured.status} ${JSON.stringify(captured.body)}`);
  const record = await t.server.store.reader.get<CaptureRecord>('paypal_capture', id);
  if (!record) throw new Error(`no capture ${id}`);
  return record;
}

export async function captureOf(t: PaypalTestSandbox, id: string): Promise<PaypalCapture> {
  const record = await t.server.store.reader.get<CaptureRecord>('paypal_capture', id);
  if (!record) throw new Error(`no capture ${id}`);
  return record.resource;
}

/** The buyer's side: POST /paypal/_sandbox/disputes (or …/<id>/resolve). */
export async function sandboxPost<T = Record<string, unknown>>(t: PaypalTestSandbox, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${t.paypalUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

export async function openDispute(t: PaypalTestSandbox, body: Record<string, unknown>): Promise<{ dispute_id: string } & Record<string, unknown>> {
  const reply = await sandboxPost<{ dispute_id: string }>(t, '/_sandbox/disputes', body);
  if (reply.status !== 201) throw new Error(`opening a dispute failed: ${JSON.stringify(reply.body)}`);
  return reply.body;
}
