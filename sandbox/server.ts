import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readJsonBody, sendJson } from './admin-json';
import { DEFAULT_CHAOS, defaultRetryPolicies, drawApiFault, parseChaosRequest, parseRetryRequest, type Chaos, type RetryPolicies, type RetryProvider, type RetryRequest } from './chaos';
import { sendDashboard } from './dashboard';
import type { ProviderModule, SandboxServices } from './module';
import { Store } from './store';
import { createPaypalModule, PAYPAL_PREFIX } from './paypal';
import { createStripeModule } from './stripe';

/**
 * The local provider emulator (shared/design.md, "The sandbox"). This file mounts one module per
 * provider (sandbox/<provider>/, each owning its routes, browser scripts, webhooks and dashboard
 * part) and keeps what they share: /health, the dashboard page at `/`, and the admin endpoints
 * under /_sandbox that are not one provider's: reset, and the chaos and retry switches
 * (sandbox/chaos.ts). State lives in PostgreSQL (schema `sandbox`).
 */

export interface SandboxOptions {
  port: number;
  host?: string;
  databaseUrl: string;
  /** Allows POST /_sandbox/reset, which deletes every sandbox object. Off in production. */
  allowReset: boolean;
  chaos?: Partial<Chaos>;
  /** Over each provider's own backoff (sandbox/chaos.ts): flat switches for all, or under a provider's name. */
  retry?: RetryRequest;
}

export interface SandboxServer {
  url: string;
  store: Store;
  chaos: Chaos;
  /** Each provider's webhook backoff, as /_sandbox/retry shows and changes it. */
  retry: RetryPolicies;
  close(): Promise<void>;
}

interface Mount {
  /** The path the module's own paths are under; '' is the root. */
  prefix: string;
  module: ProviderModule;
}

