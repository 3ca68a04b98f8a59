import type http from 'node:http';
import type { StoredObject, Tx } from '../store';
import { notFound } from './errors';
import { debugId, nowSeconds } from './ids';

/**
 * How the PayPal stand-in keeps a resource: one `sandbox.objects` row whose `resource` is the
 * JSON PayPal returns (minus the HATEOAS links, added when it is shown) and whose `internal` is
 * what PayPal knows but does not show (the buyer's choice on the approval page, a test buyer's
 * funding outcome, a PayPal-Request-Id's replay). `object` is `paypal_<kind>`, so the Stripe
 * side never lists one.
 */
export interface PaypalRecord<R = Record<string, unknown>, I = Record<string, unknown>> extends StoredObject {
  object: `paypal_${string}`;
  resource: R;
  internal: I;
}

/** What a route handler is given. */
export interface PaypalContext {
  tx: Tx;
  method: string;
  /** The route's path parameters by name (`:id` → `params.id`). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (`{}` for none). */
  body: unknown;
  headers: http.IncomingHttpHeaders;
  /** This response's `PayPal-Debug-Id`. */
  debugId: string;
  /** The request's `PayPal-Request-Id`, when it carried one. */
  requestId: string | null;
  /** Negative testing: the codes `PayPal-Mock-Response` asks for (`mock_application_codes`). */
  mockCodes: string[];
  /** `Prefer: return=representation` (else PayPal's default, `return=minimal`, where the API has one). */
  representation: boolean;
  /** Where the stand-in's REST API is for this caller (`http://127.0.0.1:12111/paypal`): HATEOAS links and approval pages start here. */
  base: string;
  /** The client id of the app whose token made the request. */
  clientId: string;
  /** Events raised in this request that have deliveries to send: the dispatcher is woken once it commits. */
  raisedEvents: string[];
  /** Unix seconds, read once per request, so every timestamp a request writes agrees. */
  now: number;
}

/**
 * The context of work that no REST request carries (an approval page, a renewal, a dashboard
 * button, a test): no caller, no headers, the full representation, one clock reading.
 */
export function contextWithoutRequest(tx: Tx, base: string, raisedEvents: string[]): PaypalContext {
  return {
    tx, method: 'POST', params: {}, query: new URLSearchParams(), body: {}, headers: {}, debugId: debugId(),
    requestId: null, mockCodes: [], representation: true, base, clientId: '', raisedEvents, now: nowSeconds(),
  };
}

/** What a handler answers: the HTTP status and body, and for a create the resource a replay of its PayPal-Request-Id reads again. */
export interface PaypalReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** The resource made or changed, for `PayPal-Request-Id` replays (the route's `replay` reads it). */
  resourceId?: string;
}

/** How long PayPal remembers a PayPal-Request-Id, by API (developer.paypal.com/api/rest/reference/idempotency, December 2026). */
export const REQUEST_ID_RETENTION_SECONDS = {
  orders: 6 * 3600,
  payments: 45 * 86_400,
  subscriptions: 72 * 3600,
  catalogs: 72 * 3600,
} as const;
export type IdempotentApi = keyof typeof REQUEST_ID_RETENTION_SECONDS;

export interface PaypalRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** `/v2/checkout/orders/:id/capture`; the module's prefix (`/paypal`) is not part of it. */
  path: string;
  /** The API reference section errors link to (`orders/v2`). */
  docs: string;
  /** Which API's PayPal-Request-Id rules apply; absent: the header is ignored, as PayPal ignores it on reads. */
  idempotency?: IdempotentApi;
  /** The latest state of what an earlier request with the same PayPal-Request-Id made (PayPal replays the resource, not the old body). */
  replay?(ctx: PaypalContext, resourceId: string): Promise<PaypalReply>;
  /** The status a replay answers when it is not the first request's (Orders v2 answers a repeated create or capture with 200 OK). */
  replayStatus?: number;
  /** Also takes `multipart/form-data` (Disputes' evidence uploads): the body is then a MultipartBody (multipart.ts). */
  multipart?: boolean;
  handle(ctx: PaypalContext): Promise<PaypalReply>;
}

/**
 * A record by id, or PayPal's 404 for it. `lock`: held until the transaction ends, so two
 * requests changing one resource (a double capture) take turns.
 */
export async function mustGet<R, I = Record<string, unknown>>(tx: Tx, object: `paypal_${string}`, id: string, options: { field?: string; lock?: boolean } = {}): Promise<PaypalRecord<R, I>> {
  const record = options.lock ? await tx.getForUpdate<PaypalRecord<R, I>>(object, id) : await tx.get<PaypalRecord<R, I>>(object, id);
  if (!record) throw notFound(id, options.field ?? 'id');
  return record;
}
