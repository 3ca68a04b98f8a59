import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleDashboard } from './dashboard';
import { Store } from './store';
import { createStripeApi } from './stripe/api';
import { handleCustomerAdvance } from './stripe/billing/customer-clock';
import { handleInvoicePage } from './stripe/billing/invoice-page';
import { handleBillingSettings } from './stripe/billing/settings';
import { answerApiPreflight, handleBrowser } from './stripe/browser';
import { CustomerFaults, parseFaults } from './stripe/faults';
import { handleChallenge } from './stripe/three-d-secure';
import { WebhookDispatcher, type Chaos, type RetryPolicy } from './stripe/webhooks';

/**
 * The local provider emulator (shared/design.md, "The sandbox"): Stripe's REST API under /v1,
 * the 3-D Secure challenge, signed webhooks, and the sandbox's own admin endpoints under
 * /_sandbox. State lives in PostgreSQL (schema `sandbox`).
 */

export interface SandboxOptions {
  port: number;
  host?: string;
  databaseUrl: string;
  /** Allows POST /_sandbox/reset, which deletes every sandbox object. Off in production. */
  allowReset: boolean;
  chaos?: Partial<Chaos>;
  retry?: Partial<RetryPolicy>;
}

export interface SandboxServer {
  url: string;
  store: Store;
  dispatcher: WebhookDispatcher;
  chaos: Chaos;
  /** Faults armed for one customer's requests (POST /_sandbox/chaos with `faults`). */
  faults: CustomerFaults;
  retry: RetryPolicy;
  close(): Promise<void>;
}

function json(response: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function readJson(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 16_384) throw new Error('body too large');
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startSandbox(options: SandboxOptions): Promise<SandboxServer> {
  const store = new Store(options.databaseUrl);
  await store.migrate();
  const chaos: Chaos = { duplicateRate: 0, shuffle: false, delayMs: 0, apiFaultRate: 0, ...options.chaos };
  const retry: RetryPolicy = { baseDelayMs: 2_000, maxDelayMs: 60 * 60 * 1000, maxAttempts: 12, timeoutMs: 10_000, ...options.retry };
  const dispatcher = new WebhookDispatcher(store, () => chaos, () => retry);
  const faults = new CustomerFaults();
  const stripeApi = createStripeApi(store, {
    faultRate: () => chaos.apiFaultRate,
    customerFault: (method, pathname, params) => faults.take(store.reader, method, pathname, params),
    onEvents: () => dispatcher.wake(),
  });

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? `127.0.0.1:${options.port}`}`);
    const route = async () => {
      if (url.pathname === '/health') return json(response, 200, { ok: true, service: 'billfold-sandbox' });
      if (url.pathname === '/' || url.pathname.startsWith('/_sandbox/dashboard/')) return handleDashboard(store, request, response, url, () => dispatcher.wake());
      if (url.pathname.startsWith('/v1/') && request.method === 'OPTIONS') return answerApiPreflight(request, response);
      if (url.pathname.startsWith('/v1/')) return stripeApi(request, response, url);
      if (url.pathname.startsWith('/js/') || url.pathname.startsWith('/elements/')) return handleBrowser(request, response, url);
      if (url.pathname.startsWith('/3ds/')) return handleChallenge(store, request, response, url, () => dispatcher.wake());
      if (url.pathname.startsWith('/invoices/')) return handleInvoicePage(store, request, response, url);
      if (url.pathname === '/_sandbox/billing') return handleBillingSettings(store, request, response);
      if (url.pathname.startsWith('/_sandbox/customers/')) return handleCustomerAdvance(store, request, response, url, () => dispatcher.wake());
      if (url.pathname === '/_sandbox/reset' && request.method === 'POST') {
        if (!options.allowReset) return json(response, 403, { error: { message: 'Reset is disabled in production.' } });
        await store.reset();
        faults.clear();
        return json(response, 200, { reset: true });
      }
      if (url.pathname === '/_sandbox/chaos') {
        if (request.method === 'POST') {
          // `faults` are added to those armed (other tests' customers keep theirs); the other
          // keys are the global switches. A refused fault changes nothing at all.
          const { faults: requested, ...switches } = await readJson(request);
          if (requested !== undefined) {
            const parsed = parseFaults(requested);
            const armed = typeof parsed === 'string' ? parsed : faults.arm(parsed);
            if (typeof armed === 'string') return json(response, 400, { error: { message: armed } });
          }
          Object.assign(chaos, switches);
        }
        return json(response, 200, { ...chaos, faults: faults.list() });
      }
      if (url.pathname === '/_sandbox/retry') {
        if (request.method === 'POST') Object.assign(retry, await readJson(request));
        return json(response, 200, retry);
      }
      return json(response, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${request.method}: ${url.pathname}).` } });
    };
    route().catch((error: unknown) => {
      process.stderr.write(`sandbox: ${request.method} ${url.pathname}: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!response.headersSent) json(response, 500, { error: { type: 'api_error', message: 'The sandbox failed to handle this request.' } });
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  dispatcher.start();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    store,
    dispatcher,
    chaos,
    faults,
    retry,
    async close() {
      await dispatcher.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await store.close();
    },
  };
}
