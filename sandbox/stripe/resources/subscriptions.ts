import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { checkProrationDate, checkSameRecurrence, newSubscriptionItem, planSubscriptionChange, subscribablePrice, type ProrationBehavior } from '../billing/changes';
import { customerTime } from '../billing/clock';
import { announce, collectInvoice, createInvoice, finalizeInvoice, customerIdOf } from '../billing/invoicing';
import { periodLine, ProductNames, prorationLine, type BillableLine } from '../billing/lines';
import { boundaryAfter, nextBoundary, recurrenceOf } from '../billing/periods';
import {
  addPendingItems,
  cancelSubscriptionNow,
  currentPeriod,
  ENDED,
  INCOMPLETE_WINDOW,
  invoiceNow,
  itemsInPeriod,
  pendingLines,
  sendTrialWillEnd,
  TRIAL_WILL_END_NOTICE,
  withItems,
} from '../billing/subscription-cycle';
import { CommittedError, invalidRequest, resourceMissing, StripeApiError } from '../errors';
import { previousAttributes } from '../events';
import { publicView } from '../expand';
import { newId } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, listObjects, mergeMetadata, mustGet, pathId } from './common';
import type { SandboxPaymentMethod } from './payment-methods';
import { createSetupIntent } from './setup-intents';

/** A subscription plus the sandbox's note of the notices it has already sent. */
export type SandboxSubscription = Stripe.Subscription & {
  _sandbox: {
    trialWillEndSent: boolean;
    /** The period end whose `invoice.upcoming` went out. */
    upcomingNoticeFor?: number;
    /** An update made with `payment_behavior=pending_if_incomplete`, applied when `invoice` is paid. */
    pendingUpdate?: PendingChange;
  };
};

export interface PendingChange {
  invoice: string;
  items: Stripe.SubscriptionItem[];
  billingCycleAnchor: number;
  /** The update ends the trial (`trial_end=now`): applied, the subscription becomes active. */
  endsTrial: boolean;
  trialEnd: number | null;
}

const MAX_TRIAL_SECONDS = 730 * 86_400;

