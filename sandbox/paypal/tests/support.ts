import type { Client } from '@paypal/paypal-server-sdk';
import type { SandboxOptions } from '@/sandbox/server';
import { isolatedSandbox, type TestSandbox } from '@/test/sandbox';
import { contextWithoutRequest, type PaypalContext } from '../context';
import type { PaypalEvent } from '../events';
import { PAYPAL_PREFIX } from '../index';
import { expectMatchesPaypalSpec } from './openapi';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, sdkClientFor } from '../sdk';

/**
 * The PayPal side of a test sandbox: the official server SDK pointed at it (as Billfold's own
 * client will be), a small REST caller for what the SDK lacks (catalog products, webhooks,
 * disputes) and for raw requests (bad JSON, missing headers), and the events the sandbox raised.
 */

export const CLIENT_ID = SANDBOX_CLIENT_ID;
export const CLIENT_SECRET = SANDBOX_CLIENT_SECRET;

export interface PaypalTestSandbox extends TestSandbox {
  /** The stand-in's base URL (`http://127.0.0.1:<port>/paypal`). */
  paypalUrl: string;
  /** The official server SDK's client, reaching the sandbox through paypalRedirect. */
  client: Client;
  /** A REST call with a fresh bearer token; `headers` are added (PayPal-Request-Id, PayPal-Mock-Response, Prefer). */
  rest<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RestReply<T>>;
  /** Runs sandbox-side work (what a buyer or PayPal does, not an API call) in one transaction; its events are delivered by the dispatcher's next poll. */
  transaction<T>(work: (ctx: PaypalContext) => Promise<T>): Promise<T>;
  /** The events raised so far, oldest first, optionally of one type. */
  events(eventType?: string): Promise<PaypalEvent[]>;
}

export interface RestReply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export async function accessToken(paypalUrl: string): Promise<string> {
  const response = await fetch(`${paypalUrl}/v1/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}

/**
 * The APIs the stand-in serves that PayPal's published specifications do not cover: OAuth, and
 * the v1 Payments API of subscription sales (no spec file exists for it). Every other answer a
 * test gets, through `rest` or the SDK, must be what PayPal's specification declares for that
 * operation and status, or the call fails: the contract is checked on every response, not only
 * where a test remembers to.
 */
const OUTSIDE_THE_SPECS = [/^(\/paypal)?\/v1\/oauth2\/token$/, /^(\/paypal)?\/v1\/payments\/(sale|refund)\//];

function expectConformance(method: string, path: string, status: number, text: string): void {
  if (OUTSIDE_THE_SPECS.some((pattern) => pattern.test(path))) return;
  expectMatchesPaypalSpec(method, path, status, text ? (JSON.parse(text) as unknown) : undefined);
}

/** A sandbox on a free port with a database of its own, for the calling test file, with its PayPal side. */
export function paypalSandbox(options: Partial<SandboxOptions> = {}): PaypalTestSandbox {
  const base = isolatedSandbox(options);
  const handle = base as PaypalTestSandbox;
  let token: string | undefined;
  let client: Client | undefined;
  Object.defineProperties(handle, {
    paypalUrl: { get: () => `${base.server.url}${PAYPAL_PREFIX}` },
    client: {
      get: () => (client ??= sdkClientFor(handle.paypalUrl, { observe: ({ method, path, status, body }) => expectConformance(method, path, status, body) })),
    },
  });
  handle.rest = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestReply<T>> => {
    token ??= await accessToken(handle.paypalUrl);
    const response = await fetch(`${handle.paypalUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    expectConformance(method, new URL(response.url).pathname, response.status, text);
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  };
  handle.transaction = (work) => base.server.store.tx((tx) => work(contextWithoutRequest(tx, handle.paypalUrl, [])));
  handle.events = async (eventType?: string) => {
    const rows = await base.server.store.sql<{ data: { resource: PaypalEvent } }[]>`
      select data from sandbox.objects where type = 'paypal_event'
      and (${eventType ?? null}::text is null or data->'resource'->>'event_type' = ${eventType ?? null}) order by seq`;
    return rows.map((row) => row.data.resource);
  };
  return handle;
}
