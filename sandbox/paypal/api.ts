import type http from 'node:http';
import type { Store, Tx } from '../store';
import type { PaypalAuth } from './auth';
import { REQUEST_ID_RETENTION_SECONDS, type PaypalContext, type PaypalReply, type PaypalRoute } from './context';
import { PaypalApiError } from './errors';
import { debugId, nowSeconds } from './ids';
import { isMultipart, parseMultipart } from './multipart';

/**
 * The PayPal REST pipeline: bearer token, JSON body, route, `PayPal-Request-Id`, one
 * transaction per request, PayPal's error shape, `PayPal-Debug-Id` on every answer. Routes come
 * from the resource files (routes.ts gathers them).
 */

export interface PaypalApiOptions {
  routes: readonly PaypalRoute[];
  auth: PaypalAuth;
  /** The module's prefix on the sandbox (`/paypal`): links in responses are built under it. */
  prefix: string;
  /** Chance (0–1) that a request fails with a 500 before doing anything (the sandbox's chaos switch). */
  faultRate(): number;
  /** After a request that raised events committed. */
  onEvents(): void;
  /** The per-buyer fault this request meets, if any (faults.ts), spent as it fires. */
  customerFault?(method: string, pathname: string, body: unknown, pathIds: string[]): Promise<'500' | 'unreachable' | null>;
}

const MAX_BODY_BYTES = 128 * 1024;
// PayPal takes evidence files up to 10 MB each, 50 MB in all; the sandbox keeps only their names, so a smaller cap does.
const MAX_MULTIPART_BYTES = 12 * 1024 * 1024;
// A PayPal-Request-Id left "in flight" by a crashed request is released after this long.
const IN_FLIGHT_TIMEOUT_SECONDS = 60;

interface CompiledRoute {
  route: PaypalRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: PaypalRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/:([a-z_]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (body === undefined) {
    response.writeHead(status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  response.end(text);
}

async function readBytes(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new PaypalApiError(413, [{ issue: 'REQUEST_BODY_TOO_LARGE', description: `The request body is larger than ${limit} bytes.` }]);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The JSON body, or undefined when there is none. Only a body has a media type: the SDK sends
 * void, activate and deactivate with none, and axios then labels them form-encoded.
 */
async function readJson(request: http.IncomingMessage, contentType: string): Promise<unknown> {
  const text = (await readBytes(request, MAX_BODY_BYTES)).toString('utf8').trim();
  if (text === '') return undefined;
  if (contentType && !contentType.includes('json')) throw new PaypalApiError(415);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PaypalApiError(400, [{ issue: 'MALFORMED_REQUEST_JSON', description: 'The request JSON is not well formed.', location: 'body' }], 'INVALID_REQUEST');
  }
}

/** `PayPal-Mock-Response: {"mock_application_codes": "INSTRUMENT_DECLINED"}` → ['INSTRUMENT_DECLINED']. */
function mockCodesOf(header: string | string[] | undefined): string[] {
  if (typeof header !== 'string' || header.trim() === '') return [];
  try {
    const parsed = JSON.parse(header) as { mock_application_codes?: unknown };
    const codes = parsed.mock_application_codes;
    if (typeof codes === 'string') return codes.split(',').map((code) => code.trim()).filter(Boolean);
    if (Array.isArray(codes)) return codes.filter((code): code is string => typeof code === 'string');
  } catch {
    // fall through to the refusal below
  }
  throw new PaypalApiError(400, [{ issue: 'INVALID_PARAMETER_SYNTAX', description: 'PayPal-Mock-Response must be JSON with mock_application_codes.', field: 'PayPal-Mock-Response', location: 'header' }]);
}

export function createPaypalApi(store: Store, options: PaypalApiOptions) {
  const compiled = options.routes.map(compile);

  function match(method: string, pathname: string): { route: PaypalRoute; params: Record<string, string> } | { allowed: boolean } {
    let allowed = false;
    for (const { route, pattern, names } of compiled) {
      const found = pattern.exec(pathname);
      if (!found) continue;
      if (route.method !== method) {
        allowed = true;
        continue;
      }
      const params = Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]));
      return { route, params };
    }
    return { allowed };
  }

