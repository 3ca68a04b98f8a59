import { z } from 'zod';
import { mustGet, type PaypalContext, type PaypalRoute } from './context';
import { invalidRequest, PaypalApiError, parseBody, unprocessable } from './errors';
import { paypalTime, resourceId, subscriptionId } from './ids';
import { applyPatch, withField, type PatchRule } from './json-patch';
import { paypalMoney, PaypalMoneySchema, unitsOf, type PaypalMoney } from './money';
import { Percentage, planOf, type PlanRecord } from './plans';
import { recordSale, salesOf, type SaleRecord } from './sales';
import { payingBuyerOf, subscriptionPaymentFails } from './subscription-funding';
import { activateSubscription, freshExecutions, raiseSubscriptionEvent, runDueCycles, withStatus } from './subscription-billing';
import {
  currentPriceVersions,
  SUBSCRIPTION,
  subscriptionNow,
  subscriptionView,
  type ApprovalRequest,
  type PlanOverride,
  type SubscriptionInternal,
  type SubscriptionRecord,
  type SubscriptionResource,
} from './subscription-resource';

/**
 * Subscriptions v1 (developer.paypal.com/docs/api/subscriptions/v1/#subscriptions): a buyer's
 * agreement to a plan. Created APPROVAL_PENDING with an `approve` link to PayPal's consent page
 * (subscription-approval.ts); the buyer's approval makes it ACTIVE at once (`user_action`
 * SUBSCRIBE_NOW, the default) or APPROVED for the merchant to activate (CONTINUE). From then on
 * the billing engine (subscription-billing.ts) bills its cycles as its time passes.
 */

const DOCS = 'subscriptions/v1';

const QuantitySchema = z.string().max(32).regex(/^([0-9]+|([0-9]+)?[.][0-9]+)$/);
const Url = z.string().max(4000).regex(/^https?:\/\/\S+$/, 'INVALID_PARAMETER_SYNTAX: The value of a field does not conform to the expected format.');
const CustomId = z.string().max(127).regex(/^[\x20-\x7E]+$/);
const Reason = z.string().min(1).max(128);

const ApplicationContext = z.object({
  brand_name: z.string().max(127).optional(),
  locale: z.string().max(10).optional(),
  shipping_preference: z.enum(['GET_FROM_FILE', 'NO_SHIPPING', 'SET_PROVIDED_ADDRESS']).default('GET_FROM_FILE'),
  user_action: z.enum(['CONTINUE', 'SUBSCRIBE_NOW']).default('SUBSCRIBE_NOW'),
  // PayPal requires both; the JS SDK's popup flow sends neither, so the sandbox takes them as optional.
  return_url: Url.optional(),
  cancel_url: Url.optional(),
});

const PlanOverrideSchema = z.object({
  billing_cycles: z.array(z.object({ sequence: z.number().int().min(1).max(99), total_cycles: z.number().int().min(0).max(999).optional(), pricing_scheme: z.object({ fixed_price: PaypalMoneySchema }).optional() })).optional(),
  payment_preferences: z.object({ auto_bill_outstanding: z.boolean().optional(), setup_fee: PaypalMoneySchema.optional(), setup_fee_failure_action: z.enum(['CONTINUE', 'CANCEL']).optional(), payment_failure_threshold: z.number().int().min(0).max(999).optional() }).optional(),
  taxes: z.object({ percentage: Percentage.optional(), inclusive: z.boolean().optional() }).optional(),
});

const CreateSubscription = z.object({
  plan_id: z.string().min(3).max(50),
  start_time: z.iso.datetime({ offset: true }).optional(),
  quantity: QuantitySchema.optional(),
  shipping_amount: PaypalMoneySchema.optional(),
  subscriber: z.object({ name: z.object({ given_name: z.string().max(140).optional(), surname: z.string().max(140).optional() }).optional(), email_address: z.string().max(254).optional(), shipping_address: z.unknown().optional() }).optional(),
  auto_renewal: z.boolean().optional(),
  application_context: ApplicationContext.optional(),
  custom_id: CustomId.optional(),
  plan: PlanOverrideSchema.optional(),
});

