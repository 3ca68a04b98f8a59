import crypto from 'node:crypto';
import type { Store, Tx } from '../store';
import type { DeliverySender } from '../webhooks';
import type { PaypalContext, PaypalRecord } from './context';
import { eventId, paypalTime } from './ids';
import { CERT_PATH, signTransmission } from './signing';

/**
 * PayPal's webhook events (developer.paypal.com/api/rest/webhooks/event-names): raised by a
 * request inside its transaction, queued for every registered webhook that listens to the type
 * (or to `*`), and delivered after the commit, signed as PayPal signs (signing.ts).
 */

export interface PaypalEvent {
  id: string;
  event_version: '1.0';
  create_time: string;
  resource_type: string;
  resource_version: string;
  event_type: string;
  summary: string;
  resource: unknown;
  links: { href: string; rel: string; method: string }[];
}

export interface WebhookResource {
  id: string;
  url: string;
  event_types: { name: string; description?: string; status?: string }[];
}

/** `simulated`: made by simulate-event, which verify-webhook-signature never vouches for (as at PayPal). */
export type EventRecord = PaypalRecord<PaypalEvent, { base: string; simulated?: boolean }>;
export type WebhookRecord = PaypalRecord<WebhookResource, { base: string; client_id: string }>;
/** One signed send of an event to a webhook: what was signed, for the verify-webhook-signature postback. */
export type TransmissionRecord = PaypalRecord<{ webhook_id: string; event_id: string; transmission_time: string; body: string }, Record<string, never>>;

export interface RaisedEvent {
  eventType: string;
  /** `checkout-order`, `capture`, `refund`, `authorization`, `subscription`, `sale`, `dispute`, … */
  resourceType: string;
  /** The resource as PayPal shows it, links included. */
  resource: unknown;
  summary: string;
  /** `2.0` for Orders and Payments v2, `1.0` for Subscriptions and Disputes v1. */
  resourceVersion?: string;
}

export interface RaiseOptions {
  /** simulate-event: sent to this webhook only, whatever types it listens to, and marked simulated. */
  simulatedFor?: string;
}

