/**
 * How PayPal's official server SDK reaches a PayPal that is not at PayPal's hosts (the Billfold
 * sandbox). The SDK's base URLs are fixed per environment and it has no option to change them,
 * but its `unstable_httpClientOptions` are spread into the axios instance it makes, so an axios
 * `adapter` can send each request elsewhere. This adapter does the whole request with fetch,
 * keeping method, headers (`Authorization`, `PayPal-Request-Id`, `PayPal-Mock-Response`,
 * `Prefer`) and body, and answers the axios response the SDK reads; every status is a
 * response, so the SDK turns a 422 into its `CustomError` as it does with PayPal.
 */

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
    const signals = [config.signal, config.timeout ? AbortSignal.timeout(config.timeout) : undefined].filter((signal): signal is AbortSignal => Boolean(signal));
    const response = await fetch(url, {
      method,
      headers: headersOf(config),
      ...(body !== undefined && method !== 'GET' ? { body } : {}),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
    const data = await response.text();
    options.observe?.({ method, path: new URL(url).pathname, status: response.status, body: data });
    return {
      data,
      status: response.status,
      statusText: response.statusText,
      headers: Object.fromEntries(response.headers.entries()),
      config,
      request: {},
    };
  };
}
