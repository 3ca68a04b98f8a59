import { Client, Environment } from '@paypal/paypal-server-sdk';
import { env, type Env } from '@/lib/env';
import { providerCallSpan } from '@/lib/ops/provider-spans';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';
import { repeatWhileUnavailable } from './retry';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from './sandbox-credentials';
import { PAYPAL_LIVE_API, PAYPAL_SANDBOX_API, paypalRedirect } from './transport';

/**
 * The app's connection to PayPal: the official server SDK (Orders and Payments v2) and a small
 * REST caller for what the SDK lacks (disputes), both with the same credentials and base URL.
 * In `sandbox` mode both reach the local sandbox's PayPal stand-in (`<sandboxUrl>/paypal`) with
 * its fixed credentials; otherwise PayPal's sandbox or live host, by PAYPAL_ENVIRONMENT.
 */

export interface PaypalConnection {
  /** Where PayPal's REST API answers: `https://api-m.paypal.com`, or `http://127.0.0.1:12111/paypal`. */
  apiBase: string;
  clientId: string;
  clientSecret: string;
  /** Which PayPal the SDK believes it talks to; the sandbox stand-in is PayPal's sandbox. */
  environment: 'sandbox' | 'live';
}

/** PayPal's answer to a call that failed: its error body's name, issue and debug id (never the request). */
export class PaypalApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    /** The first `details[].issue` (INSTRUMENT_DECLINED, ORDER_NOT_APPROVED, …), or the error name. */
    readonly issue: string,
    readonly debugId: string | null,
    message: string,
    /** Where PayPal sends the buyer next, when it says (`redirect` after INSTRUMENT_DECLINED, `payer-action`). */
    readonly links: readonly { href: string; rel: string }[] = [],
  ) {
    super(message);
    this.name = 'PaypalApiError';
  }
}

/** A file sent in a multipart request (dispute evidence). */
export interface PaypalUpload {
  /** The form field PayPal names for it (`evidence-file`, `accept-claim-document`). */
  field: string;
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export interface PaypalRequestOptions {
  body?: unknown;
  /** Becomes PayPal-Request-Id; the request is then sent again while PayPal is unavailable (./retry.ts), as a GET is. */
  requestId?: string;
  /** A POST without a PayPal-Request-Id that changes nothing (a signature check): sent again like a read. */
  changesNothing?: boolean;
  /**
   * Sends the request as multipart/form-data, as the Disputes API takes its actions: `body` as
   * the JSON `input` part, and these files in parts of their own.
   */
  files?: PaypalUpload[];
}

/** A plain REST call with a bearer token, for the APIs the SDK does not cover. */
export interface PaypalRest {
  /** `path` is below the API base (`/v1/customer/disputes/PP-D-1`). */
  request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options?: PaypalRequestOptions): Promise<T>;
}

function multipartOf(input: unknown, files: PaypalUpload[]): FormData {
  const form = new FormData();
  form.append('input', new Blob([JSON.stringify(input ?? {})], { type: 'application/json' }), 'input.json');
  for (const file of files) form.append(file.field, new Blob([Buffer.from(file.data)], { type: file.contentType }), file.filename);
  return form;
}

export interface PaypalClient {
  sdk: Client;
  rest: PaypalRest;
  /** Where PayPal's own pages for buyers are: `https://www.paypal.com`, or the sandbox stand-in's base. */
  webBase: string;
}

/** PayPal's site for buyers beside its API: PayPal's own for its hosts, the stand-in's base (which serves both) otherwise. */
export function paypalWebBase(apiBase: string): string {
  if (apiBase === PAYPAL_LIVE_API) return 'https://www.paypal.com';
  if (apiBase === PAYPAL_SANDBOX_API) return 'https://www.sandbox.paypal.com';
  return apiBase.replace(/\/+$/, '');
}

// The SDK's per-request timeout; PayPal itself allows captures a while, so this is generous.
const TIMEOUT_MS = 20_000;
// A token is renewed this long before PayPal says it expires, so no request carries a dying one.
const TOKEN_MARGIN_MS = 60_000;

function isPaypalHost(apiBase: string): boolean {
  return apiBase === PAYPAL_SANDBOX_API || apiBase === PAYPAL_LIVE_API;
}

/** PayPal's error body (REST: name, message, debug_id, details[].issue, links; OAuth: error, error_description). */
export interface PaypalErrorBody {
  name?: string;
  message?: string;
  debug_id?: string;
  details?: { issue?: string; description?: string }[];
  links?: { href: string; rel: string }[];
  error?: string;
  error_description?: string;
}

export function paypalErrorFrom(status: number, body: PaypalErrorBody | undefined): PaypalApiError {
  const detail = body?.details?.[0];
  const name = body?.name ?? body?.error ?? `HTTP_${status}`;
  const issue = detail?.issue ?? name;
  const description = detail?.description ?? body?.message ?? body?.error_description ?? 'no description';
  return new PaypalApiError(status, name, issue, body?.debug_id ?? null, `PayPal answered ${status} ${issue}: ${description}`, body?.links ?? []);
}

