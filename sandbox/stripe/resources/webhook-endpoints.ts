import type Stripe from 'stripe';
import type { Route } from '../routes';
import { invalidRequest } from '../errors';
import { newId, nowSeconds, randomToken } from '../ids';
import { p, parseParams } from '../params';
import { API_VERSION } from '../version';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';

/** The endpoint as stored: its signing secret is kept, but shown only when it is created. */
export type SandboxWebhookEndpoint = Stripe.WebhookEndpoint & { _sandbox: { secret: string } };

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: ${url}`, 'url', 'url_invalid');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidRequest('Invalid URL: must be http or https', 'url', 'url_invalid');
  return url;
}

function checkEvents(events: string[]): string[] {
  if (events.length === 0) throw invalidRequest('enabled_events must list at least one event type, or *', 'enabled_events');
  return events;
}

export const webhookEndpointRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/webhook_endpoints',
    async handler(ctx) {
      const params = parseParams(
        {
          url: p.string().req(),
          enabled_events: p.array(p.string()).req(),
          description: p.emptyable(p.string()),
          metadata: p.metadata(),
          api_version: p.string(),
          connect: p.bool(),
        },
        ctx.params,
      );
      const secret = `whsec_${randomToken(32)}`;
      const endpoint: SandboxWebhookEndpoint = {
        id: newId('we'),
        object: 'webhook_endpoint',
        api_version: params.api_version ?? API_VERSION,
        application: null,
        created: nowSeconds(),
        description: params.description ?? null,
        enabled_events: checkEvents(params.enabled_events),
        livemode: false,
        metadata: mergeMetadata({}, params.metadata),
        secret,
        status: 'enabled',
        url: checkUrl(params.url),
        _sandbox: { secret },
      };
      await ctx.tx.insert({ ...endpoint, secret: undefined });
      return endpoint;
    },
  },
  retrieveRoute('/v1/webhook_endpoints/:id', 'webhook_endpoint', 'webhook_endpoint'),
  {
    method: 'POST',
    path: '/v1/webhook_endpoints/:id',
    async handler(ctx) {
      const params = parseParams(
        { url: p.string(), enabled_events: p.array(p.string()), description: p.emptyable(p.string()), metadata: p.metadata(), disabled: p.bool() },
        ctx.params,
      );
      const before = await mustGet<SandboxWebhookEndpoint>(ctx, 'webhook_endpoint', pathId(ctx), 'webhook_endpoint', 'id', true);
      const after: SandboxWebhookEndpoint = {
        ...before,
        ...(params.url !== undefined ? { url: checkUrl(params.url) } : {}),
        ...(params.enabled_events !== undefined ? { enabled_events: checkEvents(params.enabled_events) } : {}),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.disabled !== undefined ? { status: params.disabled ? 'disabled' : 'enabled' } : {}),
        metadata: mergeMetadata(before.metadata, params.metadata),
      };
      await ctx.tx.save(after);
      return after;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/webhook_endpoints/:id',
    async handler(ctx) {
      const endpoint = await mustGet<SandboxWebhookEndpoint>(ctx, 'webhook_endpoint', pathId(ctx), 'webhook_endpoint', 'id', true);
      await ctx.tx.remove(endpoint.id);
      await ctx.tx.sql`update sandbox.deliveries set status = 'abandoned', updated_at = now() where endpoint_id = ${endpoint.id} and status = 'pending'`;
      return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/webhook_endpoints',
    async handler(ctx) {
      const params = parseParams(LIST_PARAMS, ctx.params);
      return listObjects(ctx, 'webhook_endpoint', '/v1/webhook_endpoints', params);
    },
  },
];
