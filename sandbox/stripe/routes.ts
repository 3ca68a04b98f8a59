import type { RequestContext } from './context';
import { chargeRoutes } from './resources/charges';
import { customerRoutes } from './resources/customers';
import { disputeRoutes } from './resources/disputes';
import { fileRoutes } from './resources/files';
import { eventRoutes } from './resources/events';
import { invoiceRoutes } from './resources/invoices';
import { paymentIntentRoutes } from './resources/payment-intents';
import { paymentMethodRoutes } from './resources/payment-methods';
import { priceRoutes } from './resources/prices';
import { productRoutes } from './resources/products';
import { refundRoutes } from './resources/refunds';
import { setupIntentRoutes } from './resources/setup-intents';
import { subscriptionScheduleRoutes } from './resources/subscription-schedules';
import { subscriptionRoutes } from './resources/subscriptions';
import { testClockRoutes } from './resources/test-clocks';
import { webhookEndpointRoutes } from './resources/webhook-endpoints';

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** `/v1/payment_intents/:id/confirm` */
  path: string;
  handler(ctx: RequestContext): Promise<unknown>;
  /** Callable with a publishable key, as Stripe.js does. */
  publishable?: boolean;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
}

const ROUTES: CompiledRoute[] = [
  ...customerRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...paymentMethodRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...disputeRoutes,
  ...fileRoutes,
  ...eventRoutes,
  ...webhookEndpointRoutes,
  ...setupIntentRoutes,
  ...subscriptionRoutes,
  ...subscriptionScheduleRoutes,
  ...invoiceRoutes,
  ...testClockRoutes,
].map((route) => ({ ...route, pattern: new RegExp(`^${route.path.replace(/:[a-z_]+/g, '([^/]+)')}/?$`) }));

export function matchRoute(method: string, pathname: string): { handler: Route['handler']; publishable: boolean; params: string[] } | null {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(pathname);
    if (match) return { handler: route.handler, publishable: Boolean(route.publishable), params: match.slice(1).map(decodeURIComponent) };
  }
  return null;
}
