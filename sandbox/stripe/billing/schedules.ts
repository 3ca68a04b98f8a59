import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { SandboxSubscription } from '../resources/subscriptions';
import { openSubscription } from '../resources/subscriptions';
import { planSubscriptionChange, type ItemInput, type ProrationBehavior } from './changes';
import { announce } from './invoicing';
import type { BillableLine } from './lines';
import { addPendingItems, cancelSubscriptionNow, ENDED, invoiceNow, pendingLines, saveSubscription, withItems } from './subscription-cycle';

/**
 * Subscription schedules in time: a phase's items replace the subscription's when the phase
 * starts (at a renewal, so the renewal bills the new price; mid-period, prorated as the phase
 * says), and when the last phase ends the schedule lets the subscription go on (`release`) or
 * cancels it (`cancel`). The clock engine (advance.ts) calls `advanceSchedule` at each boundary;
 * the API (resources/subscription-schedules.ts) creates, updates, releases and cancels.
 */

export type Schedule = Stripe.SubscriptionSchedule;
export type Phase = Stripe.SubscriptionSchedule.Phase;

/** Stored type of subscription schedules. */
export const SCHEDULE = 'subscription_schedule';
/** Statuses in which a schedule manages (or will start) a subscription, and may be changed. */
export const LIVE_SCHEDULE: Stripe.SubscriptionSchedule.Status[] = ['not_started', 'active'];

export function idOf(value: string | { id: string } | null | undefined): string | null {
  return typeof value === 'string' ? value : (value?.id ?? null);
}

/**
 * The item changes that turn the subscription's items into the phase's: an item whose price the
 * phase keeps stays (its quantity and metadata follow the phase), a new price is a new item,
 * and an item whose price the phase drops is deleted.
 */
export function itemChangesFor(subscription: Stripe.Subscription, phase: Phase): ItemInput[] {
  const inputs: ItemInput[] = [];
  const unmatched = [...subscription.items.data];
  for (const item of phase.items) {
    const priceId = idOf(item.price) ?? '';
    const quantity = item.quantity ?? 1;
    const metadata = item.metadata ?? {};
    const index = unmatched.findIndex((current) => current.price.id === priceId);
    if (index === -1) {
      inputs.push({ price: priceId, quantity, metadata });
      continue;
    }
    const [current] = unmatched.splice(index, 1) as [Stripe.SubscriptionItem];
    const metadataChanges = Object.entries(metadata).some(([key, value]) => current.metadata[key] !== value);
    if ((current.quantity ?? 1) !== quantity || metadataChanges) inputs.push({ id: current.id, quantity, ...(metadataChanges ? { metadata } : {}) });
  }
  for (const left of unmatched) inputs.push({ id: left.id, deleted: true });
  return inputs;
}

/**
 * Gives the subscription a phase's items and settings at `at`, billing the change as
 * `prorationBehavior` says (nothing to prorate at a period boundary; a new interval starts a
 * new cycle, billed now). Sends `customer.subscription.updated` when anything changed.
 */
export async function applyPhase(ctx: RequestContext, before: SandboxSubscription, phase: Phase, at: number, prorationBehavior: ProrationBehavior): Promise<SandboxSubscription> {
  let after: SandboxSubscription = { ...before };
  if (phase.metadata && Object.keys(phase.metadata).length > 0) after.metadata = { ...after.metadata, ...phase.metadata };
  const paymentMethod = idOf(phase.default_payment_method);
  if (paymentMethod) after.default_payment_method = paymentMethod;
  if (phase.description !== null) after.description = phase.description;
  let lines: BillableLine[] = [];
  const inputs = itemChangesFor(before, phase);
  if (inputs.length > 0) {
    const plan = await planSubscriptionChange(ctx, after, inputs, { at, prorationBehavior, resetAnchor: false });
    after = withItems(after, plan.items);
    if (plan.restartsCycle) after.billing_cycle_anchor = plan.period.start;
    if (plan.restartsCycle || prorationBehavior === 'always_invoice') {
      lines = [...(await pendingLines(ctx, before.id)), ...plan.prorations, ...plan.periodLines];
    } else if (prorationBehavior === 'create_prorations' && plan.prorations.length > 0) {
      await addPendingItems(ctx, after, plan.prorations, at);
    }
  }
  await ctx.tx.save(after);
  if (lines.length > 0) {
    const { invoice } = await invoiceNow(ctx, after, lines, at, { billingReason: 'subscription_update', collect: 'automatic', offSession: true });
    const current = (await ctx.tx.get<SandboxSubscription>('subscription', before.id)) ?? after;
    after = { ...current, latest_invoice: invoice.id };
  }
  return saveSubscription(ctx, before, after);
}

