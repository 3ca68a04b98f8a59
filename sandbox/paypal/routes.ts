import type { PaypalRoute } from './context';
import { AUTHORIZATION_ROUTES } from './authorizations';
import { ORDER_ROUTES } from './orders';
import { PAYMENT_ROUTES } from './payments';
import { CATALOG_ROUTES } from './catalog';
import { PLAN_ROUTES } from './plans';
import { SALE_ROUTES } from './sales';
import { SUBSCRIPTION_ROUTES } from './subscriptions';
import { DISPUTE_ROUTES } from './disputes';
import { TRANSACTION_ROUTES } from './transactions';
import { WEBHOOK_EVENT_ROUTES } from './webhook-events';
import { WEBHOOK_ROUTES } from './webhooks-api';

/**
 * Every REST route of the PayPal stand-in, gathered from the resource files (one per API:
 * orders, payments, catalog products, plans and subscriptions, webhooks, disputes, transaction search).
 */
export const PAYPAL_ROUTES: readonly PaypalRoute[] = [
  ...WEBHOOK_ROUTES,
  ...WEBHOOK_EVENT_ROUTES,
  ...ORDER_ROUTES,
  ...AUTHORIZATION_ROUTES,
  ...PAYMENT_ROUTES,
  ...CATALOG_ROUTES,
  ...PLAN_ROUTES,
  ...SUBSCRIPTION_ROUTES,
  ...SALE_ROUTES,
  ...DISPUTE_ROUTES,
  ...TRANSACTION_ROUTES,
];
