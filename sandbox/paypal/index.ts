import type http from 'node:http';
import { redirectWithNotice } from '../dashboard';
import type { ProviderModule, SandboxServices } from '../module';
import { WebhookDispatcher } from '../webhooks';
import { createPaypalApi } from './api';
import { PaypalAuth, readForm } from './auth';
import { contextWithoutRequest } from './context';
import { paypalSender } from './events';
import { PaypalFaults } from './faults';
import { DASHBOARD_ACTION_PATH, PAYPAL_BACKGROUND, PAYPAL_DASHBOARD, PAYPAL_PAGES, type PaypalServices } from './parts';
import { PAYPAL_ROUTES } from './routes';
import { CERT_PATH, CERTIFICATE_PEM } from './signing';

/**
 * The PayPal stand-in, mounted at PAYPAL_PREFIX (server.ts says why not at the root): the REST
 * APIs PayPal serves at api-m.sandbox.paypal.com (/v1/oauth2/token, /v2/checkout/orders,
 * /v2/payments, /v1/catalogs/products, /v1/billing, /v1/notifications, /v1/customer/disputes),
 * the pages a buyer sees (parts.ts), the webhook-signing certificate, and its webhooks, signed
 * as PayPal signs them.
 */

export const PAYPAL_PREFIX = '/paypal';

export function createPaypalModule({ store, chaos, apiFault, retry, origin }: SandboxServices): ProviderModule {
  const auth = new PaypalAuth(store);
  const background = PAYPAL_BACKGROUND.map((make) => make());
  const faults = new PaypalFaults();
  const dispatcher = new WebhookDispatcher(store, 'paypal', chaos, retry, paypalSender(store, faults));
  const services: PaypalServices = {
    store,
    chaos,
    retry,
    base: (url) => `${url ? url.origin : origin()}${PAYPAL_PREFIX}`,
    async transaction(base, work) {
      const raisedEvents: string[] = [];
      const result = await store.tx((tx) => work(contextWithoutRequest(tx, base, raisedEvents)));
      if (raisedEvents.length > 0) dispatcher.wake();
      return result;
    },
  };
  const api = createPaypalApi(store, {
    routes: PAYPAL_ROUTES,
    auth,
    prefix: PAYPAL_PREFIX,
    apiFault,
    onEvents: () => dispatcher.wake(),
    customerFault: (method, pathname, body, pathIds) => faults.takeForRequest(store.reader, method, pathname, body, pathIds),
  });

  async function dashboardAction(request: http.IncomingMessage, response: http.ServerResponse, name: string): Promise<void> {
    const action = PAYPAL_DASHBOARD.map((part) => part.actions?.[name]).find((candidate) => candidate !== undefined);
    if (!action) return redirectWithNotice(response, `Unknown PayPal dashboard action: ${name}.`);
    const form = await readForm(request);
    let notice: string;
    try {
      notice = await action(form, services);
    } catch (error) {
      notice = error instanceof Error ? error.message : String(error);
    }
    redirectWithNotice(response, notice);
  }

  async function route(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const page = PAYPAL_PAGES.find((candidate) => (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path)));
    if (path === '/v1/oauth2/token' && request.method === 'POST') {
      const reply = await auth.issue(request.headers.authorization, await readForm(request));
      const text = JSON.stringify(reply.body);
      response.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      response.end(text);
    } else if (path === CERT_PATH && request.method === 'GET') {
      response.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Cache-Control': 'public, max-age=86400' });
      response.end(CERTIFICATE_PEM);
    } else if (path.startsWith(DASHBOARD_ACTION_PATH) && request.method === 'POST') {
      await dashboardAction(request, response, path.slice(DASHBOARD_ACTION_PATH.length));
    } else if (page) {
      await page.handle(request, response, url, services);
    } else if (path.startsWith('/v1/') || path.startsWith('/v2/')) {
      await api(request, response, url);
    } else {
      return false;
    }
    return true;
  }

  return {
    name: 'PayPal',
    handle: route,
    async start() {
      for (const work of background) await work.start(services);
      dispatcher.start();
    },
    // Background work first: the events of its last step are queued before the dispatcher stops.
    async stop() {
      for (const work of background) await work.stop();
      await dispatcher.stop();
    },
    customerFaults: faults,
    reset() {
      auth.reset();
      faults.clear();
      for (const work of background) work.reset();
    },
    dashboard: async () => (await Promise.all(PAYPAL_DASHBOARD.map((part) => part.tables(services)))).flat(),
  };
}