const ReviseSubscription = z.object({
  plan_id: z.string().min(3).max(50).optional(),
  quantity: QuantitySchema.optional(),
  shipping_amount: PaypalMoneySchema.optional(),
  application_context: ApplicationContext.optional(),
});

const CaptureRequest = z.object({ note: z.string().max(128), capture_type: z.literal('OUTSTANDING_BALANCE'), amount: PaypalMoneySchema });

/** `BA-` and 17 characters: the billing agreement token of an approval link. */
const baToken = () => `BA-${resourceId()}`;

/** An ACTIVE plan of the subscription's currency, or PayPal's refusal. */
function checkPlanTakesSubscribers(plan: PlanRecord): void {
  if (plan.resource.status !== 'ACTIVE') throw unprocessable('PLAN_STATUS_INVALID', 'Invalid plan status for subscription creation; plan status should be active.', '/plan_id');
}

function checkQuantity(plan: PlanRecord, quantity: string | undefined): void {
  if (quantity !== undefined && !plan.resource.quantity_supported && Number(quantity) !== 1) {
    throw unprocessable('SUBSCRIPTION_CANNOT_HAVE_QUANTITY', "Subscription can't have quantity as the plan does not support quantity.", '/quantity');
  }
}

function checkCurrency(money: PaypalMoney | undefined, currency: string, field: string): void {
  if (money && money.currency_code !== currency) throw unprocessable('CURRENCY_MISMATCH', 'All currency codes in the request should be of similar value.', field);
}

/** A plan override must name the plan's cycles, keep a free trial free, and use the plan's currency. */
function checkOverride(plan: PlanRecord, override: PlanOverride): void {
  for (const [index, cycle] of (override.billing_cycles ?? []).entries()) {
    const planned = plan.resource.billing_cycles.find((candidate) => candidate.sequence === cycle.sequence);
    if (!planned) throw unprocessable('INVALID_BILLING_CYCLE_SEQUENCE', 'Billing cycle sequence should start with `1` and be consecutive.', `/plan/billing_cycles/${index}/sequence`);
    if (cycle.pricing_scheme && !planned.pricing_scheme) throw unprocessable('INVALID_PRICING_SCHEME', 'The override plan pricing scheme should be of the same type as that of the original plan.', `/plan/billing_cycles/${index}/pricing_scheme`);
    checkCurrency(cycle.pricing_scheme?.fixed_price, plan.internal.currency, `/plan/billing_cycles/${index}/pricing_scheme/fixed_price/currency_code`);
  }
  checkCurrency(override.payment_preferences?.setup_fee, plan.internal.currency, '/plan/payment_preferences/setup_fee/currency_code');
}

/** A consent request's tokens and where the buyer returns (`fallback`: a revision goes back where the subscription's approval did, unless told otherwise). */
function approvalOf(input: z.infer<typeof ApplicationContext> | undefined, fallback?: ApprovalRequest): ApprovalRequest {
  const returnUrl = input?.return_url ?? fallback?.return_url;
  const cancelUrl = input?.cancel_url ?? fallback?.cancel_url;
  return { ba_token: baToken(), token: resourceId(), ...(returnUrl ? { return_url: returnUrl } : {}), ...(cancelUrl ? { cancel_url: cancelUrl } : {}) };
}

export async function subscriptionOf(ctx: PaypalContext, id: string, options: { lock?: boolean } = {}): Promise<SubscriptionRecord> {
  return (await mustGet<SubscriptionResource, SubscriptionInternal>(ctx.tx, SUBSCRIPTION, id, options)) as SubscriptionRecord;
}

/** What create answers: the whole subscription with `Prefer: return=representation`, else PayPal's short form. */
function createdView(record: SubscriptionRecord, ctx: PaypalContext) {
  const view = subscriptionView(record, ctx.base);
  if (ctx.representation) return view;
  const { id, status, status_update_time, plan_id, plan_overridden, start_time, quantity, shipping_amount, subscriber, create_time, custom_id, links } = view;
  return { id, status, status_update_time, plan_id, plan_overridden, start_time, quantity, ...(shipping_amount ? { shipping_amount } : {}), ...(subscriber ? { subscriber } : {}), ...(custom_id ? { custom_id } : {}), create_time, links };
}

