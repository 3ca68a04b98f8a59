import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { checkSameRecurrence, subscribablePrice } from '../billing/changes';
import { customerTime } from '../billing/clock';
import { announce, customerIdOf } from '../billing/invoicing';
import { boundaryAfter, recurrenceOf } from '../billing/periods';
import {
  applyPhase,
  cancelSchedule,
  idOf,
  LIVE_SCHEDULE,
  releaseSchedule,
  SCHEDULE,
  startSchedule,
  syncScheduledCancellation,
  type Phase,
  type Schedule,
} from '../billing/schedules';
import { cancelSubscriptionNow, currentPeriod, ENDED, saveSubscription } from '../billing/subscription-cycle';
import { invalidRequest, StripeApiError } from '../errors';
import { newId } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, listObjects, mergeMetadata, mustGet, pathId } from './common';
import type { SandboxSubscription } from './subscriptions';

/**
 * `/v1/subscription_schedules`: planned changes to a subscription, such as a downgrade at the
 * end of the period. Created from a subscription (`from_subscription`) or for a customer with
 * phases; updated by replacing the phases; released or canceled. What happens at each phase
 * boundary is in billing/schedules.ts.
 */

const PRORATION_BEHAVIOR = p.oneOf(['create_prorations', 'none', 'always_invoice'] as const);
// `none` and `renew` are legacy values Stripe keeps for old schedules.
const END_BEHAVIOR = p.oneOf(['release', 'cancel'] as const);
const MAX_PHASES = 10;

const PHASE = p.object({
  items: p.array(p.object({ price: p.id(), quantity: p.int({ min: 1, max: 100000 }), metadata: p.metadata() }), { max: 20 }).req(),
  start_date: p.timestamp({ allowNow: true }),
  end_date: p.timestamp({ allowNow: true }),
  duration: p.object({ interval: p.oneOf(['day', 'week', 'month', 'year'] as const).req(), interval_count: p.int({ min: 1, max: 1000 }) }),
  // Removed in API version 2025-09-30.clover; refused below with a pointer to `duration`.
  iterations: p.any(),
  proration_behavior: PRORATION_BEHAVIOR,
  metadata: p.metadata(),
  default_payment_method: p.id(),
  description: p.emptyable(p.string({ max: 500 })),
  currency: p.currency(),
});

type PhaseInput = ReturnType<(typeof PHASE)['parse']>;

function notLive(schedule: Schedule, action: string): StripeApiError {
  return invalidRequest(
    `You cannot ${action} a subscription schedule that is currently in the \`${schedule.status}\` status. It must be in either the \`not_started\` or \`active\` status to be ${action === 'cancel' ? 'canceled' : `${action}d`}.`,
  );
}

interface PhaseItem {
  price: Stripe.Price;
  quantity: number;
  metadata: Record<string, string>;
}

function newPhase(fields: { start: number; end: number; items: PhaseItem[]; currency: string } & Partial<Omit<Phase, 'items'>>): Phase {
  const { start, end, items, currency, ...rest } = fields;
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: null,
    currency,
    default_payment_method: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    end_date: end,
    invoice_settings: null,
    items: items.map((item) => ({ billing_thresholds: null, discounts: [], metadata: item.metadata, plan: item.price.id, price: item.price.id, quantity: item.quantity, tax_rates: [] })),
    metadata: {},
    on_behalf_of: null,
    proration_behavior: 'create_prorations',
    start_date: start,
    transfer_data: null,
    trial_end: null,
    ...rest,
  };
}

/**
 * The phases as given, laid end to end from `start`: each starts where the one before ends and
 * lasts until its `end_date`, for its `duration`, or (the last one only) one billing period of
 * its price. Prices are checked as a subscription's are.
 */
