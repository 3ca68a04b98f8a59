import type http from 'node:http';
import type { ApiFault } from '../chaos';
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
  /** The injected fault this request meets (the sandbox's chaos switches): none, before its work, or after it. */
  apiFault(): ApiFault | null;
  /** After a request that raised events committed. */
  onEvents(): void;
  /** The per-buyer fault this request meets, if any (faults.ts), spent as it fires. */
  customerFault?(method: string, pathname: string, body: unknown, pathIds: string[]): Promise<'500' | 'unreachable' | null>;
}

const MAX_BODY_BYTES = 128 * 1024;
// PayPal takes evidence files up to 10 MB each, 50 MB in all; the sandbox keeps only their names, so a smaller cap does.
const MAX_MULTIPART_BYTES = 12 * 1024 * 1024;

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
   *
   * The id is claimed in the request's own transaction, by its first statement (sent with
   * BEGIN), and settled by its last (sent with COMMIT): what the request made and the id's
   * record of it commit together, and a request that fails leaves no claim behind.
   */
  async function claimRequestId(tx: Tx, ctx: PaypalContext, route: PaypalRoute, requestId: string): Promise<{ replay: PaypalReply } | { settle(reply: PaypalReply): Promise<void> }> {
    const api = route.idempotency as keyof typeof REQUEST_ID_RETENTION_SECONDS;
    const scope = `paypal ${route.method} ${route.path}`;
    const target = JSON.stringify(ctx.params);
    const sql = tx.sql;
    // A request holding the id holds its advisory lock until it ends, so a second request with
    // the id does not wait for it: it is refused at once. The id is taken over when it is past
    // its retention (as good as free), or was left in flight by a sandbox older than claims
    // inside the transaction.
    const [claim] = await sql<{ locked: boolean; claimed: boolean }[]>`
      with lock as (select pg_try_advisory_xact_lock(hashtextextended(${`${scope} ${requestId}`}, 0)) as locked),
      claimed as (
        insert into sandbox.idempotency_keys as held (scope, key, request_hash, state)
        select ${scope}, ${requestId}, ${target}, 'in_flight' from lock where lock.locked
        on conflict (scope, key) do update set request_hash = excluded.request_hash, state = 'in_flight', status = null, body = null, created_at = now()
          where held.created_at < now() - make_interval(secs => ${REQUEST_ID_RETENTION_SECONDS[api]}) or held.state = 'in_flight'
        returning key)
      select lock.locked, exists (select 1 from claimed) as claimed from lock`;
    if (!claim?.locked) {
      // Payments v2 declares this as 409 RESOURCE_CONFLICT, word for word; the other APIs name no status for it.
      throw new PaypalApiError(409, [{ issue: 'PREVIOUS_REQUEST_IN_PROGRESS', description: 'A previous request on this resource is currently in progress. Please wait for sometime and try again. It is best to space out the initial and the subsequent request(s) to avoid receiving this error.' }]);
    }
    if (!claim.claimed) {
      const [existing] = await sql<{ request_hash: string; status: number | null; body: string | null }[]>`
        select request_hash, status, body from sandbox.idempotency_keys where scope = ${scope} and key = ${requestId}`;
      if (!existing) throw new Error(`PayPal-Request-Id ${requestId} was neither claimed nor found`);
      if (existing.request_hash !== target) {
        throw new PaypalApiError(422, [{ issue: 'DUPLICATE_REQUEST_ID', description: 'The value of PayPal-Request-Id header has already been used.', field: 'PayPal-Request-Id', location: 'header' }]);
      }
      const resourceId = existing.body;
      if (!resourceId || !route.replay) return { replay: { status: existing.status ?? 200, body: undefined } };
      const replayed = await route.replay(ctx, resourceId);
      return { replay: { ...replayed, status: route.replayStatus ?? existing.status ?? replayed.status } };
    }
    return {
      async settle(reply) {
        // A refusal answered rather than thrown (a declined capture, which records the decline) is still a refusal: the id may be used again.
        if (reply.status >= 400) await tx.behind(sql`delete from sandbox.idempotency_keys where scope = ${scope} and key = ${requestId}`);
        else await tx.behind(sql`update sandbox.idempotency_keys set state = 'done', status = ${reply.status}, body = ${reply.resourceId ?? null} where scope = ${scope} and key = ${requestId}`);
      },
    };
  }

  return async function handlePaypalRequest(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const debug = debugId();
    const method = request.method ?? 'GET';
    const found = match(method, url.pathname);
    const docs = 'route' in found ? found.route.docs : 'rest';
    const headers: Record<string, string> = { 'PayPal-Debug-Id': debug };
    const injected = options.apiFault();
    const injectedError = (when: string) => new PaypalApiError(500, [{ issue: 'INTERNAL_SERVER_ERROR', description: `Sandbox chaos: an API fault was injected (apiFaultRate) ${when}.` }]);
    try {
      if (injected === 'before') throw injectedError('before the request was carried out');
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
      const reply =
        method === 'GET'
          ? await route.handle(context(store.reader))
          : await store.tx(async (tx) => {
              const ctx = context(tx);
              if (!requestId || !route.idempotency) return route.handle(ctx);
              const claim = await claimRequestId(tx, ctx, route, requestId);
              if ('replay' in claim) return claim.replay;
              const made = await route.handle(ctx);
              await claim.settle(made);
              return made;
            });
      if (raisedEvents.length > 0) options.onEvents();
      // The work committed (and its PayPal-Request-Id remembers it, so a repeat with the id
      // answers what it made); only this answer is lost, as when PayPal fails after the commit.
      if (injected === 'after') throw injectedError('after the request was carried out');
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
