import type { PaypalRoute } from './context';
import { DISPUTE_ROUTES } from './disputes';
import { WEBHOOK_EVENT_ROUTES } from './webhook-events';
import { WEBHOOK_ROUTES } from './webhooks-api';

/**
 * Every REST route of the PayPal stand-in, gathered from the resource files (one per API:
 * orders, payments, catalog products, plans and subscriptions, webhooks, disputes).
 */
export const PAYPAL_ROUTES: readonly PaypalRoute[] = [...WEBHOOK_ROUTES, ...WEBHOOK_EVENT_ROUTES, ...DISPUTE_ROUTES];
