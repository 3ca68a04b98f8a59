import type http from 'node:http';
import { WebhookDispatcher } from '../webhooks';
import type { ProviderModule, SandboxServices } from '../module';
import { createPaypalApi } from './api';
import { PaypalAuth, readForm } from './auth';
import { paypalSender } from './events';
import { PAYPAL_ROUTES } from './routes';
import { CERT_PATH, CERTIFICATE_PEM } from './signing';

/**
 * The PayPal stand-in, mounted at PAYPAL_PREFIX (server.ts says why not at the root): the REST
 * APIs PayPal serves at api-m.sandbox.paypal.com (/v1/oauth2/token, /v2/checkout/orders,
 * /v2/payments, /v1/catalogs/products, /v1/billing, /v1/notifications, /v1/customer/disputes),
 * the webhook-signing certificate, and its webhooks, signed as PayPal signs them.
 */

export const PAYPAL_PREFIX = '/paypal';

export function createPaypalModule({ store, chaos, retry }: SandboxServices): ProviderModule {
  const auth = new PaypalAuth(store);
  const dispatcher = new WebhookDispatcher(store, 'paypal', chaos, retry, paypalSender(store));
  const api = createPaypalApi(store, {
    routes: PAYPAL_ROUTES,
    auth,
    prefix: PAYPAL_PREFIX,
    faultRate: () => chaos().apiFaultRate,
    onEvents: () => dispatcher.wake(),
  });

  async function route(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path === '/v1/oauth2/token' && request.method === 'POST') {
      const reply = await auth.issue(request.headers.authorization, await readForm(request));
      const text = JSON.stringify(reply.body);
      response.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      response.end(text);
    } else if (path === CERT_PATH && request.method === 'GET') {
      response.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Cache-Control': 'public, max-age=86400' });
      response.end(CERTIFICATE_PEM);
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
      dispatcher.start();
    },
    async stop() {
      await dispatcher.stop();
    },
    reset() {
      auth.reset();
    },
    dashboard: async () => [],
  };
}