  /**
   * PayPal's idempotency: a repeat of a PayPal-Request-Id answers the latest state of what the
   * first request made, with its status; a repeat while the first is still running is refused;
   * the id is forgotten after the API's retention. A request that failed made nothing, so its
   * id may be used again. The id belongs to one route and resource: the same id on another
   * order is DUPLICATE_REQUEST_ID.
   */
  async function withRequestId(
    ctx: PaypalContext,
    route: PaypalRoute,
    requestId: string,
    run: (settle: (tx: Tx, reply: PaypalReply) => Promise<void>) => Promise<PaypalReply>,
  ): Promise<PaypalReply> {
    const api = route.idempotency as keyof typeof REQUEST_ID_RETENTION_SECONDS;
    const scope = `paypal ${route.method} ${route.path}`;
    const target = JSON.stringify(ctx.params);
    const sql = store.sql;
    // One statement claims the id, taking it over when it is past its retention or was left in
    // flight by a crash (either is as good as free).
    const claimed = await sql`
      insert into sandbox.idempotency_keys as held (scope, key, request_hash, state) values (${scope}, ${requestId}, ${target}, 'in_flight')
      on conflict (scope, key) do update set request_hash = excluded.request_hash, state = 'in_flight', status = null, body = null, created_at = now()
        where held.created_at < now() - make_interval(secs => ${REQUEST_ID_RETENTION_SECONDS[api]})
          or (held.state = 'in_flight' and held.created_at < now() - make_interval(secs => ${IN_FLIGHT_TIMEOUT_SECONDS}))
      returning key`;
    if (claimed.length === 0) {
      const [existing] = await sql<{ request_hash: string; state: string; status: number | null; body: string | null }[]>`
        select request_hash, state, status, body from sandbox.idempotency_keys where scope = ${scope} and key = ${requestId}`;
      if (existing && existing.request_hash !== target) {
        throw new PaypalApiError(422, [{ issue: 'DUPLICATE_REQUEST_ID', description: 'The value of PayPal-Request-Id header has already been used.', field: 'PayPal-Request-Id', location: 'header' }]);
      }
      if (!existing || existing.state === 'in_flight') {
        // Payments v2 declares this as 409 RESOURCE_CONFLICT, word for word; the other APIs name no status for it.
        throw new PaypalApiError(409, [{ issue: 'PREVIOUS_REQUEST_IN_PROGRESS', description: 'A previous request on this resource is currently in progress. Please wait for sometime and try again. It is best to space out the initial and the subsequent request(s) to avoid receiving this error.' }]);
      }
      const resourceId = existing.body;
      if (!resourceId || !route.replay) return { status: existing.status ?? 200, body: undefined };
      const replayed = await route.replay({ ...ctx, tx: store.reader }, resourceId);
      return { ...replayed, status: route.replayStatus ?? existing.status ?? replayed.status };
    }
    // The id is settled in the request's own transaction, as its last statement: what the
    // request made and the id's record of it commit together (and a round trip is saved).
    const settle = async (tx: Tx, reply: PaypalReply) => {
      // A refusal answered rather than thrown (a declined capture, which records the decline) is still a refusal: the id may be used again.
      if (reply.status >= 400) await tx.sql`delete from sandbox.idempotency_keys where scope = ${scope} and key = ${requestId}`;
      else await tx.sql`update sandbox.idempotency_keys set state = 'done', status = ${reply.status}, body = ${reply.resourceId ?? null} where scope = ${scope} and key = ${requestId}`;
    };
    try {
      return await run(settle);
    } catch (error) {
      // Rolled back: nothing happened, so the id is free for a retry.
      await sql`delete from sandbox.idempotency_keys where scope = ${scope} and key = ${requestId}`;
      throw error;
    }
  }

