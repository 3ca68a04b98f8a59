/**
 * How PayPal's official server SDK reaches a PayPal that is not at PayPal's hosts (the Billfold
 * sandbox). The SDK's base URLs are fixed per environment and it has no option to change them,
 * but its `unstable_httpClientOptions` are spread into the axios instance it makes, so an axios
 * `adapter` can send each request elsewhere. This adapter does the whole request with fetch,
 * keeping method, headers (`Authorization`, `PayPal-Request-Id`, `PayPal-Mock-Response`,
 * `Prefer`) and body, and answers the axios response the SDK reads; every status is a
 * response, so the SDK turns a 422 into its `CustomError` as it does with PayPal.
 */

import http from 'node:http';
import https from 'node:https';

/** PayPal's sandbox REST host, which the SDK's `Environment.Sandbox` calls. */
export const PAYPAL_SANDBOX_API = 'https://api-m.sandbox.paypal.com';
/** PayPal's live REST host (`Environment.Production`). */
export const PAYPAL_LIVE_API = 'https://api-m.paypal.com';

/** The part of axios's request config the adapter reads. */
interface AxiosRequest {
  url?: string;
  baseURL?: string;
  method?: string;
  headers?: { toJSON?(): Record<string, unknown> } & Record<string, unknown>;
  data?: unknown;
  timeout?: number;
  signal?: AbortSignal;
  params?: Record<string, unknown>;
}

interface AxiosResponse {
  data: string;
  status: number;
  statusText: string;
  headers: Record<string, string>;
  config: AxiosRequest;
  request: Record<string, never>;
}

function headersOf(config: AxiosRequest): Record<string, string> {
  const raw = typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : (config.headers ?? {});
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === null || typeof value === 'object' || typeof value === 'function') continue;
    headers[name] = String(value);
  }
  return headers;
}

/**
 * An axios adapter that sends every request for `from` (PayPal's host) to `to` instead
 * (`http://127.0.0.1:12111/paypal`): pass it as
 * `unstable_httpClientOptions: { adapter: paypalRedirect(to) }`. `observe` sees every answer
 * (the sandbox's contract tests validate each against PayPal's specification).
 */
/** What a response looked like, for `observe`: the sandbox's contract tests check each against PayPal's specification. */
export interface ObservedExchange {
  method: string;
  /** The path at the target, prefix included (`/paypal/v2/checkout/orders`). */
  path: string;
  status: number;
  body: string;
}

// Kept-alive connections: every SDK call would otherwise open one.
const AGENTS = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

interface Exchanged {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request with node:http, which costs the caller about half the CPU of fetch: the sandbox
 * bench drives hundreds of SDK calls a second through here on the machine it measures.
 */
function exchange(url: URL, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<Exchanged> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method: init.method, headers: init.headers, agent: url.protocol === 'https:' ? AGENTS['https:'] : AGENTS['http:'], signal: init.signal }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('error', reject);
    // The SDK's `timeout`, for the whole exchange as axios counts it.
    if (init.timeoutMs) {
      const timer = setTimeout(() => request.destroy(new Error(`timeout of ${init.timeoutMs}ms exceeded`)), init.timeoutMs);
      request.once('close', () => clearTimeout(timer));
    }
    request.end(init.body);
  });
}

export function paypalRedirect(to: string, options: { from?: string; observe?: (exchange: ObservedExchange) => void } = {}) {
  const from = options.from ?? PAYPAL_SANDBOX_API;
  const target = to.replace(/\/+$/, '');
  return async function redirectToSandbox(config: AxiosRequest): Promise<AxiosResponse> {
    const requested = new URL(config.url ?? '', config.baseURL);
    for (const [name, value] of Object.entries(config.params ?? {})) {
      if (value !== undefined && value !== null) requested.searchParams.set(name, String(value));
    }
    const url = requested.href.startsWith(from) ? `${target}${requested.href.slice(from.length)}` : requested.href;
    const method = (config.method ?? 'get').toUpperCase();
    const body = config.data === undefined || config.data === null ? undefined : typeof config.data === 'string' ? config.data : JSON.stringify(config.data);
    const response = await exchange(new URL(url), { method, headers: headersOf(config), body: method === 'GET' ? undefined : body, signal: config.signal, timeoutMs: config.timeout });
    options.observe?.({ method, path: new URL(url).pathname, status: response.status, body: response.body });
    return {
      data: response.body,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      config,
      request: {},
    };
  };
}