async function resolvePhases(ctx: RequestContext, inputs: PhaseInput[], start: number, now: number, customerId: string, currency: string | undefined): Promise<Phase[]> {
  const phases: Phase[] = [];
  let phaseStart = start;
  let scheduleCurrency = currency;
  for (const [index, input] of inputs.entries()) {
    const param = (field: string) => `phases[${index}][${field}]`;
    if (input.iterations !== undefined) {
      throw invalidRequest(`Received unknown parameter: ${param('iterations')}. Since API version 2025-09-30.clover a phase lasts until its \`end_date\` or for its \`duration\`.`, param('iterations'));
    }
    if (index > 0 && input.start_date !== undefined && (input.start_date === 'now' ? now : input.start_date) !== phaseStart) {
      throw invalidRequest(`The start_date of phase ${index} must be the end_date of phase ${index - 1} (${phaseStart}): phases follow one another without gaps.`, param('start_date'));
    }
    if (input.items.length === 0) throw invalidRequest(`Missing required param: ${param('items')}.`, param('items'));
    const prices: Stripe.Price[] = [];
    for (const [itemIndex, item] of input.items.entries()) {
      const itemParam = `${param('items')}[${itemIndex}][price]`;
      if (!item.price) throw invalidRequest(`Missing required param: ${itemParam}.`, itemParam);
      prices.push(await subscribablePrice(ctx, item.price, itemParam, scheduleCurrency ?? prices[0]?.currency));
    }
    checkSameRecurrence(prices);
    const first = prices[0] as Stripe.Price;
    scheduleCurrency ??= first.currency;
    if (input.currency && input.currency !== scheduleCurrency) {
      throw invalidRequest(`The phase's currency \`${input.currency}\` differs from its prices' \`${scheduleCurrency}\`.`, param('currency'));
    }
    if (input.default_payment_method) {
      const paymentMethod = await mustGet<Stripe.PaymentMethod>(ctx, 'payment_method', input.default_payment_method, 'PaymentMethod', param('default_payment_method'));
      if (paymentMethod.customer !== customerId) {
        throw invalidRequest(`The customer does not have a payment method with the ID ${paymentMethod.id}. The payment method must be attached to the customer.`, param('default_payment_method'));
      }
    }
    if (input.end_date !== undefined && input.duration) throw invalidRequest('You may only specify one of these parameters: duration, end_date.', param('duration'));
    let end: number;
    if (input.end_date !== undefined) end = input.end_date === 'now' ? now : input.end_date;
    else if (input.duration) end = boundaryAfter(phaseStart, { interval: input.duration.interval, intervalCount: input.duration.interval_count ?? 1 }, 1);
    else if (index === inputs.length - 1) end = boundaryAfter(phaseStart, recurrenceOf(first), 1);
    else throw invalidRequest(`Missing required param: ${param('end_date')} (or ${param('duration')}): every phase but the last needs to say when it ends.`, param('end_date'));
    if (end <= phaseStart) throw invalidRequest(`The end_date of phase ${index} must be after its start_date (${phaseStart}).`, param('end_date'));
    phases.push(
      newPhase({
        start: phaseStart,
        end,
        currency: first.currency,
        items: input.items.map((item, itemIndex) => ({ price: prices[itemIndex] as Stripe.Price, quantity: item.quantity ?? 1, metadata: mergeMetadata({}, item.metadata) })),
        proration_behavior: input.proration_behavior ?? 'create_prorations',
        metadata: mergeMetadata({}, input.metadata),
        default_payment_method: input.default_payment_method ?? null,
        description: input.description ?? null,
      }),
    );
    phaseStart = end;
  }
  return phases;
}

function newSchedule(fields: Pick<Schedule, 'customer' | 'phases' | 'status' | 'subscription' | 'current_phase' | 'end_behavior' | 'test_clock' | 'metadata' | 'created'>): Schedule {
  return {
    id: newId('sub_sched'),
    object: 'subscription_schedule',
    application: null,
    billing_mode: { type: 'flexible', flexible: { proration_discounts: 'included' }, updated_at: fields.created },
    canceled_at: null,
    completed_at: null,
    customer_account: null,
    default_settings: {
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: 'automatic',
      billing_thresholds: null,
      collection_method: 'charge_automatically',
      default_payment_method: null,
      description: null,
      invoice_settings: { account_tax_ids: null, custom_fields: null, days_until_due: null, description: null, footer: null, issuer: { type: 'self' } },
      on_behalf_of: null,
      transfer_data: null,
    },
    livemode: false,
    pause_schedules: [],
    released_at: null,
    released_subscription: null,
    ...fields,
  };
}

