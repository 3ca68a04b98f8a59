import type http from 'node:http';
import type { Chaos, RetryPolicy } from '../chaos';
import type { DashboardTable } from '../dashboard';
import type { Store } from '../store';
import { AUTOPAY_PAGES } from './autopay-pages';
import { JS_SDK_BUNDLE, JS_SDK_PAGE } from './browser';
import { CHECKOUT_PAGE } from './checkout-page';
import type { PaypalContext } from './context';
import { PAYPAL_EVENTS_DASHBOARD } from './dashboard';
import { DISPUTE_PAGES } from './disputes';
import { ORDERS_DASHBOARD } from './orders-dashboard';
import { pendingCaptureWork, SETTLE_CAPTURE_PAGE } from './pending-captures';
import { SUBSCRIPTION_APPROVAL_PAGES } from './subscription-approval';
import { SUBSCRIPTION_CLOCK_PAGES, SubscriptionWallClock } from './subscription-clock';
import { SUBSCRIPTIONS_DASHBOARD } from './subscriptions-dashboard';

/**
 * What the PayPal module is made of besides its REST routes (routes.ts): pages a browser opens
 * (approval pages, automatic payments pages, the JS SDK stand-in, test endpoints under
 * /_sandbox), background work (a subscription's renewals as time passes, a pending capture
 * completing) and the dashboard's tables and buttons. Each area of the stand-in exports its
 * parts and index.ts mounts them all.
 */

export interface PaypalServices {
  store: Store;
  chaos(): Chaos;
  retry(): RetryPolicy;
  /** The stand-in's base URL (`http://127.0.0.1:12111/paypal`): from the request when there is one, else the sandbox's own origin. */
  base(url?: URL): string;
  /**
   * Runs `work` in one transaction with a context like a REST request's (for an approval page,
   * a renewal, a dashboard button), and delivers the events it raised once it commits.
   */
  transaction<T>(base: string, work: (ctx: PaypalContext) => Promise<T>): Promise<T>;
}

export interface PaypalPage {
  /** The path (relative to the module's prefix) or a pattern it answers. */
  path: string | RegExp;
  handle(request: http.IncomingMessage, response: http.ServerResponse, url: URL, services: PaypalServices): Promise<void>;
}

export interface PaypalBackgroundWork {
  start(services: PaypalServices): Promise<void>;
  stop(): Promise<void>;
  /** After the sandbox was reset: forget what is kept in memory. */
  reset(): void;
}

export interface PaypalDashboardPart {
  tables(services: PaypalServices): Promise<DashboardTable[]>;
  /**
   * The part's buttons, by action name: each posts a form to `/paypal/_sandbox/dashboard/<name>`
   * and answers the notice shown on the dashboard after it (or throws an Error whose message is
   * shown instead).
   */
  actions?: Record<string, (form: URLSearchParams, services: PaypalServices) => Promise<string>>;
}

/** Where a dashboard button posts (the module's prefix is added by the caller). */
export const DASHBOARD_ACTION_PATH = '/_sandbox/dashboard/';

/** Every page, piece of background work and dashboard part, gathered from the stand-in's areas. */
export const PAYPAL_PAGES: readonly PaypalPage[] = [JS_SDK_PAGE, CHECKOUT_PAGE, SETTLE_CAPTURE_PAGE, ...SUBSCRIPTION_APPROVAL_PAGES, ...SUBSCRIPTION_CLOCK_PAGES, ...AUTOPAY_PAGES, ...DISPUTE_PAGES];
/** Made anew for each sandbox started (tests start several in one process), so each has its own timers. */
export const PAYPAL_BACKGROUND: readonly (() => PaypalBackgroundWork)[] = [() => JS_SDK_BUNDLE, pendingCaptureWork, () => new SubscriptionWallClock()];
export const PAYPAL_DASHBOARD: readonly PaypalDashboardPart[] = [ORDERS_DASHBOARD, SUBSCRIPTIONS_DASHBOARD, PAYPAL_EVENTS_DASHBOARD];