/**
 * A schedule whose first phase starts now: its subscription is created from the phase, charged
 * to the customer's default payment method (left `incomplete` with an open invoice when there
 * is none, as a payment that cannot be attempted would be).
 */
export async function startSchedule(ctx: RequestContext, before: Schedule, at: number, offSession: boolean): Promise<Schedule> {
  const phase = before.phases[0];
  if (!phase) throw new Error(`subscription schedule ${before.id} has no phases`);
  const customer = idOf(before.customer) ?? '';
  const paymentMethod = idOf(phase.default_payment_method);
  const payable = paymentMethod !== null || Boolean((await ctx.tx.get<Stripe.Customer>('customer', customer))?.invoice_settings.default_payment_method);
  const subscription = await openSubscription(
    ctx,
    {
      customer,
      items: phase.items.map((item) => ({ price: idOf(item.price) ?? '', quantity: item.quantity ?? 1, metadata: item.metadata ?? {} })),
      payment_behavior: payable ? 'allow_incomplete' : 'default_incomplete',
      off_session: offSession,
      ...(paymentMethod ? { default_payment_method: paymentMethod } : {}),
      ...(phase.description !== null ? { description: phase.description } : {}),
      ...(phase.metadata ? { metadata: phase.metadata } : {}),
    },
    { schedule: before.id, startsAt: phase.start_date },
  );
  const after: Schedule = { ...before, status: 'active', subscription: subscription.id, current_phase: { start_date: phase.start_date, end_date: phase.end_date } };
  await ctx.tx.save(after);
  return after;
}

/** Lets the subscription go on without the schedule (`released`), as the release endpoint and `end_behavior=release` do. */
export async function releaseSchedule(ctx: RequestContext, before: Schedule, at: number, options: { preserveCancelDate: boolean }): Promise<Schedule> {
  const subscriptionId = idOf(before.subscription);
  const after: Schedule = { ...before, status: 'released', released_at: at, released_subscription: subscriptionId, subscription: null, current_phase: null };
  await ctx.tx.save(after);
  await announce(ctx, 'subscription_schedule.released', after, before);
  const subscription = subscriptionId ? await ctx.tx.getForUpdate<SandboxSubscription>('subscription', subscriptionId) : null;
  if (subscription && idOf(subscription.schedule) === before.id) {
    let released: SandboxSubscription = { ...subscription, schedule: null };
    // The cancellation `end_behavior=cancel` put on the subscription goes with the schedule.
    if (!options.preserveCancelDate && before.end_behavior === 'cancel' && !ENDED.includes(subscription.status)) released = withoutCancellation(released);
    await saveSubscription(ctx, subscription, released);
  }
  return after;
}

function withoutCancellation(subscription: SandboxSubscription): SandboxSubscription {
  return { ...subscription, cancel_at: null, cancel_at_period_end: false, canceled_at: null, cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null } };
}

/**
 * `end_behavior=cancel` cancels the subscription when the last phase ends: Stripe shows that
 * end as the subscription's `cancel_at`. Switching back to `release` removes it.
 */
export async function syncScheduledCancellation(ctx: RequestContext, schedule: Schedule, now: number): Promise<void> {
  const subscriptionId = idOf(schedule.subscription);
  if (!subscriptionId || schedule.status !== 'active') return;
  const before = await ctx.tx.getForUpdate<SandboxSubscription>('subscription', subscriptionId);
  if (!before || ENDED.includes(before.status)) return;
  const last = schedule.phases.at(-1);
  const wanted = schedule.end_behavior === 'cancel' && last ? last.end_date : null;
  if (wanted === before.cancel_at) return;
  const after: SandboxSubscription =
    wanted === null
      ? withoutCancellation(before)
      : {
          ...before,
          cancel_at: wanted,
          cancel_at_period_end: wanted === before.items.data[0]?.current_period_end,
          canceled_at: now,
          cancellation_details: { comment: null, feedback: null, feedback_option: null, ...before.cancellation_details, reason: 'cancellation_requested' },
        };
  await saveSubscription(ctx, before, after);
}