function statusInvalid(action: string, expected: string): PaypalApiError {
  return unprocessable('SUBSCRIPTION_STATUS_INVALID', `Invalid subscription status for ${action} action; subscription status should be ${expected}.`);
}

/** A route that changes one subscription: locks it, reads its time, and answers 204. */
function subscriptionAction(action: string, change: (ctx: PaypalContext, record: SubscriptionRecord, now: number) => Promise<void>): PaypalRoute {
  return {
    method: 'POST',
    path: `/v1/billing/subscriptions/:id/${action}`,
    docs: DOCS,
    async handle(ctx) {
      const record = await subscriptionOf(ctx, ctx.params.id ?? '', { lock: true });
      await change(ctx, record, subscriptionNow(record, ctx.now));
      return { status: 204 };
    },
  };
}

function transactionOf(sale: SaleRecord) {
  const { currency } = sale.resource.amount;
  const status = { completed: 'COMPLETED', partially_refunded: 'PARTIALLY_REFUNDED', refunded: 'REFUNDED' }[sale.resource.state];
  return {
    status,
    id: sale.id,
    amount_with_breakdown: {
      gross_amount: paypalMoney(sale.internal.gross, currency),
      fee_amount: paypalMoney(sale.internal.fee, currency),
      net_amount: paypalMoney(sale.internal.gross - sale.internal.fee, currency),
    },
    payer_name: { given_name: sale.internal.payer.given_name, surname: sale.internal.payer.surname },
    payer_email: sale.internal.payer.email,
    time: sale.resource.create_time,
  };
}

/** RFC 3339 → Unix seconds, or PayPal's 400 naming the query parameter. */
function timeParam(ctx: PaypalContext, name: string): number {
  const value = ctx.query.get(name);
  if (!value) throw invalidRequest('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', name, 'query');
  const parsed = z.iso.datetime({ offset: true }).safeParse(value);
  if (!parsed.success) throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', name, 'query');
  return Math.floor(Date.parse(value) / 1000);
}

const SEQUENCE_PATH = /^\/plan\/billing_cycles\/@sequence==(\d+)\/(total_cycles|pricing_scheme\/fixed_price)$/;

