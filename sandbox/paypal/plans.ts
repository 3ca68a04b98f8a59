import { z } from 'zod';
import { BillingCycleInput, checkBillingCycles, type BillingCycle, type PricingScheme } from './billing-cycles';
import { PRODUCT } from './catalog';
import { collectionBody, pageOf } from './collections';
import { mustGet, type PaypalContext, type PaypalRecord, type PaypalRoute } from './context';
import { invalidRequest, parseBody, unprocessable } from './errors';
import { raiseEvent } from './events';
import { planId, paypalTime } from './ids';
import { applyPatch, type PatchRule } from './json-patch';
import { PaypalMoneySchema, type PaypalMoney } from './money';

/**
 * Billing Plans (Subscriptions v1, developer.paypal.com/docs/api/subscriptions/v1/#plans): a
 * product's price and schedule. A plan is ACTIVE unless created otherwise; only an ACTIVE plan
 * takes new subscribers. A price change (update-pricing-schemes) makes a new version of the
 * cycle's pricing scheme: new subscribers pay it at once, existing ones from their first cycle
 * billed at least 10 days after the change, as PayPal's "Update plan pricing" guide says
 * (a cycle billed within those 10 days keeps the old price).
 */

const DOCS = 'subscriptions/v1';
export const PLAN = 'paypal_plan';
/** How long existing subscribers keep the old price after a change. */
export const PRICE_CHANGE_NOTICE_SECONDS = 10 * 86_400;

export interface PaymentPreferences {
  auto_bill_outstanding: boolean;
  setup_fee?: PaypalMoney;
  setup_fee_failure_action: 'CONTINUE' | 'CANCEL';
  payment_failure_threshold: number;
}

export interface Taxes {
  percentage: string;
  inclusive: boolean;
}

export interface PlanResource {
  id: string;
  product_id: string;
  name: string;
  status: 'CREATED' | 'INACTIVE' | 'ACTIVE';
  description?: string;
  usage_type: 'LICENSED';
  billing_cycles: BillingCycle[];
  payment_preferences: PaymentPreferences;
  taxes?: Taxes;
  quantity_supported: boolean;
  create_time: string;
  update_time: string;
}

/** One version of a cycle's price, and when it was set (Unix seconds). */
export interface PriceVersion {
  sequence: number;
  version: number;
  fixed_price: PaypalMoney;
  changed_at: number;
}

export interface PlanInternal {
  currency: string;
  prices: PriceVersion[];
}

export type PlanRecord = PaypalRecord<PlanResource, PlanInternal>;

export const Percentage = z.string().regex(/^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/).refine((value) => Number(value) >= 0 && Number(value) <= 100, 'INVALID_PARAMETER_VALUE: The value of a field is invalid.');
const TaxesSchema = z.object({ percentage: Percentage, inclusive: z.boolean().default(true) });
const PaymentPreferencesSchema = z.object({
  auto_bill_outstanding: z.boolean().default(true),
  setup_fee: PaypalMoneySchema.optional(),
  setup_fee_failure_action: z.enum(['CONTINUE', 'CANCEL']).default('CANCEL'),
  payment_failure_threshold: z.number().int().min(0).max(999).default(0),
});

const CreatePlan = z.object({
  product_id: z.string().min(6).max(50),
  name: z.string().min(1).max(127),
  status: z.enum(['CREATED', 'INACTIVE', 'ACTIVE']).default('ACTIVE'),
  description: z.string().min(1).max(127).optional(),
  billing_cycles: z.array(BillingCycleInput).min(1).max(12),
  payment_preferences: PaymentPreferencesSchema,
  taxes: TaxesSchema.optional(),
  quantity_supported: z.boolean().default(false),
});

const UpdatePricing = z.object({
  pricing_schemes: z.array(z.object({ billing_cycle_sequence: z.number().int().min(1).max(99), pricing_scheme: z.object({ fixed_price: PaypalMoneySchema }) })).min(1),
});