/** The REST caller: its own client-credentials token, cached until shortly before it expires. */
function paypalRestFor(connection: PaypalConnection): PaypalRest {
  const base = connection.apiBase.replace(/\/+$/, '');
  let token: { value: string; expiresAt: number } | null = null;

  function exchange(url: string, init: RequestInit): Promise<Response> {
    // Named by the path below the API base (`/v1/customer/disputes/{id}`), as Stripe's are.
    return providerCallSpan('paypal', init.method ?? 'GET', url.slice(base.length), async (span) => {
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
        span.setAttribute('http.response.status_code', response.status);
        return response;
      } catch (error) {
        throw new PaymentProviderUnavailableError('paypal', { cause: error });
      }
    });
  }

  async function bearer(): Promise<string> {
    if (token && token.expiresAt > Date.now()) return token.value;
    const basic = Buffer.from(`${connection.clientId}:${connection.clientSecret}`).toString('base64');
    const response = await exchange(`${base}/v1/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json().catch(() => undefined)) as ({ access_token?: string; expires_in?: number } & PaypalErrorBody) | undefined;
    if (!response.ok || !body?.access_token) throw paypalErrorFrom(response.status, body);
    token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 0) * 1000 - TOKEN_MARGIN_MS };
    return token.value;
  }

  async function requestOnce<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: PaypalRequestOptions): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await bearer()}`, Accept: 'application/json' };
    if (options.requestId) headers['PayPal-Request-Id'] = options.requestId;
    let body: string | FormData | undefined;
    // fetch writes a multipart body's Content-Type itself, with its boundary.
    if (options.files) body = multipartOf(options.body, options.files);
    else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await exchange(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const answer = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.status === 401) token = null; // a revoked or expired token: the next call fetches another
    // 409 under a PayPal-Request-Id: the first request with it is still running; a repeat gets its answer.
    const busy = response.status === 409 && options.requestId !== undefined;
    if (response.status >= 500 || response.status === 429 || busy) throw new PaymentProviderUnavailableError('paypal', { cause: paypalErrorFrom(response.status, answer as PaypalErrorBody) });
    if (!response.ok) throw paypalErrorFrom(response.status, answer as PaypalErrorBody);
    return answer as T;
  }

  return {
    request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: PaypalRequestOptions = {}): Promise<T> {
      const once = () => requestOnce<T>(method, path, options);
      return method === 'GET' || options.requestId !== undefined || options.changesNothing ? repeatWhileUnavailable(once) : once();
    },
  };
}

/**
 * A client for the PayPal at `connection.apiBase`: the app's (paypal()), or a test's pointed at
 * its own isolated sandbox. Anything but PayPal's own hosts is reached through the transport's
 * redirecting adapter, since the SDK's base URLs are fixed per environment.
 */
export function paypalClientFor(connection: PaypalConnection): PaypalClient {
  const environment = connection.environment === 'live' ? Environment.Production : Environment.Sandbox;
  const sdkHost = connection.environment === 'live' ? PAYPAL_LIVE_API : PAYPAL_SANDBOX_API;
  const redirected = !isPaypalHost(connection.apiBase);
  const sdk = new Client({
    clientCredentialsAuthCredentials: { oAuthClientId: connection.clientId, oAuthClientSecret: connection.clientSecret },
    environment,
    timeout: TIMEOUT_MS,
    // The SDK's retries stay off (its default): it would repeat by method alone. Our calls
    // (./calls.ts) repeat reads and requests with a PayPal-Request-Id, which are safe (./retry.ts).
    ...(redirected ? { unstable_httpClientOptions: { adapter: paypalRedirect(connection.apiBase, { from: sdkHost }) } } : {}),
  });
  return { sdk, rest: paypalRestFor(connection), webBase: paypalWebBase(connection.apiBase) };
}

/** The connection this configuration asks for: the sandbox stand-in in `sandbox` mode, else PAYPAL_* credentials. */
export function paypalConnection(config: Pick<Env, 'paymentsMode' | 'sandboxUrl' | 'paypal'> = env()): PaypalConnection {
  if (config.paymentsMode === 'sandbox') {
    return { apiBase: `${config.sandboxUrl}/paypal`, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' };
  }
  if (!config.paypal) throw new Error('PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET are not set');
  const { clientId, clientSecret, environment } = config.paypal;
  return { apiBase: environment === 'live' ? PAYPAL_LIVE_API : PAYPAL_SANDBOX_API, clientId, clientSecret, environment };
}

const globalForPaypal = globalThis as unknown as { billfoldPaypal?: PaypalClient };

/** The app's one PayPal client, made on first use from the configuration. */
export function paypal(): PaypalClient {
  globalForPaypal.billfoldPaypal ??= paypalClientFor(paypalConnection());
  return globalForPaypal.billfoldPaypal;
}