/** What a subscription PATCH may change (PayPal's table of fields and operations), checked against its plan. */
function patchRules(plan: PlanRecord): PatchRule<SubscriptionRecord>[] {
  const currency = plan.internal.currency;
  const overriding = (record: SubscriptionRecord, override: PlanOverride): SubscriptionRecord => ({ ...record, resource: { ...record.resource, plan_overridden: true }, internal: { ...record.internal, override } });
  return [
    { path: '/custom_id', ops: ['add', 'replace'], value: CustomId, apply: (record, { value }) => ({ ...record, resource: withField(record.resource, 'custom_id', value as string) }) },
    {
      path: '/shipping_amount',
      ops: ['add', 'replace'],
      value: PaypalMoneySchema,
      apply(record, { value }) {
        checkCurrency(value as PaypalMoney, currency, '/0/value/currency_code');
        return { ...record, resource: { ...record.resource, shipping_amount: value as PaypalMoney } };
      },
    },
    {
      path: '/billing_info/outstanding_balance',
      ops: ['replace'],
      value: PaypalMoneySchema,
      apply(record, { value }) {
        const money = value as PaypalMoney;
        checkCurrency(money, currency, '/0/value/currency_code');
        const units = unitsOf(money);
        if (units > record.internal.outstanding) throw unprocessable('AMOUNT_GREATER_THAN_OUTSTANDING_BALANCE', 'The new outstanding balance cannot be greater than the current outstanding balance.');
        const info = record.resource.billing_info;
        return { ...record, resource: { ...record.resource, ...(info ? { billing_info: { ...info, outstanding_balance: money } } : {}) }, internal: { ...record.internal, outstanding: units } };
      },
    },
    {
      path: SEQUENCE_PATH,
      ops: ['add', 'replace'],
      value: z.union([z.number().int().min(0).max(999), PaypalMoneySchema]),
      apply(record, { value, groups }) {
        const sequence = Number(groups[0]);
        const field = groups[1];
        const execution = record.resource.billing_info?.cycle_executions.find((candidate) => candidate.sequence === sequence);
        if (!execution) throw unprocessable('INVALID_BILLING_CYCLE_SEQUENCE', 'The provided billing cycle sequence is not available.');
        if (execution.total_cycles !== 0 && execution.cycles_completed >= execution.total_cycles) throw unprocessable('BILLING_CYCLE_EXECUTION_COMPLETED', 'Update cannot be performed on a billing cycle that has completed execution.');
        const cycles = [...(record.internal.override.billing_cycles ?? [])];
        const index = cycles.findIndex((candidate) => candidate.sequence === sequence);
        const existing = cycles[index] ?? { sequence };
        let changed;
        if (field === 'total_cycles') {
          if (typeof value !== 'number') throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', '/0/value');
          if (value !== 0 && value < execution.cycles_completed) throw unprocessable('INVALID_BILLING_TOTAL_CYCLES', 'The total cycles cannot be less than the number of billing cycles completed.');
          changed = { ...existing, total_cycles: value };
          execution.total_cycles = value;
          execution.cycles_remaining = value === 0 ? 0 : value - execution.cycles_completed;
        } else {
          if (typeof value !== 'object') throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', '/0/value');
          checkCurrency(value as PaypalMoney, currency, '/0/value/currency_code');
          if (!plan.resource.billing_cycles.find((cycle) => cycle.sequence === sequence)?.pricing_scheme) throw unprocessable('INVALID_PRICING_SCHEME', 'The override plan pricing scheme should be of the same type as that of the original plan.');
          changed = { ...existing, pricing_scheme: { fixed_price: value as PaypalMoney } };
        }
        if (index >= 0) cycles[index] = changed;
        else cycles.push(changed);
        return overriding(record, { ...record.internal.override, billing_cycles: cycles });
      },
    },
    ...(['auto_bill_outstanding', 'payment_failure_threshold'] as const).map(
      (field): PatchRule<SubscriptionRecord> => ({
        path: `/plan/payment_preferences/${field}`,
        ops: ['replace'],
        value: field === 'auto_bill_outstanding' ? z.boolean() : z.number().int().min(0).max(999),
        apply: (record, { value }) => overriding(record, { ...record.internal.override, payment_preferences: { ...record.internal.override.payment_preferences, [field]: value } }),
      }),
    ),
    ...(['percentage', 'inclusive'] as const).map(
      (field): PatchRule<SubscriptionRecord> => ({
        path: `/plan/taxes/${field}`,
        ops: ['add', 'replace'],
        value: field === 'percentage' ? Percentage : z.boolean(),
        apply: (record, { value }) => overriding(record, { ...record.internal.override, taxes: { ...record.internal.override.taxes, [field]: value } }),
      }),
    ),
  ];
}

