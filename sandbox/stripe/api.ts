import crypto from 'node:crypto';
import type http from 'node:http';
import type { ApiFault } from '../chaos';
import type { Store, Tx } from '../store';
import type { ApiKey, LaterWork, RequestContext } from './context';
import { CommittedError, StripeApiError, type StripeErrorBody } from './errors';
import { expandPaths, publicView } from './expand';
import type { FaultKind } from './faults';
import { parseForm, type FormObject } from './form';
import { isMultipart, parseMultipartParts } from '../multipart';
import { randomToken } from './ids';
import { matchRoute } from './routes';
import { API_VERSION } from './version';

export interface ApiOptions {
  /** The injected fault this request meets (the chaos switches), drawn once per request: none, before its work, or after it. */
  apiFault(): ApiFault | null;
  /** The fault armed for a customer this request concerns, if any (faults.ts), spent as it fires. */
  customerFault(method: string, pathname: string, params: FormObject): Promise<FaultKind | null>;
  /** Called after a request that raised events has committed. */
  onEvents(eventIds: string[]): void;
}

const MAX_BODY_BYTES = 256 * 1024;
// Stripe takes files up to 50 MB; dispute evidence is limited further by its purpose (files.ts).
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
// An idempotency key left "in flight" by a crashed request is released after this long.
const IN_FLIGHT_TIMEOUT_SECONDS = 60;

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function errorReply(error: StripeApiError, requestId: string): Reply {
  const body: StripeErrorBody = { ...error.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` };
  return { status: error.status, body: { error: body } };
}

function authenticate(header: string | undefined): ApiKey {
  let key: string | undefined;
  if (header?.startsWith('Bearer ')) key = header.slice(7).trim();
  else if (header?.startsWith('Basic ')) key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  if (!key) {
    throw new StripeApiError(401, {
      type: 'invalid_request_error',
      message: 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').',
    });
  }
  if (/^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key)) return { kind: 'secret', key };
  if (/^pk_test_[A-Za-z0-9_]+$/.test(key)) return { kind: 'publishable', key };
  const shown = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
  throw new StripeApiError(401, {
    type: 'invalid_request_error',
    message: /_live_/.test(key)
      ? `The Billfold sandbox only accepts test-mode keys; ${shown} is a live key.`
      : `Invalid API Key provided: ${shown}`,
  });
}

async function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new StripeApiError(413, { type: 'invalid_request_error', message: `Request body too large: the limit is ${limit} bytes.` });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A File Upload API request (`POST /v1/files`, multipart as the SDK sends it) as parameters: its
 * fields as strings, and each file as what the sandbox keeps of it (name, type, size), never its bytes.
 */
function uploadParams(bytes: Buffer, contentType: string): { params: FormObject; fingerprint: string } {
  const malformed = (description: string) => new StripeApiError(400, { type: 'invalid_request_error', message: `Invalid multipart request: ${description}` });
  const params: FormObject = {};
  // What identifies the request for idempotency: its parts, not its bytes (each retry has a new boundary).
  const fingerprint = crypto.createHash('sha256');
  for (const part of parseMultipartParts(bytes, contentType, malformed)) {
    params[part.name] =
      part.filename === undefined ? part.content.toString('utf8') : { filename: part.filename, type: part.contentType, size: String(part.content.length) };
    fingerprint.update(`${part.name}\0${part.filename ?? ''}\0${part.contentType}\0`).update(part.content);
  }
  return { params, fingerprint: fingerprint.digest('hex') };
}

export function createStripeApi(store: Store, options: ApiOptions) {
  async function execute(
    method: string,
    pathname: string,
    params: FormObject,
    auth: ApiKey,
    requestId: string,
    idempotencyKey: string | null,
    baseUrl: string,
    silent = false,
  ): Promise<Reply> {
    const route = matchRoute(method, pathname);
    if (!route) {
      throw new StripeApiError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` });
    }
    if (auth.kind === 'publishable' && !route.publishable) {
      throw new StripeApiError(401, {
        type: 'invalid_request_error',
        message: 'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      });
    }
    const raisedEvents: string[] = [];
    const later: LaterWork[] = [];
    // Stripe's GETs change nothing, so they read outside a transaction: two round trips to the
    // database fewer on the call a webhook consumer makes for every event it re-fetches.
    const within = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => (method === 'GET' ? fn(store.reader) : store.tx(fn));
    const result = await within(async (tx) => {
      const ctx: RequestContext = { tx, auth, requestId, idempotencyKey, params, path: route.params, raisedEvents, baseUrl, later };
      const object = await route.handler(ctx);
      // A `silent` fault: the change stands, but Stripe never had an event for it (drift that
      // only reconciliation finds).
      if (silent && raisedEvents.length > 0) {
        await tx.sql`delete from sandbox.deliveries where event_id in ${tx.sql(raisedEvents)}`;
        await tx.sql`delete from sandbox.objects where type = 'event' and id in ${tx.sql(raisedEvents)}`;
        raisedEvents.length = 0;
      }
      if (object instanceof CommittedError) return object;
      const expand = params.expand;
      const paths = Array.isArray(expand) ? expand.filter((item): item is string => typeof item === 'string') : [];
      if (paths.length === 0) return publicView(object);
      // Expansion edits the response in place: work on a copy, never on a stored object.
      const body = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
      await expandPaths(tx, body, paths);
      return publicView(body);
    });
    if (raisedEvents.length > 0) options.onEvents(raisedEvents);
    for (const work of later) setTimeout(() => void runLater(work, auth, baseUrl), work.delayMs);
    if (result instanceof CommittedError) return errorReply(result.error, requestId);
    return { status: 200, body: result };
  }

  /** Runs work scheduled by a committed request in its own transaction; a sandbox closed meanwhile drops it. */
  async function runLater(work: LaterWork, auth: RequestContext['auth'], baseUrl: string): Promise<void> {
    const raisedEvents: string[] = [];
    try {
      await store.tx((tx) => work.run({ tx, auth, requestId: `req_${randomToken(14)}`, idempotencyKey: null, params: {}, path: [], raisedEvents, baseUrl }));
    } catch {
      return;
    }
    if (raisedEvents.length > 0) options.onEvents(raisedEvents);
  }

  /** Stripe's idempotency: the same key and parameters replay the stored response. */
  async function withIdempotency(scope: string, key: string, requestHash: string, run: () => Promise<Reply>): Promise<Reply> {
    const sql = store.sql;
    const claimed = await sql`
      insert into sandbox.idempotency_keys (scope, key, request_hash, state) values (${scope}, ${key}, ${requestHash}, 'in_flight')
      on conflict (scope, key) do update set request_hash = excluded.request_hash, state = 'in_flight', created_at = now()
        where sandbox.idempotency_keys.state = 'in_flight' and sandbox.idempotency_keys.created_at < now() - make_interval(secs => ${IN_FLIGHT_TIMEOUT_SECONDS})
          and sandbox.idempotency_keys.request_hash = excluded.request_hash
      returning key`;
    if (claimed.length === 0) {
      const [existing] = await sql<{ request_hash: string; state: string; status: number | null; body: string | null }[]>`
        select request_hash, state, status, body from sandbox.idempotency_keys where scope = ${scope} and key = ${key}`;
      if (existing && existing.request_hash !== requestHash) {
        throw new StripeApiError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (!existing || existing.state === 'in_flight') {
        throw new StripeApiError(409, {
          type: 'idempotency_error',
          code: 'idempotency_key_in_use',
          message: 'There is currently another in-progress request using this Idempotency-Key. Please try again later.',
        });
      }
      return { status: existing.status ?? 200, body: JSON.parse(existing.body ?? 'null'), headers: { 'Idempotent-Replayed': 'true' } };
    }
    let reply: Reply;
    try {
      reply = await run();
    } catch (error) {
      // A thrown error rolled the request back (bad parameters, unknown id, a fault): nothing
      // happened, so no result is stored, as at Stripe, and the key may be used again.
      await sql`delete from sandbox.idempotency_keys where scope = ${scope} and key = ${key}`;
      throw error;
    }
    await sql`update sandbox.idempotency_keys set state = 'done', status = ${reply.status}, body = ${JSON.stringify(reply.body)} where scope = ${scope} and key = ${key}`;
    return reply;
  }

  return async function handleStripeRequest(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
    const requestId = `req_${randomToken(14)}`;
    const method = request.method ?? 'GET';
    let reply: Reply;
    const injected = options.apiFault();
    try {
      if (injected === 'before') {
        throw new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred (sandbox chaos: API fault injected).' });
      }
      const auth = authenticate(request.headers.authorization);
      const contentType = request.headers['content-type'] ?? '';
      // Only the File Upload API takes multipart, as at Stripe (files.stripe.com/v1/files).
      const upload = method === 'POST' && url.pathname === '/v1/files' && isMultipart(contentType);
      const bytes = method === 'GET' || method === 'DELETE' ? Buffer.alloc(0) : await readBody(request, upload ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES);
      const uploaded = upload ? uploadParams(bytes, contentType) : null;
      const body = uploaded ? uploaded.fingerprint : bytes.toString('utf8');
      if (!uploaded && body && !contentType.includes('application/x-www-form-urlencoded')) {
        throw new StripeApiError(400, { type: 'invalid_request_error', message: 'Invalid request: the body must be application/x-www-form-urlencoded, as Stripe expects.' });
      }
      const params = uploaded ? uploaded.params : parseForm(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : body);
      // Before the idempotency key is claimed: a request that meets a fault did nothing, so its
      // retry with the same key is a first attempt, as at Stripe after a request never arrived.
      const fault = await options.customerFault(method, url.pathname, params);
      if (fault === 'unreachable') {
        // No answer at all, as when the network dies: the caller sees its connection reset.
        request.socket.destroy();
        return;
      }
      if (fault === '500') {
        throw new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred (sandbox chaos: a fault armed for this customer).' });
      }
      const idempotencyKey = method === 'POST' ? ((request.headers['idempotency-key'] as string | undefined) ?? null) : null;
      if (idempotencyKey && idempotencyKey.length > 255) {
        throw new StripeApiError(400, { type: 'invalid_request_error', message: 'Idempotency-Key must be at most 255 characters.' });
      }
      const run = () => execute(method, url.pathname, params, auth, requestId, idempotencyKey, url.origin, fault === 'silent');
      if (idempotencyKey) {
        const hash = crypto.createHash('sha256').update(`${method} ${url.pathname}\n${body}`).digest('hex');
        reply = await withIdempotency(auth.key, idempotencyKey, hash, run);
      } else {
        reply = await run();
      }
    } catch (error) {
      if (error instanceof StripeApiError) {
        reply = errorReply(error, requestId);
      } else {
        reply = errorReply(new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred in the Billfold sandbox.' }), requestId);
        process.stderr.write(`sandbox: ${method} ${url.pathname} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      }
    }
    if (injected === 'after') {
      // The work is done and committed, and an Idempotency-Key has recorded its answer: a retry
      // with the key replays it (Idempotent-Replayed), one without does the work again. Only this
      // answer is lost, as when Stripe times out after committing.
      reply = errorReply(new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred (sandbox chaos: API fault injected after the request was carried out).' }), requestId);
    }
    const text = JSON.stringify(reply.body, null, 2);
    response.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Request-Id': requestId,
      'Stripe-Version': API_VERSION,
      'Access-Control-Allow-Origin': '*',
      ...(request.headers['idempotency-key'] && method === 'POST' ? { 'Idempotency-Key': String(request.headers['idempotency-key']) } : {}),
      ...reply.headers,
    });
    response.end(text);
  };
}
