import type { PaypalRoute } from './context';
import { AUTHORIZATION_ROUTES } from './authorizations';
import { ORDER_ROUTES } from './orders';
import { WEBHOOK_ROUTES } from './webhooks-api';

/**
 * Every REST route of the PayPal stand-in, gathered from the resource files (one per API:
 * orders, payments, catalog products, plans and subscriptions, webhooks, disputes).
 */
export const PAYPAL_ROUTES: readonly PaypalRoute[] = [...WEBHOOK_ROUTES, ...ORDER_ROUTES, ...AUTHORIZATION_ROUTES];