function mountedAt(prefix: string, pathname: string): boolean {
  return prefix === '' || pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** The URL as the module mounted at `prefix` sees it: its prefix taken off the path. */
function withinMount(prefix: string, url: URL): URL {
  if (prefix === '') return url;
  const inner = new URL(url);
  inner.pathname = url.pathname.slice(prefix.length) || '/';
  return inner;
}

/** The options' switches over the defaults; a value out of range stops the start. */
function initialSwitches(options: SandboxOptions): { chaos: Chaos; retry: RetryPolicies } {
  const chaos = parseChaosRequest(options.chaos ?? {});
  const retry = parseRetryRequest(options.retry ?? {}, defaultRetryPolicies());
  if (typeof chaos === 'string') throw new Error(`sandbox: chaos: ${chaos}`);
  if (typeof retry === 'string') throw new Error(`sandbox: retry: ${retry}`);
  return { chaos: { ...DEFAULT_CHAOS, ...chaos.switches }, retry };
}

export async function startSandbox(options: SandboxOptions): Promise<SandboxServer> {
  const { chaos, retry } = initialSwitches(options);
  const store = new Store(options.databaseUrl);
  let origin = '';
  // Every injected API fault, by when it struck, since the server started: a test reads how much
  // chaos its run really met (GET /_sandbox/chaos), not only what it asked for.
  const injectedApiFaults = { before: 0, after: 0 };
  const apiFault = () => {
    const fault = drawApiFault(chaos);
    if (fault) injectedApiFaults[fault] += 1;
    return fault;
  };
  const services = (provider: RetryProvider): SandboxServices => ({ store, chaos: () => chaos, apiFault, retry: () => retry[provider], origin: () => origin });

  // Created before the store migrates: a module prepares what it can meanwhile (Stripe bundles its scripts).
  const stripe = createStripeModule(services('stripe'));
  // Where each provider lives. Stripe's clients are given a host and a port, never a path: the
  // stripe package calls /v1/… and pages load /js/stripe.js from the origin, so Stripe is at the
  // root. PayPal's REST is under /v1 and /v2 too (/v1/oauth2/token, /v2/checkout/orders,
  // /v1/billing/subscriptions, /v1/notifications/verify-webhook-signature), which would collide
  // with Stripe's; and PayPal is reached through a whole base URL (its JS SDK through
  // @paypal/react-paypal-js's sdkBaseUrl, its REST through whatever replaces
  // https://api-m.sandbox.paypal.com in Billfold's PayPal client), so a path in that URL costs
  // nothing. PayPal therefore goes under /paypal: /paypal/v1/oauth2/token,
  // /paypal/v2/checkout/orders, its JS SDK and approval pages. Mounting a provider is one line
  // here (and its import); longer prefixes are tried first.
  const mounts: Mount[] = [
    { prefix: '', module: stripe },
    { prefix: PAYPAL_PREFIX, module: createPaypalModule(services('paypal')) },
  ].sort((a, b) => b.prefix.length - a.prefix.length);
  const providers = mounts.map((mount) => mount.module);

  async function handleShared(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname === '/health') {
      sendJson(response, 200, { ok: true, service: 'billfold-sandbox' });
    } else if (url.pathname === '/') {
      await sendDashboard(response, url, providers.map(async (provider) => ({ provider: provider.name, tables: await provider.dashboard() })));
    } else if (url.pathname === '/_sandbox/reset' && request.method === 'POST') {
      if (!options.allowReset) {
        sendJson(response, 403, { error: { message: 'Reset is disabled in production.' } });
      } else {
        await store.reset();
        for (const provider of providers) provider.reset();
        sendJson(response, 200, { reset: true });
      }
    } else if (url.pathname === '/_sandbox/chaos' && request.method === 'DELETE') {
      // The outage is over for one customer: their faults still armed are disarmed, before they
      // have all fired; other customers' (other tests') stay armed.
      const email = url.searchParams.get('email');
      if (!email || !email.includes('@')) return refuse(response, 'Name the customer whose faults to disarm: DELETE /_sandbox/chaos?email=<their email>.');
      const disarmed = stripe.faults.disarm(email);
      sendJson(response, 200, { disarmed, faults: stripe.faults.list() });
    } else if (url.pathname === '/_sandbox/chaos') {
      if (request.method === 'POST') {
        // `faults` are added to those armed (other tests' customers keep theirs); the other keys
        // are the switches. A refused request changes nothing at all: everything is checked
        // before anything is applied.
        const body = await readJsonBody(request, response, { maxBytes: 16_384 });
        if (!body.ok) return true;
        const parsed = parseChaosRequest(body.value);
        if (typeof parsed === 'string') return refuse(response, parsed);
        // Faults follow a customer through Stripe's objects, so they are Stripe's to arm; a
        // provider mounted beside it would take its own key.
        // A list is Stripe's (as it always was); an object names the provider each list is for (`{ paypal: [...] }`).
        if (Array.isArray(parsed.faults) || parsed.faults === undefined) {
          const armed = parsed.faults === undefined ? [] : stripe.faults.armRequested(parsed.faults);
          if (typeof armed === 'string') return refuse(response, armed);
        } else {
          const arming = prepareProviderFaults(providers, parsed.faults);
          if (typeof arming === 'string') return refuse(response, arming);
          for (const arm of arming) arm();
        }
        Object.assign(chaos, parsed.switches);
      }
      sendJson(response, 200, { ...chaos, injectedApiFaults, faults: stripe.faults.list(), providerFaults: listProviderFaults(providers) });
    } else if (url.pathname === '/_sandbox/retry') {
      if (request.method === 'POST') {
        const body = await readJsonBody(request, response);
        if (!body.ok) return true;
        const parsed = parseRetryRequest(body.value, retry);
        if (typeof parsed === 'string') return refuse(response, parsed);
        for (const provider of Object.keys(parsed) as RetryProvider[]) Object.assign(retry[provider], parsed[provider]);
      }
      sendJson(response, 200, retry);
    } else {
      return false;
    }
    return true;
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? `127.0.0.1:${options.port}`}`);
    const route = async () => {
      if (await handleShared(request, response, url)) return;
      for (const { prefix, module: provider } of mounts) {
        if (mountedAt(prefix, url.pathname) && (await provider.handle(request, response, withinMount(prefix, url)))) return;
      }
      sendJson(response, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${request.method}: ${url.pathname}).` } });
    };
    route().catch((error: unknown) => {
      process.stderr.write(`sandbox: ${request.method} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!response.headersSent) sendJson(response, 500, { error: { type: 'api_error', message: 'The sandbox failed to handle this request.' } });
    });
  });
  server.keepAliveTimeout = 65_000;

  const stopModules = () => Promise.all(providers.map((provider) => provider.stop()));
  try {
    await store.migrate();
    await Promise.all(providers.map((provider) => provider.start()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    // A taken port or a module that could not start: nothing is left running behind the error.
    await stopModules();
    await store.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: origin,
    store,
    chaos,
    retry,
    async close() {
      await stopModules();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await store.close();
    },
  };
}

/** Every provider's part of `faults: { <key>: [...] }` checked, or why one is refused (then nothing is armed). */
function prepareProviderFaults(providers: readonly ProviderModule[], faults: unknown): (() => unknown[])[] | string {
  if (typeof faults !== 'object' || faults === null) return 'faults must be a list of Stripe faults or an object of each provider’s (for example { "paypal": [...] }).';
  const arming: (() => unknown[])[] = [];
  for (const [key, list] of Object.entries(faults)) {
    const owner = providers.find((provider) => provider.customerFaults?.key === key)?.customerFaults;
    if (!owner) return `No provider takes faults under ${key}; the keys are ${providers.flatMap((provider) => provider.customerFaults?.key ?? []).join(', ')}.`;
    const prepared = owner.prepare(list);
    if (typeof prepared === 'string') return prepared;
    arming.push(prepared);
  }
  return arming;
}

function listProviderFaults(providers: readonly ProviderModule[]): Record<string, unknown[]> {
  return Object.fromEntries(providers.flatMap((provider) => (provider.customerFaults ? [[provider.customerFaults.key, provider.customerFaults.list()]] : [])));
}

function refuse(response: http.ServerResponse, message: string): true {
  sendJson(response, 400, { error: { message } });
  return true;
}