/** `from_subscription`: one phase, the subscription's current period with its current items. */
async function scheduleFromSubscription(ctx: RequestContext, subscriptionId: string, metadata: Record<string, string> | null | undefined): Promise<Schedule> {
  const subscription = await mustGet<SandboxSubscription>(ctx, 'subscription', subscriptionId, 'subscription', 'from_subscription', true);
  const existing = idOf(subscription.schedule);
  if (existing) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'resource_already_exists',
      message: `You cannot migrate a subscription that is already attached to a schedule: \`${existing}\`.`,
      param: 'from_subscription',
    });
  }
  if (ENDED.includes(subscription.status) || subscription.status === 'incomplete') {
    throw invalidRequest(`You cannot create a subscription schedule from a subscription with status \`${subscription.status}\`.`, 'from_subscription');
  }
  const customerId = customerIdOf(subscription);
  const now = await customerTime(ctx.tx, customerId);
  const period = currentPeriod(subscription);
  const phase = newPhase({
    start: period.start,
    end: period.end,
    currency: subscription.currency,
    items: subscription.items.data.map((item) => ({ price: item.price, quantity: item.quantity ?? 1, metadata: { ...item.metadata } })),
    default_payment_method: idOf(subscription.default_payment_method),
    description: subscription.description,
    trial_end: subscription.status === 'trialing' ? subscription.trial_end : null,
  });
  const schedule = newSchedule({
    customer: customerId,
    phases: [phase],
    status: 'active',
    subscription: subscription.id,
    current_phase: { start_date: period.start, end_date: period.end },
    // A subscription already set to end with its period keeps ending: the schedule cancels it.
    end_behavior: subscription.cancel_at_period_end ? 'cancel' : 'release',
    test_clock: subscription.test_clock,
    metadata: mergeMetadata({}, metadata),
    created: now,
  });
  await ctx.tx.insert(schedule);
  await announce(ctx, 'subscription_schedule.created', schedule);
  await saveSubscription(ctx, subscription, { ...subscription, schedule: schedule.id });
  return schedule;
}

async function createSchedule(ctx: RequestContext): Promise<Schedule> {
  const params = parseParams(
    {
      customer: p.id(),
      from_subscription: p.id(),
      phases: p.array(PHASE, { max: MAX_PHASES }),
      start_date: p.timestamp({ allowNow: true }),
      end_behavior: END_BEHAVIOR,
      metadata: p.metadata(),
    },
    ctx.params,
  );
  if (params.from_subscription) {
    for (const key of ['customer', 'phases', 'start_date', 'end_behavior'] as const) {
      if (params[key] !== undefined) throw invalidRequest(`You cannot set \`${key}\` together with \`from_subscription\`: create the schedule from the subscription, then update it.`, key);
    }
    return scheduleFromSubscription(ctx, params.from_subscription, params.metadata);
  }
  if (!params.customer) throw invalidRequest('Missing required param: customer (or from_subscription).', 'customer');
  if (!params.phases || params.phases.length === 0) throw invalidRequest('Missing required param: phases.', 'phases');
  const customer = await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
  const now = await customerTime(ctx.tx, customer.id);
  const firstStart = params.start_date ?? params.phases[0]?.start_date ?? 'now';
  const start = firstStart === 'now' ? now : firstStart;
  if (start < now) throw invalidRequest('The Billfold sandbox does not backdate subscription schedules: `start_date` must be `now` or in the future.', 'start_date');
  const phases = await resolvePhases(ctx, params.phases, start, now, customer.id, undefined);
  let schedule = newSchedule({
    customer: customer.id,
    phases,
    status: 'not_started',
    subscription: null,
    current_phase: null,
    end_behavior: params.end_behavior ?? 'release',
    test_clock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
    metadata: mergeMetadata({}, params.metadata),
    created: now,
  });
  await ctx.tx.insert(schedule);
  if (start <= now) {
    schedule = await startSchedule(ctx, schedule, now, false);
    await syncScheduledCancellation(ctx, schedule, now);
  }
  await announce(ctx, 'subscription_schedule.created', schedule);
  return schedule;
}

