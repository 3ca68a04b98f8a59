import crypto from 'node:crypto';
import type { Store } from '../store';
import type { DeliverySender } from '../webhooks';
import type { SandboxWebhookEndpoint } from './resources/webhook-endpoints';

export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = crypto.createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/**
 * Sends a Stripe event to a webhook endpoint as Stripe does: the event as pretty JSON, signed
 * with the endpoint's secret in `Stripe-Signature` at the moment of sending. A delivered event's
 * `pending_webhooks` goes down by one.
 */
export function stripeSender(store: Store): DeliverySender {
  return async (delivery, timeoutMs) => {
    const sql = store.sql;
    const [row] = await sql<{ event: { type: string }; endpoint: SandboxWebhookEndpoint | null }[]>`
      select e.data as event, w.data as endpoint from sandbox.objects e
      left join sandbox.objects w on w.id = ${delivery.endpoint_id} and w.type = 'webhook_endpoint'
      where e.id = ${delivery.event_id}`;
    const endpoint = row?.endpoint;
    if (!row || !endpoint || endpoint.status !== 'enabled') return undefined;
    const payload = JSON.stringify(row.event, null, 2);
    return {
      async post() {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'Stripe-Signature': signPayload(payload, endpoint._sandbox.secret, Math.floor(Date.now() / 1000)),
          },
          body: payload,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        return response.status;
      },
      async delivered() {
        await sql`update sandbox.objects set data = jsonb_set(data, '{pending_webhooks}', to_jsonb(greatest((data->>'pending_webhooks')::int - 1, 0))) where id = ${delivery.event_id}`;
      },
    };
  };
}