  return async function handlePaypalRequest(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const debug = debugId();
    const method = request.method ?? 'GET';
    const found = match(method, url.pathname);
    const docs = 'route' in found ? found.route.docs : 'rest';
    const headers: Record<string, string> = { 'PayPal-Debug-Id': debug };
    try {
      if (options.faultRate() > 0 && Math.random() < options.faultRate()) throw new PaypalApiError(500, [{ issue: 'INTERNAL_SERVER_ERROR', description: 'Sandbox chaos: an API fault was injected (apiFaultRate).' }]);
      const clientId = await options.auth.clientOf(request.headers.authorization);
      if (!clientId) throw new PaypalApiError(401);
      if (!('route' in found)) {
        if (found.allowed) throw new PaypalApiError(405);
        throw new PaypalApiError(404, [{ issue: 'INVALID_RESOURCE_ID', description: `No PayPal API at ${method} ${url.pathname} in the sandbox.` }], 'RESOURCE_NOT_FOUND');
      }
      const { route, params } = found;
      const contentType = request.headers['content-type'] ?? '';
      const multipart = Boolean(route.multipart) && isMultipart(contentType);
      const sent = method === 'GET' || method === 'DELETE' ? undefined : multipart ? parseMultipart(await readBytes(request, MAX_MULTIPART_BYTES), contentType) : await readJson(request, contentType);
      const body = sent ?? {};
      const fault = await options.customerFault?.(method, url.pathname, body, Object.values(params));
      if (fault === 'unreachable') {
        // No answer at all: the client sees the connection drop, as when PayPal cannot be reached.
        request.socket.destroy();
        return;
      }
      if (fault === '500') throw new PaypalApiError(500, [{ issue: 'INTERNAL_SERVER_ERROR', description: 'Sandbox fault armed for this buyer.' }]);
      const requestIdHeader = request.headers['paypal-request-id'];
      const requestId = typeof requestIdHeader === 'string' && requestIdHeader !== '' ? requestIdHeader : null;
      if (requestId && requestId.length > 108) {
        throw new PaypalApiError(400, [{ issue: 'INVALID_STRING_MAX_LENGTH', description: 'PayPal-Request-Id must be at most 108 characters.', field: 'PayPal-Request-Id', location: 'header' }]);
      }
      const raisedEvents: string[] = [];
      const base = `${url.origin}${options.prefix}`;
      const context = (tx: PaypalContext['tx']): PaypalContext => ({
        tx,
        method,
        params,
        query: url.searchParams,
        body,
        headers: request.headers,
        debugId: debug,
        requestId,
        mockCodes: mockCodesOf(request.headers['paypal-mock-response']),
        representation: /return=representation/.test(String(request.headers.prefer ?? '')),
        base,
        clientId,
        raisedEvents,
        now: nowSeconds(),
      });
      // Reads change nothing, so they skip the transaction (a webhook consumer re-reads on every event).
      const run = (settle?: (tx: Tx, reply: PaypalReply) => Promise<void>) =>
        method === 'GET'
          ? route.handle(context(store.reader))
          : store.tx(async (tx) => {
              const reply = await route.handle(context(tx));
              await settle?.(tx, reply);
              return reply;
            });
      const reply = requestId && route.idempotency ? await withRequestId(context(store.reader), route, requestId, run) : await run();
      if (raisedEvents.length > 0) options.onEvents();
      send(response, reply.status, reply.body, { ...headers, ...reply.headers });
    } catch (error) {
      if (!(error instanceof PaypalApiError)) throw error;
      if (error.status === 401) {
        // PayPal answers a bad or expired token with OAuth's shape, not the REST error shape.
        send(response, 401, request.headers.authorization ? { error: 'invalid_token', error_description: 'Token signature verification failed' } : error.body(debug, docs), headers);
        return;
      }
      send(response, error.status, error.body(debug, docs), headers);
    }
  };
}