async function updateSchedule(ctx: RequestContext): Promise<Schedule> {
  const params = parseParams({ phases: p.array(PHASE, { max: MAX_PHASES }), end_behavior: END_BEHAVIOR, proration_behavior: PRORATION_BEHAVIOR, metadata: p.metadata() }, ctx.params);
  const before = await mustGet<Schedule>(ctx, SCHEDULE, pathId(ctx), 'subscription_schedule', 'id', true);
  if (!LIVE_SCHEDULE.includes(before.status)) throw notLive(before, 'update');
  const customerId = idOf(before.customer) ?? '';
  const now = await customerTime(ctx.tx, customerId);
  let after: Schedule = { ...before, metadata: mergeMetadata(before.metadata, params.metadata), end_behavior: params.end_behavior ?? before.end_behavior };
  const currency = before.phases[0]?.currency;

  if (params.phases && params.phases.length === 0) throw invalidRequest('A subscription schedule needs at least one phase.', 'phases');
  if (params.phases && before.status === 'active' && before.current_phase) {
    const current = before.current_phase;
    const given = params.phases[0]?.start_date;
    const phases = await resolvePhases(ctx, params.phases, given === undefined ? current.start_date : given === 'now' ? now : given, now, customerId, currency);
    // Past phases may be left out; the current one may not, nor may it move its start.
    const index = phases.findIndex((phase) => phase.start_date <= now && now < phase.end_date);
    const present = phases[index];
    if (!present || present.start_date !== current.start_date) {
      throw invalidRequest(
        `You can not modify the start date of the current phase (${current.start_date}): the phases must include it as it is; only past phases may be left out.`,
        `phases[${Math.max(index, 0)}][start_date]`,
      );
    }
    after = { ...after, phases, current_phase: { start_date: present.start_date, end_date: present.end_date } };
    await ctx.tx.save(after);
    // A changed current phase changes the subscription now.
    const subscription = await ctx.tx.getForUpdate<SandboxSubscription>('subscription', idOf(before.subscription) ?? '');
    if (subscription && !ENDED.includes(subscription.status)) await applyPhase(ctx, subscription, present, now, params.proration_behavior ?? 'create_prorations');
  } else if (params.phases) {
    const given = params.phases[0]?.start_date;
    const start = given === undefined ? (before.phases[0]?.start_date ?? now) : given === 'now' ? now : given;
    if (start < now) throw invalidRequest('The Billfold sandbox does not backdate subscription schedules: the first phase must start now or in the future.', 'phases[0][start_date]');
    after = { ...after, phases: await resolvePhases(ctx, params.phases, start, now, customerId, currency) };
  }
  await ctx.tx.save(after);
  if (after.status === 'not_started' && (after.phases[0]?.start_date ?? Infinity) <= now) after = await startSchedule(ctx, after, now, false);
  await syncScheduledCancellation(ctx, after, now);
  await announce(ctx, 'subscription_schedule.updated', after, before);
  return after;
}

async function getSchedule(ctx: RequestContext, forUpdate = false): Promise<Schedule> {
  return mustGet<Schedule>(ctx, SCHEDULE, pathId(ctx), 'subscription_schedule', 'id', forUpdate);
}

export const subscriptionScheduleRoutes: Route[] = [
  { method: 'POST', path: '/v1/subscription_schedules', handler: createSchedule },
  {
    method: 'GET',
    path: '/v1/subscription_schedules/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      return getSchedule(ctx);
    },
  },
  { method: 'POST', path: '/v1/subscription_schedules/:id', handler: updateSchedule },
  {
    method: 'POST',
    path: '/v1/subscription_schedules/:id/release',
    async handler(ctx) {
      const params = parseParams({ preserve_cancel_date: p.bool() }, ctx.params);
      const before = await getSchedule(ctx, true);
      if (!LIVE_SCHEDULE.includes(before.status)) throw notLive(before, 'release');
      const now = await customerTime(ctx.tx, idOf(before.customer));
      return releaseSchedule(ctx, before, now, { preserveCancelDate: params.preserve_cancel_date ?? false });
    },
  },
  {
    method: 'POST',
    path: '/v1/subscription_schedules/:id/cancel',
    async handler(ctx) {
      const params = parseParams({ invoice_now: p.bool(), prorate: p.bool() }, ctx.params);
      const before = await getSchedule(ctx, true);
      if (!LIVE_SCHEDULE.includes(before.status)) throw notLive(before, 'cancel');
      const now = await customerTime(ctx.tx, idOf(before.customer));
      const after = await cancelSchedule(ctx, before, now, 'subscription_schedule.canceled');
      const subscription = await ctx.tx.getForUpdate<SandboxSubscription>('subscription', idOf(before.subscription) ?? '');
      if (subscription && !ENDED.includes(subscription.status)) {
        // Stripe's defaults: credit the unused time and invoice it (and pending items) now.
        await cancelSubscriptionNow(ctx, subscription, now, { reason: 'cancellation_requested', prorate: params.prorate ?? true, invoiceNow: params.invoice_now ?? true });
      }
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/subscription_schedules',
    async handler(ctx) {
      const params = parseParams(
        { ...LIST_PARAMS, customer: p.string(), customer_account: p.any(), scheduled: p.bool(), canceled_at: p.any(), completed_at: p.any(), released_at: p.any() },
        ctx.params,
      );
      return listObjects(ctx, SCHEDULE, '/v1/subscription_schedules', params, { customer: params.customer, status: params.scheduled ? 'not_started' : undefined });
    },
  },
];
