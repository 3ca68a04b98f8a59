import type http from 'node:http';
import type { ProviderModule, SandboxServices } from '../module';
import { createStripeApi } from './api';
import { handleCustomerAdvance } from './billing/customer-clock';
import { handleInvoicePage } from './billing/invoice-page';
import { handleBillingSettings } from './billing/settings';
import { WallClockBilling } from './billing/wall-clock';
import { answerApiPreflight, handleBrowser, loadBrowserScripts } from './browser';
import { DASHBOARD_ACTIONS, handleDashboardAction, stripeDashboard } from './dashboard';
import { CustomerFaults } from './faults';
import { handleChallenge } from './three-d-secure';
import { WebhookDispatcher } from '../webhooks';
import { stripeSender } from './webhooks';

/**
 * The Stripe stand-in, at the paths Stripe uses (mounted at the sandbox's root): the REST API
 * under /v1, Stripe.js (/js/stripe.js) and the card frame (/elements/…), the 3-D Secure
 * challenge (/3ds/…), hosted invoices (/invoices/…), and its own admin endpoints:
 * /_sandbox/billing (failed-payment settings), /_sandbox/customers/:id/advance (one customer's
 * time) and /_sandbox/dashboard/<action> (the dashboard's buttons). It delivers its events as
 * Stripe-signed webhooks, and bills customers without a test clock as real time passes
 * (billing/wall-clock.ts).
 */

export interface StripeModule extends ProviderModule {
  /** Faults armed for one customer's API requests (POST /_sandbox/chaos with `faults`). */
  faults: CustomerFaults;
}

export function createStripeModule({ store, chaos, apiFault, retry, origin }: SandboxServices): StripeModule {
  // Stripe.js and the card frame are bundled from TypeScript while the store migrates; start()
  // waits for them, so no page does, and a script that does not build stops the start, not a
  // checkout. (Caught here only so a failure is reported by start(), not as unhandled.)
  const scriptsReady = loadBrowserScripts();
  scriptsReady.catch(() => {});
  const dispatcher = new WebhookDispatcher(store, 'stripe', chaos, retry, stripeSender(store));
  const faults = new CustomerFaults();
  const onEvents = () => dispatcher.wake();
  const billing = new WallClockBilling(store, origin, onEvents);
  const api = createStripeApi(store, {
    apiFault,
    customerFault: (method, pathname, params) => faults.take(store.reader, method, pathname, params),
    onEvents,
  });

  async function route(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path.startsWith('/v1/')) {
      if (request.method === 'OPTIONS') answerApiPreflight(request, response);
      else await api(request, response, url);
    } else if (path.startsWith('/js/') || path.startsWith('/elements/')) {
      await handleBrowser(request, response, url);
    } else if (path.startsWith('/3ds/')) {
      await handleChallenge(store, request, response, url, onEvents);
    } else if (path.startsWith('/invoices/')) {
      await handleInvoicePage(store, request, response, url);
    } else if (path === '/_sandbox/billing') {
      await handleBillingSettings(store, request, response);
    } else if (path.startsWith('/_sandbox/customers/')) {
      await handleCustomerAdvance(store, request, response, url, onEvents);
    } else if (path.startsWith(DASHBOARD_ACTIONS) && request.method === 'POST') {
      await handleDashboardAction(store, request, response, url, onEvents);
    } else {
      return false;
    }
    return true;
  }

  return {
    name: 'Stripe',
    faults,
    handle: route,
    async start() {
      await scriptsReady;
      await billing.start();
      dispatcher.start();
    },
    // Billing first: its last step's events are queued before the dispatcher stops.
    async stop() {
      await billing.stop();
      await dispatcher.stop();
    },
    reset() {
      faults.clear();
      billing.reset();
    },
    dashboard: () => stripeDashboard(store),
  };
}