export const SUBSCRIPTION_ROUTES: PaypalRoute[] = [
  {
    method: 'POST',
    path: '/v1/billing/subscriptions',
    docs: DOCS,
    idempotency: 'subscriptions',
    async replay(ctx, id) {
      return { status: 201, body: createdView(await subscriptionOf(ctx, id), ctx), resourceId: id };
    },
    async handle(ctx) {
      if (ctx.body === null || (typeof ctx.body === 'object' && Object.keys(ctx.body).length === 0)) throw invalidRequest('MISSING_REQUEST_BODY', 'Request body is missing.');
      const input = parseBody(CreateSubscription, ctx.body);
      const plan = await planOf(ctx, input.plan_id, { field: 'plan_id' }).catch((error: unknown) => {
        if (error instanceof PaypalApiError && error.status === 404) throw invalidRequest('INVALID_PARAMETER_VALUE', 'The specified plan_id does not exist.', '/plan_id');
        throw error;
      });
      checkPlanTakesSubscribers(plan);
      checkQuantity(plan, input.quantity);
      checkCurrency(input.shipping_amount, plan.internal.currency, '/shipping_amount/currency_code');
      const override = input.plan ?? {};
      checkOverride(plan, override);
      const start = input.start_time ? Math.floor(Date.parse(input.start_time) / 1000) : ctx.now;
      // PayPal wants a start in the future; a minute's grace covers the caller's clock.
      if (start < ctx.now - 60) throw invalidRequest('INVALID_PARAMETER_VALUE', 'Start time must be a valid future date and time.', '/start_time');
      const id = subscriptionId();
      const time = paypalTime(ctx.now);
      const context = input.application_context;
      const record: SubscriptionRecord = {
        id,
        object: SUBSCRIPTION,
        created: ctx.now,
        resource: {
          id,
          plan_id: plan.id,
          status: 'APPROVAL_PENDING',
          status_update_time: time,
          start_time: paypalTime(start),
          quantity: input.quantity ?? '1',
          ...(input.shipping_amount ? { shipping_amount: input.shipping_amount } : {}),
          billing_info: { outstanding_balance: paypalMoney(0, plan.internal.currency), cycle_executions: freshExecutions(plan, override), failed_payments_count: 0 },
          create_time: time,
          update_time: time,
          ...(input.custom_id ? { custom_id: input.custom_id } : {}),
          plan_overridden: input.plan !== undefined,
        },
        internal: {
          approval: approvalOf(context),
          user_action: context?.user_action ?? 'SUBSCRIBE_NOW',
          ...(context?.brand_name ? { brand_name: context.brand_name } : {}),
          override,
          currency: plan.internal.currency,
          price_versions: currentPriceVersions(plan),
          start_at: start,
          clock_offset: 0,
          next_at: null,
          tenure_start: start,
          anchor_cycles: 0,
          outstanding: 0,
          suspended_for_failures: false,
        },
      };
      await ctx.tx.insert(record);
      await raiseSubscriptionEvent(ctx, record, 'BILLING.SUBSCRIPTION.CREATED', `Subscription ${id} created.`, ctx.now);
      return { status: 201, body: createdView(record, ctx), resourceId: id };
    },
  },
  {
    method: 'GET',
    path: '/v1/billing/subscriptions/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await subscriptionOf(ctx, ctx.params.id ?? '');
      const fields = (ctx.query.get('fields') ?? '').split(',').map((field) => field.trim()).filter(Boolean);
      const unknown = fields.find((field) => field !== 'plan' && field !== 'last_failed_payment');
      if (unknown) throw invalidRequest('INVALID_PARAMETER_VALUE', 'The value of a field is invalid.', 'fields', 'query');
      const plan = fields.includes('plan') ? await planOf(ctx, record.resource.plan_id) : undefined;
      return { status: 200, body: subscriptionView(record, ctx.base, { plan, fields }) };
    },
  },
  {
    method: 'PATCH',
    path: '/v1/billing/subscriptions/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await subscriptionOf(ctx, ctx.params.id ?? '', { lock: true });
      if (record.resource.status !== 'ACTIVE' && record.resource.status !== 'SUSPENDED') throw unprocessable('SUBSCRIPTION_STATUS_INVALID', 'Invalid subscription status for patch action; subscription status should be either active or suspended.');
      const plan = await planOf(ctx, record.resource.plan_id);
      const now = subscriptionNow(record, ctx.now);
      const patched = applyPatch(record, ctx.body, patchRules(plan));
      const saved = await ctx.tx.save({ ...patched, resource: { ...patched.resource, update_time: paypalTime(now) } });
      await raiseSubscriptionEvent(ctx, saved, 'BILLING.SUBSCRIPTION.UPDATED', `Subscription ${record.id} updated.`, now);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/v1/billing/subscriptions/:id/revise',
    docs: DOCS,
    async handle(ctx) {
      const record = await subscriptionOf(ctx, ctx.params.id ?? '', { lock: true });
      const input = parseBody(ReviseSubscription, ctx.body);
      if (record.resource.status !== 'ACTIVE' && record.resource.status !== 'SUSPENDED') throw statusInvalid('revise', 'active or suspended');
      const current = await planOf(ctx, record.resource.plan_id);
      const plan = input.plan_id
        ? await planOf(ctx, input.plan_id).catch((error: unknown) => {
            if (error instanceof PaypalApiError && error.status === 404) throw new PaypalApiError(404, [{ issue: 'INVALID_RESOURCE_ID', description: 'Requested resource ID was not found.', field: '/plan_id', location: 'body' }]);
            throw error;
          })
        : current;
      checkPlanTakesSubscribers(plan);
      if (plan.resource.product_id !== current.resource.product_id) throw unprocessable('PLAN_PRODUCT_NOT_COMPATIBLE', 'The old and the new plans should be for the same product.', '/plan_id');
      if (plan.internal.currency !== record.internal.currency) throw unprocessable('CURRENCY_MISMATCH', 'All currency codes in the request should be of similar value.', '/plan_id');
      checkQuantity(plan, input.quantity);
      checkCurrency(input.shipping_amount, plan.internal.currency, '/shipping_amount/currency_code');
      const revision = { ...approvalOf(input.application_context, record.internal.approval), plan_id: plan.id, quantity: input.quantity ?? record.resource.quantity, ...(input.shipping_amount ? { shipping_amount: input.shipping_amount } : {}) };
      await ctx.tx.save({ ...record, internal: { ...record.internal, revision } });
      const href = `${ctx.base}/v1/billing/subscriptions/${record.id}`;
      return {
        status: 200,
        body: {
          plan_id: revision.plan_id,
          quantity: revision.quantity,
          ...(revision.shipping_amount ? { shipping_amount: revision.shipping_amount } : {}),
          plan_overridden: false,
          links: [
            { href: `${ctx.base}/webapps/billing/subscriptions/update?ba_token=${revision.ba_token}`, rel: 'approve', method: 'GET' },
            { href, rel: 'edit', method: 'PATCH' },
            { href, rel: 'self', method: 'GET' },
            { href: `${href}/cancel`, rel: 'cancel', method: 'POST' },
            { href: `${href}/suspend`, rel: 'suspend', method: 'POST' },
            { href: `${href}/capture`, rel: 'capture', method: 'POST' },
          ],
        },
      };
    },
  },
  subscriptionAction('suspend', async (ctx, record, now) => {
    const { reason } = parseBody(z.object({ reason: Reason }), ctx.body);
    if (record.resource.status !== 'ACTIVE') throw statusInvalid('suspend', 'active');
    const suspended = await ctx.tx.save(withStatus(record, 'SUSPENDED', now, reason));
    await raiseSubscriptionEvent(ctx, suspended, 'BILLING.SUBSCRIPTION.SUSPENDED', `Subscription ${record.id} suspended.`, now);
  }),
  subscriptionAction('activate', async (ctx, record, now) => {
    const { reason } = parseBody(z.object({ reason: Reason.optional() }), ctx.body);
    const { status } = record.resource;
    if (status === 'APPROVED') {
      if (record.internal.user_action !== 'CONTINUE') throw unprocessable('SUBSCRIPTION_CANNOT_BE_ACTIVATED', 'This subscription should be activated by the system.');
      await activateSubscription(ctx, record, await planOf(ctx, record.resource.plan_id), now);
      return;
    }
    if (status !== 'SUSPENDED') throw statusInvalid('activate', 'suspended');
    // PayPal's threshold suspension holds until the outstanding balance is settled (captured, or forgiven by a PATCH).
    if (record.internal.suspended_for_failures && record.internal.outstanding > 0) throw unprocessable('SUBSCRIPTION_CANNOT_BE_ACTIVATED', 'Subscription cannot be activated after payment failure threshold has reached.');
    // Billing resumes from now when the cycle fell due while suspended: the missed cycles are not billed after the fact.
    const executions = record.resource.billing_info?.cycle_executions ?? [];
    const completed = executions.find((execution) => execution.total_cycles === 0 || execution.cycles_completed < execution.total_cycles)?.cycles_completed ?? 0;
    const missed = record.internal.next_at !== null && record.internal.next_at < now;
    const resumed = withStatus({ ...record, internal: { ...record.internal, suspended_for_failures: false, ...(missed ? { next_at: now, tenure_start: now, anchor_cycles: completed } : {}) } }, 'ACTIVE', now, reason);
    const info = resumed.resource.billing_info;
    if (info?.next_billing_time && resumed.internal.next_at !== null) info.next_billing_time = paypalTime(resumed.internal.next_at);
    if (info) info.failed_payments_count = 0;
    const saved = await runDueCycles(ctx, await ctx.tx.save(resumed), now);
    await raiseSubscriptionEvent(ctx, saved, 'BILLING.SUBSCRIPTION.ACTIVATED', `Subscription ${record.id} activated.`, now);
  }),
  subscriptionAction('cancel', async (ctx, record, now) => {
    const { reason } = parseBody(z.object({ reason: Reason }), ctx.body);
    if (record.resource.status !== 'ACTIVE' && record.resource.status !== 'SUSPENDED') throw statusInvalid('cancel', 'active or suspended');
    const info = record.resource.billing_info;
    const cancelled = withStatus({ ...record, resource: { ...record.resource, ...(info ? { billing_info: (({ next_billing_time: _gone, ...rest }) => rest)(info) } : {}) }, internal: { ...record.internal, next_at: null } }, 'CANCELLED', now, reason);
    await ctx.tx.save(cancelled);
    await raiseSubscriptionEvent(ctx, cancelled, 'BILLING.SUBSCRIPTION.CANCELLED', `Subscription ${record.id} cancelled.`, now);
  }),
  {
    method: 'POST',
    path: '/v1/billing/subscriptions/:id/capture',
    docs: DOCS,
    idempotency: 'subscriptions',
    // PayPal answers 202 with no body; the payment shows in the subscription's transactions.
    async replay(_ctx, id) {
      return { status: 202, resourceId: id };
    },
    async handle(ctx) {
      const record = await subscriptionOf(ctx, ctx.params.id ?? '', { lock: true });
      const input = parseBody(CaptureRequest, ctx.body);
      if (!['ACTIVE', 'SUSPENDED', 'EXPIRED'].includes(record.resource.status)) throw statusInvalid('capture', 'active or suspended or expired');
      checkCurrency(input.amount, record.internal.currency, '/amount/currency_code');
      const units = unitsOf(input.amount);
      if (record.internal.outstanding === 0) throw unprocessable('ZERO_OUTSTANDING_BALANCE', 'Current outstanding balance should be greater than zero.');
      if (units > record.internal.outstanding) throw unprocessable('AMOUNT_GREATER_THAN_OUTSTANDING_BALANCE', 'The capture amount can not be greater than the current outstanding balance.', '/amount/value');
      const now = subscriptionNow(record, ctx.now);
      const info = record.resource.billing_info;
      if (subscriptionPaymentFails(record, { merchantInitiated: true })) {
        // Accepted, then refused by the buyer's funding: a failed payment, as a renewal's would be.
        const failed = await ctx.tx.save({ ...record, resource: { ...record.resource, update_time: paypalTime(now), ...(info ? { billing_info: { ...info, last_failed_payment: { amount: input.amount, time: paypalTime(now), reason_code: 'PAYMENT_DENIED' as const } } } : {}) } });
        await raiseSubscriptionEvent(ctx, failed, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED', `Payment failed on subscription ${record.id}.`, now);
        return { status: 202 };
      }
      const buyer = payingBuyerOf(record);
      const sale = await recordSale(ctx, { subscriptionId: record.id, currency: record.internal.currency, subtotal: units, tax: 0, shipping: 0, customId: record.resource.custom_id, payer: { email: buyer.email, given_name: buyer.name.given_name, surname: buyer.name.surname }, at: now });
      const outstanding = record.internal.outstanding - units;
      await ctx.tx.save({
        ...record,
        resource: { ...record.resource, update_time: paypalTime(now), ...(info ? { billing_info: { ...info, outstanding_balance: paypalMoney(outstanding, record.internal.currency), last_payment: { amount: input.amount, time: paypalTime(now) } } } : {}) },
        internal: { ...record.internal, outstanding },
      });
      return { status: 202, resourceId: sale.id };
    },
  },
  {
    method: 'GET',
    path: '/v1/billing/subscriptions/:id/transactions',
    docs: DOCS,
    async handle(ctx) {
      const record = await subscriptionOf(ctx, ctx.params.id ?? '');
      const from = timeParam(ctx, 'start_time');
      const to = timeParam(ctx, 'end_time');
      const sales = await salesOf(ctx, record.id, { from, to });
      const transactions = sales.map(transactionOf);
      return { status: 200, body: { transactions, total_items: transactions.length, total_pages: 1, links: [{ href: `${ctx.base}/v1/billing/subscriptions/${record.id}/transactions?${ctx.query.toString()}`, rel: 'self', method: 'GET' }] } };
    },
  },
];
