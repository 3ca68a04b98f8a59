/**
 * Webhook deliveries as the providers make them, for the benches and the storm suite: an event
 * body and the signature headers Stripe or PayPal would send with it, and one POST of it. The
 * bodies are thin (the ids of the objects they are about): Billfold re-fetches the object, as it
 * must for any event, so what it applies is the sandbox's state, not the body's.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import Stripe from 'stripe';
import { paypalClientFor, paypalConnection } from '@/lib/payments/paypal/client';
import type { PaymentProviderName } from '@/lib/payments/types';
import { CERT_PATH, signTransmission } from '@/sandbox/paypal/signing';

/** One event as delivered: its body and the provider's signature headers. */
export interface Delivery {
  provider: PaymentProviderName;
  payload: string;
  headers: Record<string, string>;
}

/** A Stripe event of `type` about `object`, signed with `secret` as Stripe signs (a timestamp of now). */
export function stripeEvent(secret: string, id: string, type: string, object: Record<string, unknown>): Delivery {
  const payload = JSON.stringify({
    id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  });
  return { provider: 'stripe', payload, headers: { 'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }) } };
}

/** A PayPal event of `type` about `resource`, signed by the sandbox's PayPal (RSA-SHA256) for the webhook `webhookId`. */
export function paypalEvent(paypalUrl: string, webhookId: string, id: string, type: string, resource: Record<string, unknown>): Delivery {
  const payload = JSON.stringify({
    id,
    event_version: '1.0',
    create_time: new Date().toISOString(),
    resource_type: type.startsWith('CHECKOUT.ORDER.') ? 'checkout-order' : type === 'PAYMENT.CAPTURE.REFUNDED' ? 'refund' : 'capture',
    resource_version: '2.0',
    event_type: type,
    summary: type,
    resource,
  });
  const transmissionId = crypto.randomUUID();
  const transmissionTime = new Date().toISOString();
  return {
    provider: 'paypal',
    payload,
    headers: {
      'PAYPAL-TRANSMISSION-ID': transmissionId,
      'PAYPAL-TRANSMISSION-TIME': transmissionTime,
      'PAYPAL-TRANSMISSION-SIG': signTransmission({ transmissionId, transmissionTime, webhookId, body: payload }),
      'PAYPAL-CERT-URL': `${paypalUrl}${CERT_PATH}`,
      'PAYPAL-AUTH-ALGO': 'SHA256withRSA',
    },
  };
}

/**
 * POSTs one delivery to Billfold's webhook route for its provider; resolves with the HTTP
 * status. A provider gives up on an answer after a while (Stripe after about 20 s) and retries:
 * `timeoutMs` rejects with ETIMEDOUT then.
 */
export function deliver(agent: http.Agent, port: number, { provider, payload, headers }: Delivery, timeoutMs = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, host: '127.0.0.1', port, path: `/api/webhooks/${provider}`, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers } },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      },
    );
    if (timeoutMs > 0) request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    request.once('error', reject);
    request.end(payload);
  });
}

/** The id of the PayPal webhook registered with the sandbox (at `sandboxUrl`) for `url`, as the stack registered it (PAYPAL_SANDBOX_WEBHOOK_ID). */
export async function registeredPaypalWebhook(sandboxUrl: string, url: string): Promise<string> {
  const { rest } = paypalClientFor(paypalConnection({ paymentsMode: 'sandbox', sandboxUrl, paypal: null }));
  const { webhooks } = await rest.request<{ webhooks: { id: string; url: string }[] }>('GET', '/v1/notifications/webhooks');
  const found = webhooks.find((webhook) => webhook.url === url);
  if (!found) throw new Error(`the stack registered no PayPal webhook for ${url}`);
  return found.id;
}
