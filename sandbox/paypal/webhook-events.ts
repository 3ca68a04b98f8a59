import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { PaypalContext, PaypalRoute } from './context';
import { mustGet } from './context';
import { invalidRequest, parseBody } from './errors';
import { queueDeliveries, queueDeliveryTo, raiseEvent, type EventRecord, type PaypalEvent, type TransmissionRecord, type WebhookRecord } from './events';
import { isPaypalEventType, resourceVersionOf } from './event-types';
import { sampleEvent } from './sample-events';
import { CERT_PATH, isSandboxSignature } from './signing';
import { webhooksOf } from './webhooks-api';

/**
 * Webhooks v1, the events side (developer.paypal.com/docs/api/webhooks/v1): the postback that
 * vouches for a delivery (verify-webhook-signature), the simulator, and the event log with its
 * resend. Registrations are webhooks-api.ts.
 */

const DOCS = 'webhooks/v1';

const VerifyRequest = z.object({
  auth_algo: z.string().min(1),
  cert_url: z.string().min(1),
  transmission_id: z.string().min(1),
  transmission_sig: z.string().min(1),
  transmission_time: z.string().min(1),
  webhook_id: z.string().min(1),
  webhook_event: z.record(z.string(), z.unknown()),
});

function isSignatureOf(transmission: TransmissionRecord, signature: string): boolean {
  try {
    const { webhook_id: webhookId, transmission_time: transmissionTime, body } = transmission.resource;
    return isSandboxSignature({ transmissionId: transmission.id, transmissionTime, webhookId, body }, signature);
  } catch {
    return false;
  }
}

/**
 * SUCCESS only for a transmission the sandbox sent, to this webhook (one of the caller's), at
 * this time, with this signature over the body it sent, the sandbox's certificate and algorithm,
 * and the event exactly as delivered. A simulated event is never vouched for, as at PayPal.
 */
async function verifies(ctx: PaypalContext, input: z.infer<typeof VerifyRequest>): Promise<boolean> {
  const transmission = await ctx.tx.get<TransmissionRecord>('paypal_transmission', input.transmission_id);
  if (!transmission) return false;
  const [event, webhook] = await Promise.all([
    ctx.tx.get<EventRecord>('paypal_event', transmission.resource.event_id),
    ctx.tx.get<WebhookRecord>('paypal_webhook', input.webhook_id),
  ]);
  if (!event || event.internal.simulated || !webhook || webhook.internal.client_id !== ctx.clientId) return false;
  let delivered: unknown;
  try {
    delivered = JSON.parse(transmission.resource.body);
  } catch {
    return false;
  }
  return (
    transmission.resource.webhook_id === input.webhook_id &&
    transmission.resource.transmission_time === input.transmission_time &&
    input.auth_algo === 'SHA256withRSA' &&
    input.cert_url === `${event.internal.base}${CERT_PATH}` &&
    isSignatureOf(transmission, input.transmission_sig) &&
    isDeepStrictEqual(delivered, input.webhook_event)
  );
}

const SimulateRequest = z
  .object({
    webhook_id: z.string().min(1).optional(),
    url: z.string().min(1).max(2048).optional(),
    event_type: z.string().min(1).refine(isPaypalEventType, 'INVALID_PARAMETER_VALUE: The event type is not supported.'),
    resource_version: z.enum(['1.0', '2.0']).optional(),
  })
  .refine((input) => input.webhook_id !== undefined || input.url !== undefined, { path: ['webhook_id'], message: 'MISSING_REQUIRED_PARAMETER: Either webhook_id or url is required.' });

/** The caller's webhook a simulation goes to: by id, or by its URL (the sandbox sends only to a registered webhook). */
async function simulationTarget(ctx: PaypalContext, input: z.infer<typeof SimulateRequest>): Promise<WebhookRecord> {
  const webhooks = await webhooksOf(ctx);
  const found = input.webhook_id !== undefined ? webhooks.find((webhook) => webhook.id === input.webhook_id) : webhooks.find((webhook) => webhook.resource.url === input.url);
  if (!found) {
    throw input.webhook_id !== undefined
      ? invalidRequest('INVALID_RESOURCE_ID', 'Webhook id does not exist.', '/webhook_id')
      : invalidRequest('INVALID_PARAMETER_VALUE', 'The sandbox simulates events only to a registered webhook URL; register it first.', '/url');
  }
  return found;
}

const ListQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(300).default(10),
  start_time: z.string().datetime({ offset: true }).optional(),
  end_time: z.string().datetime({ offset: true }).optional(),
  transaction_id: z.string().min(1).optional(),
  event_type: z.string().min(1).optional(),
  /** The position the `next` link continues from (the last listed event's place in the log). */
  index: z.coerce.number().int().min(0).optional(),
});

const ResendRequest = z.object({ webhook_ids: z.array(z.string().min(1)).max(500).optional() });

/** Events PayPal lists: raised by what happened, not made up by the simulator. */
async function listEvents(ctx: PaypalContext) {
  const query = parseBody(ListQuery, Object.fromEntries(ctx.query.entries()), 'query');
  const seconds = (time: string | undefined) => (time === undefined ? null : Math.floor(Date.parse(time) / 1000));
  const rows = await ctx.tx.sql<{ data: EventRecord; seq: string }[]>`
    select data, seq from sandbox.objects where type = 'paypal_event'
    and coalesce((data->'internal'->>'simulated')::boolean, false) = false
    and (${query.index ?? null}::bigint is null or seq < ${query.index ?? null})
    and (${seconds(query.start_time)}::bigint is null or created >= ${seconds(query.start_time)})
    and (${seconds(query.end_time)}::bigint is null or created <= ${seconds(query.end_time)})
    and (${query.event_type ?? null}::text is null or data->'resource'->>'event_type' = ${query.event_type ?? null})
    and (${query.transaction_id ?? null}::text is null
      or data->'resource'->'resource'->>'id' = ${query.transaction_id ?? null}
      or data->'resource'->'resource'->'disputed_transactions' @> ${ctx.tx.sql.json([{ seller_transaction_id: query.transaction_id ?? '' }] as never)}::jsonb)
    order by seq desc limit ${query.page_size + 1}`;
  const page = rows.slice(0, query.page_size);
  const links: PaypalEvent['links'] = [];
  const last = page.at(-1);
  if (rows.length > query.page_size && last) {
    const next = new URLSearchParams(ctx.query);
    next.set('index', last.seq);
    links.push({ href: `${ctx.base}/v1/notifications/webhooks-events?${next.toString()}`, rel: 'next', method: 'GET' });
  }
  return { events: page.map((row) => row.data.resource), count: page.length, links };
}

export const WEBHOOK_EVENT_ROUTES: PaypalRoute[] = [
  {
    method: 'POST',
    path: '/v1/notifications/verify-webhook-signature',
    docs: DOCS,
    async handle(ctx) {
      const input = parseBody(VerifyRequest, ctx.body);
      return { status: 200, body: { verification_status: (await verifies(ctx, input)) ? 'SUCCESS' : 'FAILURE' } };
    },
  },
  {
    method: 'POST',
    path: '/v1/notifications/simulate-event',
    docs: DOCS,
    async handle(ctx) {
      const input = parseBody(SimulateRequest, ctx.body);
      const webhook = await simulationTarget(ctx, input);
      const sample = sampleEvent(input.event_type, ctx.base, ctx.now);
      const event = await raiseEvent(ctx, { eventType: input.event_type, ...sample, resourceVersion: input.resource_version ?? resourceVersionOf(input.event_type) }, { simulatedFor: webhook.id });
      return { status: 202, body: event };
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/webhooks-events',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: await listEvents(ctx) };
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/webhooks-events/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await mustGet<PaypalEvent>(ctx.tx, 'paypal_event', ctx.params.id ?? '', { field: 'event_id' });
      return { status: 200, body: record.resource };
    },
  },
  {
    method: 'POST',
    path: '/v1/notifications/webhooks-events/:id/resend',
    docs: DOCS,
    async handle(ctx) {
      const record = await mustGet<PaypalEvent>(ctx.tx, 'paypal_event', ctx.params.id ?? '', { field: 'event_id' });
      const input = parseBody(ResendRequest, ctx.body);
      if (input.webhook_ids) {
        const own = new Set((await webhooksOf(ctx)).map((webhook) => webhook.id));
        const unknown = input.webhook_ids.find((id) => !own.has(id));
        if (unknown !== undefined) throw invalidRequest('INVALID_RESOURCE_ID', `Webhook id ${unknown} does not exist.`, '/webhook_ids');
        for (const id of new Set(input.webhook_ids)) await queueDeliveryTo(ctx.tx, record.id, id);
      } else {
        await queueDeliveries(ctx.tx, record.resource);
      }
      // Wakes the dispatcher once the request commits, as for a newly raised event.
      ctx.raisedEvents.push(record.id);
      return { status: 202, body: record.resource };
    },
  },
];
