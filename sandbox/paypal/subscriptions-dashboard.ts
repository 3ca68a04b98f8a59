import { actionButton, escapeHtml, type DashboardTable } from '../dashboard';
import { describeFrequency } from './billing-cycles';
import { PRODUCT, type ProductRecord } from './catalog';
import { DASHBOARD_ACTION_PATH, type PaypalDashboardPart, type PaypalServices } from './parts';
import { PLAN, type PlanRecord } from './plans';
import { advanceSubscription } from './subscription-clock';
import { fundingLabel, fundingOf, payingBuyerOf } from './subscription-funding';
import { SUBSCRIPTION, type SubscriptionRecord } from './subscription-resource';

/**
 * The dashboard's PayPal catalog and subscriptions: products, plans (price per interval) and
 * subscriptions (plan, status, buyer, what pays, next billing, failed payments) with a button
 * that moves one subscription's time to its next cycle and bills it. Every cell is escaped:
 * names and custom ids come from callers.
 */

const ADVANCE_ACTION = 'paypal-subscription-advance';
const SHOWN = 50;

async function newest<R>(services: PaypalServices, type: string): Promise<R[]> {
  const { data } = await services.store.reader.list<R & { id: string; object: string; created: number }>(type, { limit: SHOWN });
  return data;
}

function priceOf(plan: PlanRecord): string {
  return plan.resource.billing_cycles
    .map((cycle) => `${cycle.tenure_type === 'TRIAL' ? 'trial ' : ''}${cycle.pricing_scheme ? `${cycle.pricing_scheme.fixed_price.value} ${cycle.pricing_scheme.fixed_price.currency_code}` : 'free'} / ${describeFrequency(cycle.frequency)}`)
    .join(', then ');
}

export const SUBSCRIPTIONS_DASHBOARD: PaypalDashboardPart = {
  async tables(services) {
    const [products, plans, subscriptions] = await Promise.all([
      newest<ProductRecord>(services, PRODUCT),
      newest<PlanRecord>(services, PLAN),
      newest<SubscriptionRecord>(services, SUBSCRIPTION),
    ]);
    const action = `${new URL(services.base()).pathname}${DASHBOARD_ACTION_PATH}${ADVANCE_ACTION}`;
    const tables: DashboardTable[] = [
      {
        id: 'paypal-products',
        title: 'PayPal catalog products',
        columns: ['Id', 'Name', 'Type', 'Created'],
        rows: products.map((product) => [product.id, product.resource.name, product.resource.type, product.resource.create_time].map(escapeHtml)),
        empty: 'No products yet.',
      },
      {
        id: 'paypal-plans',
        title: 'PayPal billing plans',
        columns: ['Id', 'Product', 'Name', 'Status', 'Price'],
        rows: plans.map((plan) => [plan.id, plan.resource.product_id, plan.resource.name, plan.resource.status, priceOf(plan)].map(escapeHtml)),
        empty: 'No plans yet.',
      },
      {
        id: 'paypal-subscriptions',
        title: 'PayPal subscriptions',
        columns: ['Id', 'Plan', 'Status', 'Buyer', 'Funding', 'Next billing', 'Failed payments', ''],
        rows: subscriptions.map((subscription) => {
          const { resource, internal } = subscription;
          const funding = internal.buyer ? fundingLabel(payingBuyerOf(subscription), fundingOf(subscription)) : '';
          const cells = [subscription.id, resource.plan_id, resource.status, internal.buyer ?? '', funding, resource.billing_info?.next_billing_time ?? '', String(resource.billing_info?.failed_payments_count ?? 0)].map(escapeHtml);
          const button = resource.status === 'ACTIVE' ? actionButton(action, { subscription: subscription.id }, 'Advance one cycle') : '';
          return [...cells, button];
        }),
        empty: 'No subscriptions yet.',
      },
    ];
    return tables;
  },
  actions: {
    async [ADVANCE_ACTION](form, services) {
      const id = form.get('subscription') ?? '';
      const record = await advanceSubscription(services, services.base(), id, { cycles: 1 });
      if (!record) throw new Error(`No such PayPal subscription: ${id}.`);
      return `${record.id} is ${record.resource.status}; next billing ${record.resource.billing_info?.next_billing_time ?? 'none'}.`;
    },
  },
};