/** Stores the event and queues its deliveries; the request's dispatcher is woken once it commits. */
export async function raiseEvent(ctx: Pick<PaypalContext, 'tx' | 'base' | 'now' | 'raisedEvents'>, raised: RaisedEvent, options: RaiseOptions = {}): Promise<PaypalEvent> {
  const id = eventId();
  const event: PaypalEvent = {
    id,
    event_version: '1.0',
    create_time: paypalTime(ctx.now),
    resource_type: raised.resourceType,
    resource_version: raised.resourceVersion ?? '2.0',
    event_type: raised.eventType,
    summary: raised.summary,
    resource: raised.resource,
    links: [
      { href: `${ctx.base}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET' },
      { href: `${ctx.base}/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST' },
    ],
  };
  const simulated = options.simulatedFor !== undefined;
  const record: EventRecord = { id, object: 'paypal_event', created: ctx.now, resource: event, internal: { base: ctx.base, ...(simulated ? { simulated } : {}) } };
  if (options.simulatedFor !== undefined) {
    await ctx.tx.insert(record);
    await queueDeliveryTo(ctx.tx, id, options.simulatedFor);
    ctx.raisedEvents.push(id);
  } else {
    // The event and its deliveries in one statement: every state change raises one, so this is
    // a round trip fewer on nearly every request.
    const sql = ctx.tx.sql;
    const storing = sql<{ count: number }[]>`
      with stored as (insert into sandbox.objects (id, type, created, data) values (${id}, 'paypal_event', ${ctx.now}, ${sql.json(record as never)}) returning id),
      deliveries as (
        insert into sandbox.deliveries (event_id, endpoint_id, provider)
        select stored.id, webhook.id, 'paypal' from stored, sandbox.objects webhook
        where webhook.type = 'paypal_webhook'
          and webhook.data->'resource'->'event_types' @> any (array[${sql.json([{ name: event.event_type }] as never)}::jsonb, '[{"name":"*"}]'::jsonb])
        returning 1)
      select count(*)::int as count from deliveries`;
    // Sent with the transaction's end. Only an event with somewhere to go wakes the dispatcher
    // (with no webhook registered, as in a bench or a test of the API alone, that saves two
    // statements per request).
    await ctx.tx.behind(storing, ([queued]) => {
      if ((queued?.count ?? 0) > 0) ctx.raisedEvents.push(id);
    });
  }
  return event;
}

/** One pending delivery per webhook that listens to the event's type (or to every type, `*`). */
export async function queueDeliveries(tx: Tx, event: PaypalEvent, onlyWebhook?: string): Promise<number> {
  const rows = await tx.sql<{ id: string }[]>`
    insert into sandbox.deliveries (event_id, endpoint_id, provider)
    select ${event.id}, id, 'paypal' from sandbox.objects
    where type = 'paypal_webhook'
      and (${onlyWebhook ?? null}::text is null or id = ${onlyWebhook ?? null})
      and data->'resource'->'event_types' @> any (array[${tx.sql.json([{ name: event.event_type }] as never)}::jsonb, '[{"name":"*"}]'::jsonb])
    returning id`;
  return rows.length;
}

/** One pending delivery of an event to one webhook, whatever it listens to (a resend to chosen webhooks, a simulation). */
export async function queueDeliveryTo(tx: Tx, eventId: string, webhookId: string): Promise<void> {
  await tx.sql`insert into sandbox.deliveries (event_id, endpoint_id, provider) values (${eventId}, ${webhookId}, 'paypal')`;
}

/**
 * Sends one PayPal delivery: the event as compact JSON, with the headers PayPal sends
 * (`PAYPAL-TRANSMISSION-ID`, `-TIME`, `-SIG`, `-CERT-URL`, `PAYPAL-AUTH-ALGO`), each attempt a
 * new transmission signed at the moment of sending.
 */
/** Per-buyer faults that lose a delivery (faults.ts). */
export interface DeliveryFaults {
  takeForDelivery(resource: unknown): { id: string } | null;
}

export function paypalSender(store: Store, faults?: DeliveryFaults): DeliverySender {
  return async (delivery, timeoutMs) => {
    const [row] = await store.sql<{ event: EventRecord; webhook: WebhookRecord | null }[]>`
      select e.data as event, w.data as webhook from sandbox.objects e
      left join sandbox.objects w on w.id = ${delivery.endpoint_id} and w.type = 'paypal_webhook'
      where e.id = ${delivery.event_id} and e.type = 'paypal_event'`;
    const webhook = row?.webhook;
    if (!row || !webhook) return undefined;
    const body = JSON.stringify(row.event.resource);
    const certUrl = `${row.event.internal.base}${CERT_PATH}`;
    return {
      async post() {
        const dropped = faults?.takeForDelivery(row.event.resource.resource);
        // Lost on the way: an attempt with no answer, retried like any failed delivery.
        if (dropped) throw new Error(`connection dropped (sandbox fault ${dropped.id})`);
        const transmissionId = crypto.randomUUID();
        const transmissionTime = new Date().toISOString();
        const signature = signTransmission({ transmissionId, transmissionTime, webhookId: webhook.id, body });
        // Kept so the verify-webhook-signature postback can tell a real transmission from a forged one.
        await store.reader.insert<TransmissionRecord>({
          id: transmissionId,
          object: 'paypal_transmission',
          created: Math.floor(Date.now() / 1000),
          resource: { webhook_id: webhook.id, event_id: row.event.id, transmission_time: transmissionTime, body },
          internal: {},
        });
        const response = await fetch(webhook.resource.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'PayPal/AUHD-214.0-58980171',
            'PAYPAL-TRANSMISSION-ID': transmissionId,
            'PAYPAL-TRANSMISSION-TIME': transmissionTime,
            'PAYPAL-TRANSMISSION-SIG': signature,
            'PAYPAL-CERT-URL': certUrl,
            'PAYPAL-AUTH-ALGO': 'SHA256withRSA',
            'PAYPAL-AUTH-VERSION': 'v2',
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        return response.status;
      },
    };
  };
}