/**
 * The billing engine reached the schedule's next moment: the first phase starts, the next phase
 * starts, or the last one ends (`end_behavior`).
 */
export async function advanceSchedule(ctx: RequestContext, before: Schedule, at: number): Promise<void> {
  if (before.status === 'not_started') {
    const started = await startSchedule(ctx, before, at, true);
    await syncScheduledCancellation(ctx, started, at);
    await announce(ctx, 'subscription_schedule.updated', started, before);
    return;
  }
  const subscriptionId = idOf(before.subscription);
  const subscription = subscriptionId ? await ctx.tx.getForUpdate<SandboxSubscription>('subscription', subscriptionId) : null;
  if (!subscription || ENDED.includes(subscription.status)) {
    // Ending a subscription ends its schedule (endScheduleOf); this only guards the engine.
    await cancelSchedule(ctx, before, at, 'subscription_schedule.canceled');
    return;
  }
  const index = before.phases.findIndex((phase) => phase.start_date === before.current_phase?.start_date);
  const next = before.phases[index + 1];
  if (next) {
    await applyPhase(ctx, subscription, next, at, prorationOf(next));
    const after: Schedule = { ...before, current_phase: { start_date: next.start_date, end_date: next.end_date } };
    await ctx.tx.save(after);
    await announce(ctx, 'subscription_schedule.updated', after, before);
    return;
  }
  if (before.end_behavior === 'cancel') {
    const completed: Schedule = { ...before, status: 'completed', completed_at: at, current_phase: null };
    await ctx.tx.save(completed);
    await announce(ctx, 'subscription_schedule.completed', completed, before);
    await cancelSubscriptionNow(ctx, subscription, at, { reason: 'cancellation_requested', scheduled: true });
    return;
  }
  await releaseSchedule(ctx, before, at, { preserveCancelDate: false });
}

export function prorationOf(phase: Phase): ProrationBehavior {
  const behavior = phase.proration_behavior;
  if (behavior === 'always_invoice') return 'always_invoice';
  return behavior === 'none' ? 'none' : 'create_prorations';
}

/**
 * The subscription ended (canceled, expired, or its dunning gave up): a schedule still managing
 * it is canceled with it (`subscription_schedule.aborted` when payments failed, as at Stripe).
 */
export async function endScheduleOf(ctx: RequestContext, subscription: Pick<Stripe.Subscription, 'schedule'>, at: number, reason: Stripe.Subscription.CancellationDetails.Reason | null): Promise<void> {
  const id = idOf(subscription.schedule);
  if (!id) return;
  const before = await ctx.tx.getForUpdate<Schedule>(SCHEDULE, id);
  if (!before || !LIVE_SCHEDULE.includes(before.status)) return;
  await cancelSchedule(ctx, before, at, reason === 'payment_failed' ? 'subscription_schedule.aborted' : 'subscription_schedule.canceled');
}

/** Marks a schedule canceled (its subscription is the caller's business). */
export async function cancelSchedule(ctx: RequestContext, before: Schedule, at: number, event: 'subscription_schedule.canceled' | 'subscription_schedule.aborted'): Promise<Schedule> {
  const after: Schedule = { ...before, status: 'canceled', canceled_at: at, current_phase: null };
  await ctx.tx.save(after);
  await announce(ctx, event, after, before);
  return after;
}

/**
 * The items the subscription will have from `at` on if its schedule starts a phase then (a
 * renewal preview shows the next phase's price). Null when no phase starts then, or when the
 * phase starts a new billing cycle (billed at the phase start, not by the renewal).
 */
export async function scheduledItemsAt(ctx: RequestContext, subscription: SandboxSubscription, at: number): Promise<Stripe.SubscriptionItem[] | null> {
  const id = idOf(subscription.schedule);
  if (!id) return null;
  const schedule = await ctx.tx.get<Schedule>(SCHEDULE, id);
  if (!schedule || schedule.status !== 'active') return null;
  const phase = schedule.phases.find((candidate) => candidate.start_date === at);
  if (!phase) return null;
  const inputs = itemChangesFor(subscription, phase);
  if (inputs.length === 0) return null;
  const plan = await planSubscriptionChange(ctx, subscription, inputs, { at, prorationBehavior: 'none', resetAnchor: false });
  return plan.restartsCycle ? null : plan.items;
}