/** Percentages are decimal strings; basis points keep the tax sum in integers. */
export function basisPoints(percentage: string): number {
  const [whole = '0', fraction = ''] = percentage.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

const PATCHABLE: PatchRule<PlanResource>[] = [
  { path: '/name', ops: ['replace'], value: CreatePlan.shape.name, apply: (plan, { value }) => ({ ...plan, name: value as string }) },
  { path: '/description', ops: ['replace'], value: z.string().min(1).max(127), apply: (plan, { value }) => ({ ...plan, description: value as string }) },
  ...(['auto_bill_outstanding', 'setup_fee', 'setup_fee_failure_action', 'payment_failure_threshold'] as const).map(
    (field): PatchRule<PlanResource> => ({
      path: `/payment_preferences/${field}`,
      ops: ['replace'],
      value: PaymentPreferencesSchema.shape[field],
      apply: (plan, { value }) => ({ ...plan, payment_preferences: { ...plan.payment_preferences, [field]: value } }),
    }),
  ),
  { path: '/taxes/percentage', ops: ['replace'], value: Percentage, apply: (plan, { value }) => ({ ...plan, taxes: { inclusive: plan.taxes?.inclusive ?? true, percentage: value as string } }) },
];

export function planView(record: PlanRecord, base: string) {
  const href = `${base}/v1/billing/plans/${record.id}`;
  return {
    ...record.resource,
    links: [
      { href, rel: 'self', method: 'GET', encType: 'application/json' },
      { href, rel: 'edit', method: 'PATCH', encType: 'application/json' },
      record.resource.status === 'ACTIVE' ? { href: `${href}/deactivate`, rel: 'self', method: 'POST', encType: 'application/json' } : { href: `${href}/activate`, rel: 'self', method: 'POST', encType: 'application/json' },
    ],
  };
}

/** What `Prefer: return=minimal` shows of a plan (create and list). */
function minimalPlan(record: PlanRecord, base: string) {
  const { id, product_id, name, status, description, usage_type, create_time } = record.resource;
  return { id, product_id, name, status, ...(description ? { description } : {}), usage_type, create_time, links: [{ href: `${base}/v1/billing/plans/${id}`, rel: 'self', method: 'GET', encType: 'application/json' }] };
}

export async function planOf(ctx: PaypalContext, id: string, options: { lock?: boolean; field?: string } = {}): Promise<PlanRecord> {
  return (await mustGet<PlanResource, PlanInternal>(ctx.tx, PLAN, id, options)) as PlanRecord;
}

async function raisePlanEvent(ctx: PaypalContext, eventType: string, record: PlanRecord, summary: string): Promise<void> {
  await raiseEvent(ctx, { eventType, resourceType: 'plan', resourceVersion: '1.0', resource: planView(record, ctx.base), summary });
}

/** A plan status change (activate, deactivate): 204, or PayPal's PLAN_STATUS_INVALID. */
function statusRoute(action: 'activate' | 'deactivate'): PaypalRoute {
  const [from, to, eventType, description]: [PlanResource['status'][], PlanResource['status'], string, string] =
    action === 'activate'
      ? [['CREATED', 'INACTIVE'], 'ACTIVE', 'BILLING.PLAN.ACTIVATED', 'Invalid plan status for activate action; plan status should be either created or inactive.']
      : [['ACTIVE'], 'INACTIVE', 'BILLING.PLAN.DEACTIVATED', 'Invalid plan status for deactivate action; plan status should be active.'];
  return {
    method: 'POST',
    path: `/v1/billing/plans/:id/${action}`,
    docs: DOCS,
    async handle(ctx) {
      const record = await planOf(ctx, ctx.params.id ?? '', { lock: true });
      if (!from.includes(record.resource.status)) throw unprocessable('PLAN_STATUS_INVALID', description);
      const saved = await ctx.tx.save({ ...record, resource: { ...record.resource, status: to, update_time: paypalTime(ctx.now) } });
      await raisePlanEvent(ctx, eventType, saved, `The plan ${record.id} is now ${to}.`);
      return { status: 204 };
    },
  };
}

export const PLAN_ROUTES: PaypalRoute[] = [
  {
    method: 'POST',
    path: '/v1/billing/plans',
    docs: DOCS,
    idempotency: 'subscriptions',
    async replay(ctx, id) {
      const record = await planOf(ctx, id);
      return { status: 201, body: ctx.representation ? planView(record, ctx.base) : minimalPlan(record, ctx.base), resourceId: id };
    },
    async handle(ctx) {
      const input = parseBody(CreatePlan, ctx.body);
      const currency = checkBillingCycles(input.billing_cycles, input.payment_preferences.setup_fee);
      await mustGet(ctx.tx, PRODUCT, input.product_id, { field: 'product_id' }).catch(() => {
        throw invalidRequest('INVALID_PARAMETER_VALUE', 'The value of a field is invalid.', '/product_id');
      });
      const id = planId();
      const time = paypalTime(ctx.now);
      const billing_cycles = [...input.billing_cycles]
        .sort((a, b) => a.sequence - b.sequence)
        .map(({ pricing_scheme, ...cycle }): BillingCycle => ({
          ...cycle,
          ...(pricing_scheme?.fixed_price ? { pricing_scheme: { version: 1, fixed_price: pricing_scheme.fixed_price, create_time: time, update_time: time } } : {}),
        }));
      const record: PlanRecord = {
        id,
        object: PLAN,
        created: ctx.now,
        resource: { id, product_id: input.product_id, name: input.name, status: input.status, ...(input.description ? { description: input.description } : {}), usage_type: 'LICENSED', billing_cycles, payment_preferences: input.payment_preferences, ...(input.taxes ? { taxes: input.taxes } : {}), quantity_supported: input.quantity_supported, create_time: time, update_time: time },
        internal: { currency, prices: billing_cycles.flatMap((cycle) => (cycle.pricing_scheme ? [{ sequence: cycle.sequence, version: 1, fixed_price: cycle.pricing_scheme.fixed_price, changed_at: ctx.now }] : [])) },
      };
      await ctx.tx.insert(record);
      await raisePlanEvent(ctx, 'BILLING.PLAN.CREATED', record, `The plan ${id} was created.`);
      return { status: 201, body: ctx.representation ? planView(record, ctx.base) : minimalPlan(record, ctx.base), resourceId: id };
    },
  },
  {
    method: 'GET',
    path: '/v1/billing/plans',
    docs: DOCS,
    async handle(ctx) {
      const filters = [];
      const product = ctx.query.get('product_id');
      if (product) filters.push({ field: 'product_id', values: [product] });
      const planIds = ctx.query.get('plan_ids');
      if (planIds) {
        const ids = planIds.split(',').map((id) => id.trim()).filter(Boolean);
        if (ids.length > 70) throw invalidRequest('INVALID_PARAMETER_VALUE', 'Filter supports up to 70 plan IDs.', 'plan_ids', 'query');
        filters.push({ field: 'id', values: ids });
      }
      const page = await pageOf<PlanRecord>(ctx, PLAN, filters);
      const items = page.records.map((record) => (ctx.representation ? planView(record, ctx.base) : minimalPlan(record, ctx.base)));
      const kept = [...ctx.query].filter(([name]) => name === 'product_id' || name === 'plan_ids').map(([name, value]) => `${name}=${encodeURIComponent(value)}&`).join('');
      return { status: 200, body: collectionBody(page, 'plans', items, (query) => `${ctx.base}/v1/billing/plans?${kept}${query}`) };
    },
  },
  {
    method: 'GET',
    path: '/v1/billing/plans/:id',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: planView(await planOf(ctx, ctx.params.id ?? ''), ctx.base) };
    },
  },
  {
    method: 'PATCH',
    path: '/v1/billing/plans/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await planOf(ctx, ctx.params.id ?? '', { lock: true });
      if (record.resource.status === 'INACTIVE') throw unprocessable('PLAN_STATUS_INACTIVE', 'Status update is the only patchable filed on an inactive plan.');
      const patched = applyPatch(record.resource, ctx.body, PATCHABLE);
      const fee = patched.payment_preferences.setup_fee;
      if (fee && fee.currency_code !== record.internal.currency) throw unprocessable('CURRENCY_MISMATCH', 'All currency codes in the request should be of similar value.', '/payment_preferences/setup_fee');
      const saved = await ctx.tx.save({ ...record, resource: { ...patched, update_time: paypalTime(ctx.now) } });
      await raisePlanEvent(ctx, 'BILLING.PLAN.UPDATED', saved, `The plan ${record.id} was updated.`);
      return { status: 204 };
    },
  },
  statusRoute('activate'),
  statusRoute('deactivate'),
  {
    method: 'POST',
    path: '/v1/billing/plans/:id/update-pricing-schemes',
    docs: DOCS,
    async handle(ctx) {
      const record = await planOf(ctx, ctx.params.id ?? '', { lock: true });
      const input = parseBody(UpdatePricing, ctx.body);
      const time = paypalTime(ctx.now);
      let cycles = record.resource.billing_cycles;
      const prices = [...record.internal.prices];
      for (const [index, change] of input.pricing_schemes.entries()) {
        const cycle = cycles.find((candidate) => candidate.sequence === change.billing_cycle_sequence);
        if (!cycle) throw unprocessable('INVALID_BILLING_CYCLE_SEQUENCE', 'The provided billing cycle sequence is not available.', `/pricing_schemes/${index}/billing_cycle_sequence`);
        // A free trial stays free: its "pricing scheme" is having none.
        if (!cycle.pricing_scheme) throw unprocessable('INVALID_PRICING_SCHEME', 'The new pricing scheme should be of the same type as that of the old one.', `/pricing_schemes/${index}/pricing_scheme`);
        if (change.pricing_scheme.fixed_price.currency_code !== record.internal.currency) throw unprocessable('CURRENCY_MISMATCH', "The currency code is different from the plan's currency code.", `/pricing_schemes/${index}/pricing_scheme/fixed_price/currency_code`);
        const scheme: PricingScheme = { version: cycle.pricing_scheme.version + 1, fixed_price: change.pricing_scheme.fixed_price, create_time: cycle.pricing_scheme.create_time, update_time: time };
        prices.push({ sequence: cycle.sequence, version: scheme.version, fixed_price: scheme.fixed_price, changed_at: ctx.now });
        cycles = cycles.map((candidate) => (candidate === cycle ? { ...cycle, pricing_scheme: scheme } : candidate));
      }
      const saved = await ctx.tx.save({ ...record, resource: { ...record.resource, billing_cycles: cycles, update_time: time }, internal: { ...record.internal, prices } });
      await raisePlanEvent(ctx, 'BILLING.PLAN.PRICING-CHANGE.ACTIVATED', saved, `The price of plan ${record.id} changed.`);
      return { status: 204 };
    },
  },
];

/**
 * The price version a subscriber pays for cycle `sequence` billed at `at`: the newest of the
 * one they subscribed at (`known`) and those set at least PRICE_CHANGE_NOTICE_SECONDS before `at`.
 */
export function priceVersionAt(plan: PlanRecord, sequence: number, at: number, known: number): PriceVersion | undefined {
  return plan.internal.prices
    .filter((price) => price.sequence === sequence && (price.version <= known || price.changed_at + PRICE_CHANGE_NOTICE_SECONDS <= at))
    .reduce<PriceVersion | undefined>((newest, price) => (!newest || price.version > newest.version ? price : newest), undefined);
}