const PAYMENT_BEHAVIOR = p.oneOf(['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const);
const PRORATION_BEHAVIOR = p.oneOf(['create_prorations', 'none', 'always_invoice'] as const);
const PAYMENT_SETTINGS = p.object({
  save_default_payment_method: p.oneOf(['off', 'on_subscription'] as const),
  payment_method_types: p.emptyable(p.array(p.string())),
  payment_method_options: p.any(),
});
const TRIAL_SETTINGS = p.object({
  end_behavior: p.object({ missing_payment_method: p.oneOf(['cancel', 'create_invoice', 'pause'] as const).req() }).req(),
});
const CANCELLATION_DETAILS = p.object({
  comment: p.emptyable(p.string({ max: 5000 })),
  feedback: p.emptyable(p.oneOf(['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const)),
});

type Behavior = 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';

function refusePending(behavior: Behavior | undefined): void {
  if (behavior === 'pending_if_incomplete') {
    throw invalidRequest('`pending_if_incomplete` is only used with updates and cannot be passed when creating a subscription.', 'payment_behavior');
  }
}

/** What a pending update may change, as Stripe's pending updates reference lists it. */
const PENDING_UPDATE_PARAMS = ['items', 'proration_behavior', 'proration_date', 'payment_behavior', 'billing_cycle_anchor', 'trial_end', 'off_session', 'expand'];

/** A payment method the subscription may charge: one attached to its customer. */
async function attachedPaymentMethod(ctx: RequestContext, id: string, customerId: string, param: string): Promise<SandboxPaymentMethod> {
  const paymentMethod = await mustGet<SandboxPaymentMethod>(ctx, 'payment_method', id, 'PaymentMethod', param);
  if (paymentMethod.customer !== customerId) {
    throw invalidRequest(`The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`, param);
  }
  return paymentMethod;
}

/**
 * `error_if_incomplete`: a first (or changed) invoice that was not paid fails the request and,
 * by throwing, rolls the whole subscription change back, as Stripe does.
 */
function refuseIncomplete(result: { invoice: Stripe.Invoice; error: CommittedError | null }): void {
  if (result.error) throw result.error.error;
  if (result.invoice.status === 'open') {
    throw new StripeApiError(402, {
      type: 'card_error',
      code: 'invoice_payment_intent_requires_action',
      message: 'Payment for this subscription requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice.',
    });
  }
}

async function reread(ctx: RequestContext, id: string): Promise<SandboxSubscription> {
  return mustGet<SandboxSubscription>(ctx, 'subscription', id, 'subscription', 'id', true);
}

const CREATE_PARAMS = {
  customer: p.id().req(),
  items: p.array(p.object({ price: p.id(), quantity: p.int({ min: 1, max: 100000 }), metadata: p.metadata() }), { max: 20 }).req(),
  payment_behavior: PAYMENT_BEHAVIOR,
  default_payment_method: p.id(),
  trial_period_days: p.int({ min: 0, max: 730 }),
  trial_end: p.timestamp({ allowNow: true }),
  trial_from_plan: p.bool(),
  trial_settings: TRIAL_SETTINGS,
  cancel_at_period_end: p.bool(),
  cancel_at: p.int({ min: 0 }),
  metadata: p.metadata(),
  description: p.string({ max: 500 }),
  off_session: p.bool(),
  payment_settings: PAYMENT_SETTINGS,
  collection_method: p.oneOf(['charge_automatically', 'send_invoice'] as const),
  days_until_due: p.int({ min: 0, max: 730 }),
  currency: p.currency(),
  // Accepted as Stripe does; with no billing_cycle_anchor there is nothing to prorate.
  proration_behavior: PRORATION_BEHAVIOR,
};

/** The parameters of `POST /v1/subscriptions`, parsed: what a subscription schedule passes too. */
export type NewSubscription = ReturnType<typeof parseParams<typeof CREATE_PARAMS>>;

async function createSubscription(ctx: RequestContext) {
  return openSubscription(ctx, parseParams(CREATE_PARAMS, ctx.params));
}

/**
 * Creates a subscription and its first invoice, and collects it as `payment_behavior` says.
 * `schedule`: the subscription schedule that starts it (its `schedule` field from the start);
 * `startsAt`: when that schedule's phase begins, which is the subscription's start and first
 * period's start on Stripe even when the scheduler reaches it a second or two later.
 */
export async function openSubscription(ctx: RequestContext, params: NewSubscription, options: { schedule?: string; startsAt?: number } = {}): Promise<SandboxSubscription> {
  refusePending(params.payment_behavior);
  const customer = await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
  if (params.items.length === 0) throw invalidRequest('Missing required param: items.', 'items');
  const prices: Stripe.Price[] = [];
  for (const [index, item] of params.items.entries()) {
    if (!item.price) throw invalidRequest(`Missing required param: items[${index}][price].`, `items[${index}][price]`);
    prices.push(await subscribablePrice(ctx, item.price, `items[${index}][price]`, params.currency ?? prices[0]?.currency));
  }
  checkSameRecurrence(prices);
  const first = prices[0] as Stripe.Price;
  const sendInvoice = params.collection_method === 'send_invoice';
  if (sendInvoice && params.days_until_due === undefined) throw invalidRequest('Missing required param: days_until_due.', 'days_until_due');
  if (params.default_payment_method) await attachedPaymentMethod(ctx, params.default_payment_method, customer.id, 'default_payment_method');
  if (params.trial_end !== undefined && params.trial_period_days !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: trial_end, trial_period_days.', 'trial_end');
  }

  const now = options.startsAt ?? (await customerTime(ctx.tx, customer.id));
  let trialEnd: number | null = null;
  if (typeof params.trial_end === 'number') {
    if (params.trial_end <= now) throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', 'trial_end');
    if (params.trial_end > now + MAX_TRIAL_SECONDS) throw invalidRequest('Invalid timestamp: can be no more than two years in the future.', 'trial_end');
    trialEnd = params.trial_end;
  } else if (params.trial_end === undefined && params.trial_period_days) {
    trialEnd = now + params.trial_period_days * 86_400;
  }
  const period = { start: now, end: trialEnd ?? boundaryAfter(now, recurrenceOf(first), 1) };
  if (params.cancel_at !== undefined && params.cancel_at <= now) {
    throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', 'cancel_at');
  }
  const cancelAt = params.cancel_at_period_end ? period.end : (params.cancel_at ?? null);

  const id = newId('sub');
  const items = params.items.map((item, index) => newSubscriptionItem(id, prices[index] as Stripe.Price, item.quantity ?? 1, period, now, mergeMetadata({}, item.metadata)));
  let subscription: SandboxSubscription = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? now,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'flexible', flexible: { proration_discounts: 'included' }, updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: cancelAt,
    cancel_at_period_end: params.cancel_at_period_end ?? false,
    canceled_at: cancelAt ? now : null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: cancelAt ? 'cancellation_requested' : null },
    collection_method: sendInvoice ? 'send_invoice' : 'charge_automatically',
    created: now,
    currency: first.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: sendInvoice ? (params.days_until_due ?? null) : null,
    default_payment_method: params.default_payment_method ?? null,
    default_source: null,
    default_tax_rates: [],
    description: params.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, params.metadata),
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: params.payment_settings?.payment_method_types ?? null,
      save_default_payment_method: params.payment_settings?.save_default_payment_method ?? 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: options.schedule ?? null,
    start_date: now,
    status: trialEnd ? 'trialing' : 'incomplete',
    test_clock: typeof customer.test_clock === 'string' ? customer.test_clock : null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: params.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice' } },
    trial_start: trialEnd ? now : null,
    _sandbox: { trialWillEndSent: false },
  };
  await ctx.tx.insert(subscription);

  // The first invoice: $0 for a trial, the first period otherwise.
  const names = new ProductNames(ctx.tx);
  const lines: BillableLine[] = [];
  for (const item of items) lines.push(await periodLine(names, item, period, { trial: trialEnd !== null }));
  const draft = await createInvoice(ctx, { customer, subscription, billingReason: 'subscription_create', lines, currency: first.currency, period: { start: now, end: now } }, now);
  subscription = { ...subscription, latest_invoice: draft.id };
  if (trialEnd && params.payment_behavior === 'default_incomplete') {
    // Nothing to pay now: Stripe hands out a SetupIntent to collect the card for the trial's end.
    const setupIntent = await createSetupIntent(ctx, { customer: customer.id, usage: 'off_session', created: now, subscription: id });
    subscription = { ...subscription, pending_setup_intent: setupIntent.id };
  }
  if (sendInvoice && !trialEnd) subscription = { ...subscription, status: 'active' };
  await ctx.tx.save(subscription);
  await announce(ctx, 'customer.subscription.created', subscription);
  const invoice = await finalizeInvoice(ctx, draft, now);

  if (trialEnd && trialEnd - TRIAL_WILL_END_NOTICE <= now) await sendTrialWillEnd(ctx, await reread(ctx, id));
  if (invoice.status !== 'open' || sendInvoice) return reread(ctx, id);
  const behavior = params.payment_behavior ?? 'allow_incomplete';
  if (behavior === 'default_incomplete') return reread(ctx, id);
  const result = await collectInvoice(ctx, invoice.id, { offSession: params.off_session ?? false, automatic: false });
  if (behavior === 'error_if_incomplete') refuseIncomplete(result);
  return reread(ctx, id);
}

async function updateSubscription(ctx: RequestContext) {
  const params = parseParams(
    {
      items: p.array(p.object({ id: p.id(), price: p.id(), quantity: p.int({ min: 1, max: 100000 }), deleted: p.bool(), metadata: p.metadata(), clear_usage: p.bool() }), { max: 20 }),
      proration_behavior: PRORATION_BEHAVIOR,
      proration_date: p.int({ min: 0 }),
      payment_behavior: PAYMENT_BEHAVIOR,
      // An object in the pinned API version: `billing_cycle_anchor[type]=now`.
      billing_cycle_anchor: p.object({ type: p.oneOf(['now', 'unchanged'] as const).req() }),
      cancel_at_period_end: p.bool(),
      cancel_at: p.emptyable(p.int({ min: 0 })),
      cancellation_details: CANCELLATION_DETAILS,
      default_payment_method: p.emptyable(p.id()),
      description: p.emptyable(p.string({ max: 500 })),
      metadata: p.metadata(),
      off_session: p.bool(),
      payment_settings: PAYMENT_SETTINGS,
      trial_end: p.timestamp({ allowNow: true }),
      trial_settings: TRIAL_SETTINGS,
    },
    ctx.params,
  );
  if (params.payment_behavior === 'pending_if_incomplete') {
    const other = Object.keys(ctx.params).find((key) => !PENDING_UPDATE_PARAMS.includes(key));
    if (other) throw invalidRequest(`\`${other}\` cannot be updated with \`payment_behavior=pending_if_incomplete\`; a pending update may only change ${PENDING_UPDATE_PARAMS.slice(0, 6).join(', ')}.`, other);
  }
  const before = await mustGet<SandboxSubscription>(ctx, 'subscription', pathId(ctx), 'subscription', 'id', true);
  const schedule = typeof before.schedule === 'string' ? before.schedule : (before.schedule?.id ?? null);
  if (schedule && (params.cancel_at_period_end !== undefined || params.cancel_at !== undefined)) {
    throw invalidRequest(`The subscription is managed by the subscription schedule \`${schedule}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`);
  }
  const onlyBookkeeping = Object.keys(ctx.params).every((key) => ['metadata', 'cancellation_details', 'expand'].includes(key));
  if (ENDED.includes(before.status) && !onlyBookkeeping) {
    throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const customerId = customerIdOf(before);
  const now = await customerTime(ctx.tx, customerId);
  const period = currentPeriod(before);
  let after: SandboxSubscription = { ...before, metadata: mergeMetadata(before.metadata, params.metadata) };
  if (params.description !== undefined) after.description = params.description;
  if (params.default_payment_method !== undefined) {
    if (params.default_payment_method) await attachedPaymentMethod(ctx, params.default_payment_method, customerId, 'default_payment_method');
    after.default_payment_method = params.default_payment_method;
  }
  if (params.payment_settings?.save_default_payment_method) {
    after.payment_settings = { payment_method_options: null, payment_method_types: null, ...after.payment_settings, save_default_payment_method: params.payment_settings.save_default_payment_method };
  }
  if (params.trial_settings) {
    after.trial_settings = { end_behavior: { billing_cycle_anchor: null, missing_payment_method: params.trial_settings.end_behavior.missing_payment_method } };
  }
  if (params.cancellation_details) {
    const current = after.cancellation_details ?? { comment: null, feedback: null, feedback_option: null, reason: null };
    after.cancellation_details = {
      ...current,
      ...(params.cancellation_details.comment !== undefined ? { comment: params.cancellation_details.comment } : {}),
      ...(params.cancellation_details.feedback !== undefined ? { feedback: params.cancellation_details.feedback } : {}),
    };
  }

  // Trial changes: end it now (billed below as a new cycle) or move its end.
  let endTrialNow = false;
  if (params.trial_end !== undefined) {
    if (before.status !== 'trialing') throw invalidRequest('The Billfold sandbox changes `trial_end` only while the subscription is trialing.', 'trial_end');
    if (params.trial_end === 'now') {
      endTrialNow = true;
    } else {
      if (params.trial_end <= now) throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', 'trial_end');
      after = withItems(
        { ...after, trial_end: params.trial_end, billing_cycle_anchor: params.trial_end, _sandbox: { ...after._sandbox, trialWillEndSent: false } },
        itemsInPeriod(after.items.data, { start: period.start, end: params.trial_end }),
      );
    }
  }

  const behavior = params.payment_behavior ?? 'allow_incomplete';
  let bill: { lines: BillableLine[]; prorationDate?: number; reason: Stripe.Invoice.BillingReason } | null = null;
  if (params.items || params.billing_cycle_anchor?.type === 'now' || endTrialNow) {
    if (before.status === 'incomplete' && params.items) {
      throw invalidRequest('You cannot change the items of an incomplete subscription: pay or cancel its first invoice first.', 'items');
    }
    if (before.status === 'paused') throw invalidRequest('You cannot change the items of a paused subscription; resume it first.', 'items');
    if (before._sandbox.pendingUpdate) {
      throw invalidRequest(
        `This subscription has a pending update waiting for invoice ${before._sandbox.pendingUpdate.invoice} to be paid: pay or void that invoice before changing the subscription again.`,
        'items',
      );
    }
    const at = params.proration_date ?? now;
    checkProrationDate(period, params.proration_date, 'proration_date');
    const prorationBehavior: ProrationBehavior = params.proration_behavior ?? 'create_prorations';
    if (endTrialNow) after = { ...after, status: 'active', trial_end: now };
    // A trial was never paid for: ending it early credits nothing.
    const plan = await planSubscriptionChange(ctx, after, params.items, {
      at,
      prorationBehavior: endTrialNow ? 'none' : prorationBehavior,
      resetAnchor: params.billing_cycle_anchor?.type === 'now' || endTrialNow,
    });
    after = withItems(after, plan.items);
    if (plan.restartsCycle) after.billing_cycle_anchor = plan.period.start;
    if (plan.restartsCycle || prorationBehavior === 'always_invoice') {
      const lines = [...(await pendingLines(ctx, before.id)), ...plan.prorations, ...plan.periodLines];
      if (lines.length > 0) bill = { lines, prorationDate: params.proration_date, reason: 'subscription_update' };
    } else if (prorationBehavior === 'create_prorations' && plan.prorations.length > 0) {
      await addPendingItems(ctx, after, plan.prorations, now);
    }
  }

  const newPeriod = currentPeriod(after);
  if (params.cancel_at_period_end === true || (params.cancel_at_period_end === undefined && after.cancel_at_period_end)) {
    after = { ...after, cancel_at_period_end: true, cancel_at: newPeriod.end };
  }
  if (params.cancel_at_period_end === true && !before.cancel_at_period_end) {
    after = { ...after, canceled_at: now, cancellation_details: { comment: null, feedback: null, feedback_option: null, ...after.cancellation_details, reason: 'cancellation_requested' } };
  }
  if (params.cancel_at_period_end === false || params.cancel_at === null) {
    after = { ...after, cancel_at_period_end: false, cancel_at: null, canceled_at: null, cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null } };
  }
  if (typeof params.cancel_at === 'number') {
    if (params.cancel_at <= now) throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', 'cancel_at');
    after = {
      ...after,
      cancel_at: params.cancel_at,
      cancel_at_period_end: params.cancel_at === newPeriod.end,
      canceled_at: now,
      cancellation_details: { comment: null, feedback: null, feedback_option: null, ...after.cancellation_details, reason: 'cancellation_requested' },
    };
  }

  if (bill && behavior === 'pending_if_incomplete') return updatePending(ctx, before, after, bill, now, params.off_session ?? false);
  // Saved before billing, so the invoice's payment (and its hooks) see the changed subscription.
  await ctx.tx.save(after);
  if (bill) {
    const collect = behavior === 'default_incomplete' ? 'none' : 'automatic';
    const result = await invoiceNow(ctx, after, bill.lines, now, { billingReason: bill.reason, prorationDate: bill.prorationDate, collect, offSession: params.off_session ?? false });
    if (behavior === 'error_if_incomplete') refuseIncomplete(result);
    const current = await reread(ctx, before.id);
    after = { ...current, latest_invoice: result.invoice.id };
    await ctx.tx.save(after);
  }
  if (Object.keys(publicView(previousAttributes(before, after))).length > 0) await announce(ctx, 'customer.subscription.updated', after, before);
  return after;
}

/**
 * `payment_behavior=pending_if_incomplete`: the change is invoiced and charged first; the
 * subscription keeps its items until that invoice is paid. Paid at once, the change applies now;
 * otherwise it waits in `pending_update` (applied by onInvoiceResolved when the invoice is paid,
 * dropped with its voided invoice when `expires_at` passes).
 */
async function updatePending(
  ctx: RequestContext,
  before: SandboxSubscription,
  changed: SandboxSubscription,
  bill: { lines: BillableLine[]; prorationDate?: number; reason: Stripe.Invoice.BillingReason },
  now: number,
  offSession: boolean,
): Promise<SandboxSubscription> {
  const { invoice } = await invoiceNow(ctx, before, bill.lines, now, { billingReason: bill.reason, prorationDate: bill.prorationDate, collect: 'none', offSession });
  let after: SandboxSubscription;
  if (invoice.status !== 'open') {
    after = { ...changed, latest_invoice: invoice.id };
  } else {
    const endsTrial = before.status === 'trialing' && changed.status === 'active';
    const change: PendingChange = { invoice: invoice.id, items: changed.items.data, billingCycleAnchor: changed.billing_cycle_anchor, endsTrial, trialEnd: changed.trial_end };
    await ctx.tx.save({ ...before, _sandbox: { ...before._sandbox, pendingUpdate: change } });
    await collectInvoice(ctx, invoice.id, { offSession, automatic: false });
    const current = await reread(ctx, before.id);
    after = { ...current, latest_invoice: invoice.id };
    if (current._sandbox.pendingUpdate) {
      const trialEnd = before.status === 'trialing' ? before.trial_end : null;
      const expiresAt = Math.min(now + INCOMPLETE_WINDOW, currentPeriod(before).end, trialEnd ?? Number.MAX_SAFE_INTEGER);
      after.pending_update = {
        billing_cycle_anchor: change.billingCycleAnchor !== before.billing_cycle_anchor ? change.billingCycleAnchor : null,
        cancel_at_period_end: null,
        discount: null,
        discounts: null,
        expires_at: expiresAt,
        metadata: null,
        subscription_items: change.items,
        trial_end: endsTrial ? change.trialEnd : null,
        trial_from_plan: null,
      };
    }
  }
  await ctx.tx.save(after);
  if (Object.keys(publicView(previousAttributes(before, after))).length > 0) await announce(ctx, 'customer.subscription.updated', after, before);
  return after;
}

export const subscriptionRoutes: Route[] = [
  { method: 'POST', path: '/v1/subscriptions', handler: createSubscription },
  {
    method: 'GET',
    path: '/v1/subscriptions/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      return mustGet<SandboxSubscription>(ctx, 'subscription', pathId(ctx), 'subscription');
    },
  },
  { method: 'POST', path: '/v1/subscriptions/:id', handler: updateSubscription },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    async handler(ctx) {
      const params = parseParams({ invoice_now: p.bool(), prorate: p.bool(), cancellation_details: CANCELLATION_DETAILS }, ctx.params);
      const before = await mustGet<SandboxSubscription>(ctx, 'subscription', pathId(ctx), 'subscription', 'id', true);
      if (ENDED.includes(before.status)) throw invalidRequest(`This subscription has already ended (status ${before.status}).`);
      const now = await customerTime(ctx.tx, customerIdOf(before));
      return cancelSubscriptionNow(ctx, before, now, {
        reason: 'cancellation_requested',
        prorate: params.prorate ?? false,
        invoiceNow: params.invoice_now ?? false,
        comment: params.cancellation_details?.comment ?? null,
        feedback: params.cancellation_details?.feedback ?? null,
      });
    },
  },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id/pause',
    async handler(ctx) {
      // Pausing bills nothing here: `bill_for` and `invoicing_behavior` are accepted and ignored.
      parseParams({ type: p.oneOf(['subscription'] as const), bill_for: p.any(), invoicing_behavior: p.oneOf(['invoice', 'pending_invoice_item'] as const) }, ctx.params);
      const before = await mustGet<SandboxSubscription>(ctx, 'subscription', pathId(ctx), 'subscription', 'id', true);
      if (!['active', 'trialing', 'past_due'].includes(before.status)) {
        throw invalidRequest(`You cannot pause a subscription with status ${before.status}.`);
      }
      const now = await customerTime(ctx.tx, customerIdOf(before));
      const after: SandboxSubscription = {
        ...before,
        status: 'paused',
        status_details: { paused: { type: 'subscription', subscription: { type: 'pause_requested' }, transitioned_at: now } },
      };
      await ctx.tx.save(after);
      await announce(ctx, 'customer.subscription.paused', after);
      await announce(ctx, 'customer.subscription.updated', after, before);
      return after;
    },
  },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id/resume',
    async handler(ctx) {
      const params = parseParams(
        {
          billing_cycle_anchor: p.object({ type: p.oneOf(['now', 'unchanged'] as const).req() }),
          payment_behavior: p.oneOf(['resume_on_payment_attempt', 'resume_on_payment_success'] as const),
          proration_behavior: PRORATION_BEHAVIOR,
          proration_date: p.int({ min: 0 }),
        },
        ctx.params,
      );
      const before = await mustGet<SandboxSubscription>(ctx, 'subscription', pathId(ctx), 'subscription', 'id', true);
      if (before.status !== 'paused') throw invalidRequest('Only a paused subscription can be resumed.', undefined, 'subscription_not_paused');
      const now = await customerTime(ctx.tx, customerIdOf(before));
      const first = before.items.data[0] as Stripe.SubscriptionItem;
      const recurrence = recurrenceOf(first.price);
      const names = new ProductNames(ctx.tx);
      const lines: BillableLine[] = [];
      let period: { start: number; end: number };
      let anchor = before.billing_cycle_anchor;
      if ((params.billing_cycle_anchor?.type ?? 'now') === 'now') {
        period = { start: now, end: boundaryAfter(now, recurrence, 1) };
        anchor = now;
        for (const item of before.items.data) lines.push(await periodLine(names, item, period));
      } else {
        period = { start: now, end: nextBoundary(anchor, recurrence, now) };
        if (params.proration_behavior !== 'none') {
          const full = { start: boundaryAfter(period.end, recurrence, -1), end: period.end };
          for (const item of before.items.data) lines.push(await prorationLine(names, 'remaining', item, full, now));
        }
      }
      const resumed = withItems({ ...before, status: 'active', status_details: undefined, billing_cycle_anchor: anchor }, itemsInPeriod(before.items.data, period));
      await ctx.tx.save(resumed);
      const billable = lines.filter((line) => line.amount !== 0);
      let latestInvoice = before.latest_invoice;
      if (billable.length > 0) {
        const onSuccess = params.payment_behavior === 'resume_on_payment_success';
        const result = await invoiceNow(ctx, resumed, billable, now, { billingReason: 'subscription_update', collect: onSuccess ? 'attempt' : 'automatic', offSession: true });
        latestInvoice = result.invoice.id;
        if (onSuccess && result.invoice.status !== 'paid') {
          // Not paid: the subscription stays paused, with the open invoice to pay.
          const still: SandboxSubscription = { ...before, latest_invoice: latestInvoice };
          await ctx.tx.save(still);
          return still;
        }
      }
      const current = await reread(ctx, before.id);
      const after: SandboxSubscription = { ...current, latest_invoice: latestInvoice };
      await ctx.tx.save(after);
      await announce(ctx, 'customer.subscription.resumed', after);
      await announce(ctx, 'customer.subscription.updated', after, before);
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/subscriptions',
    async handler(ctx) {
      const params = parseParams(
        {
          ...LIST_PARAMS,
          customer: p.string(),
          customer_account: p.any(),
          price: p.string(),
          plan: p.string(),
          status: p.oneOf(['active', 'all', 'canceled', 'ended', 'incomplete', 'incomplete_expired', 'past_due', 'paused', 'trialing', 'unpaid'] as const),
          collection_method: p.oneOf(['charge_automatically', 'send_invoice'] as const),
          test_clock: p.string(),
          current_period_end: p.any(),
          current_period_start: p.any(),
          automatic_tax: p.any(),
        },
        ctx.params,
      );
      const status = params.status;
      return listObjects(
        ctx,
        'subscription',
        '/v1/subscriptions',
        params,
        { customer: params.customer, collection_method: params.collection_method, test_clock: params.test_clock, status: status && !['all', 'ended'].includes(status) ? status : undefined },
        {
          contains: params.price || params.plan ? { items: { data: [{ price: { id: params.price ?? params.plan } }] } } : undefined,
          anyOf: status === 'ended' ? { status: ['canceled', 'incomplete_expired'] } : undefined,
          // Stripe leaves canceled subscriptions out unless asked for them.
          noneOf: status === undefined ? { status: ['canceled'] } : undefined,
        },
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/subscription_items',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, subscription: p.id().req() }, ctx.params);
      const subscription = await mustGet<SandboxSubscription>(ctx, 'subscription', params.subscription, 'subscription', 'subscription');
      return { object: 'list', data: subscription.items.data, has_more: false, url: `/v1/subscription_items?subscription=${subscription.id}` };
    },
  },
  {
    method: 'GET',
    path: '/v1/subscription_items/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const id = pathId(ctx);
      const sql = ctx.tx.sql;
      const [row] = await sql<{ data: SandboxSubscription }[]>`
        select data from sandbox.objects where type = 'subscription' and data->'items'->'data' @> ${sql.json([{ id }])}`;
      const item = row?.data.items.data.find((candidate) => candidate.id === id);
      if (!item) throw resourceMissing('subscription item', id);
      return item;
    },
  },
];
