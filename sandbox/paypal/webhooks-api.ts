import { z } from 'zod';
import type { PaypalContext, PaypalRoute } from './context';
import { mustGet } from './context';
import { invalidRequest, PaypalApiError, parseBody, unprocessable } from './errors';
import type { WebhookRecord, WebhookResource } from './events';
import { isPaypalEventType, PAYPAL_EVENT_TYPES, resourceVersionOf } from './event-types';
import { resourceId } from './ids';

/**
 * Webhooks v1 (developer.paypal.com/docs/api/webhooks/v1): an app registers the URLs PayPal
 * posts its events to, each with the event types it wants (or `*`). PayPal takes https URLs
 * only; the sandbox takes http too, since a local Billfold listens on http.
 */

const DOCS = 'webhooks/v1';
// PayPal allows ten webhooks per app.
const MAX_WEBHOOKS = 10;

const EventTypeList = z
  .array(z.object({ name: z.string().min(1) }).passthrough())
  .min(1)
  .superRefine((types, ctx) => {
    for (const [index, type] of types.entries()) {
      if (type.name !== '*' && !isPaypalEventType(type.name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `WEBHOOK_EVENT_TYPE_NOT_SUPPORTED: The event type ${type.name} is not supported.` });
      }
    }
  });

const CreateWebhook = z.object({
  // An absolute http(s) URI of RFC 3986's characters only, as PayPal's `format: uri` says.
  url: z.string().regex(/^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/, 'INVALID_PARAMETER_SYNTAX: The webhook URL must be an absolute http(s) URL.').max(2048),
  event_types: EventTypeList,
});

/** `[{ op: 'replace', path: '/url' | '/event_types', value }]`, the only changes PayPal's update takes. */
const PatchWebhook = z.array(
  z.discriminatedUnion('path', [
    z.object({ op: z.literal('replace'), path: z.literal('/url'), value: CreateWebhook.shape.url }),
    z.object({ op: z.literal('replace'), path: z.literal('/event_types'), value: EventTypeList }),
  ]),
);

function describeTypes(names: string[]): WebhookResource['event_types'] {
  return names.map((name) => (name === '*' ? { name, description: 'ALL' } : { name, description: PAYPAL_EVENT_TYPES[name as keyof typeof PAYPAL_EVENT_TYPES] }));
}

export function webhookView(record: WebhookRecord, base: string) {
  return { ...record.resource, links: [
    { href: `${base}/v1/notifications/webhooks/${record.id}`, rel: 'self', method: 'GET' },
    { href: `${base}/v1/notifications/webhooks/${record.id}`, rel: 'update', method: 'PATCH' },
    { href: `${base}/v1/notifications/webhooks/${record.id}`, rel: 'delete', method: 'DELETE' },
  ] };
}

export async function webhooksOf(ctx: PaypalContext): Promise<WebhookRecord[]> {
  const { data } = await ctx.tx.list<WebhookRecord>('paypal_webhook', { limit: 1000 });
  return data.filter((record) => record.internal.client_id === ctx.clientId).reverse();
}

async function refuseTakenUrl(ctx: PaypalContext, url: string, except?: string): Promise<void> {
  if ((await webhooksOf(ctx)).some((webhook) => webhook.resource.url === url && webhook.id !== except)) {
    throw invalidRequest('WEBHOOK_URL_ALREADY_EXISTS', 'Webhook URL already exists.', '/url');
  }
}

export const WEBHOOK_ROUTES: PaypalRoute[] = [
  {
    method: 'POST',
    path: '/v1/notifications/webhooks',
    docs: DOCS,
    async handle(ctx) {
      const input = parseBody(CreateWebhook, ctx.body);
      // One creation at a time per app, so the limit and the unique URL hold under concurrency.
      await ctx.tx.sql`select pg_advisory_xact_lock(hashtext(${`paypal webhooks ${ctx.clientId}`}))`;
      const existing = await webhooksOf(ctx);
      if (existing.length >= MAX_WEBHOOKS) throw unprocessable('WEBHOOK_NUMBER_LIMIT_EXCEEDED', `An app can have at most ${MAX_WEBHOOKS} webhooks.`);
      await refuseTakenUrl(ctx, input.url);
      const id = resourceId();
      const record: WebhookRecord = {
        id,
        object: 'paypal_webhook',
        created: ctx.now,
        resource: { id, url: input.url, event_types: describeTypes(input.event_types.map((type) => type.name)) },
        internal: { base: ctx.base, client_id: ctx.clientId },
      };
      await ctx.tx.insert(record);
      return { status: 201, body: webhookView(record, ctx.base), resourceId: id };
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/webhooks',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: { webhooks: (await webhooksOf(ctx)).map((record) => webhookView(record, ctx.base)) } };
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/webhooks/:id',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: webhookView(await ownWebhook(ctx, false), ctx.base) };
    },
  },
  {
    method: 'PATCH',
    path: '/v1/notifications/webhooks/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await ownWebhook(ctx, true);
      const patch = parseBody(PatchWebhook, ctx.body);
      let resource = record.resource;
      for (const change of patch) {
        if (change.path === '/url') {
          await refuseTakenUrl(ctx, change.value, record.id);
          resource = { ...resource, url: change.value };
        } else {
          resource = { ...resource, event_types: describeTypes(change.value.map((type) => type.name)) };
        }
      }
      const saved = await ctx.tx.save({ ...record, resource });
      return { status: 200, body: webhookView(saved, ctx.base) };
    },
  },
  {
    method: 'DELETE',
    path: '/v1/notifications/webhooks/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await ownWebhook(ctx, true);
      await ctx.tx.remove(record.id);
      // What was still to be sent to it is not sent.
      await ctx.tx.sql`update sandbox.deliveries set status = 'abandoned', updated_at = now() where provider = 'paypal' and endpoint_id = ${record.id} and status = 'pending'`;
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/webhooks/:id/event-types',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: { event_types: (await ownWebhook(ctx, false)).resource.event_types } };
    },
  },
  {
    method: 'GET',
    path: '/v1/notifications/webhooks-event-types',
    docs: DOCS,
    async handle() {
      return {
        status: 200,
        body: { event_types: Object.entries(PAYPAL_EVENT_TYPES).map(([name, description]) => ({ name, description, status: 'ENABLED', resource_versions: [resourceVersionOf(name)] })) },
      };
    },
  },
];

/** Another app's webhook is as unknown as a missing one. */
export async function ownWebhook(ctx: PaypalContext, lock: boolean): Promise<WebhookRecord> {
  const record = await mustGet<WebhookResource, WebhookRecord['internal']>(ctx.tx, 'paypal_webhook', ctx.params.id ?? '', { field: 'webhook_id', lock });
  if (record.internal.client_id !== ctx.clientId) throw new PaypalApiError(404, [{ issue: 'INVALID_RESOURCE_ID', description: 'Webhook id does not exist.', field: 'webhook_id', location: 'path' }]);
  return record as WebhookRecord;
}
