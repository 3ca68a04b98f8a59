import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import { invalidRequest } from '../errors';
import { emit } from '../events';
import type { SandboxInvoice } from '../resources/invoices';
import type { SandboxSubscription } from '../resources/subscriptions';
import { TEST_CLOCK } from './clock';
import { collectInvoice } from './invoicing';
import { advanceSchedule, SCHEDULE, type Schedule } from './schedules';
import {
  cancelSubscriptionNow,
  currentPeriod,
  expireIncomplete,
  expirePendingUpdate,
  finalizeDueDraft,
  INCOMPLETE_WINDOW,
  renewSubscription,
  sendTrialWillEnd,
  sendUpcomingInvoice,
  TRIAL_WILL_END_NOTICE,
  UPCOMING_NOTICE,
} from './subscription-cycle';

/**
 * Moving a test clock: everything its customers' subscriptions and invoices would have done
 * between the clock's time and the target, one step at a time in time order, with the clock
 * set to each step's moment so the objects created carry it. Runs inside the advance request
 * (see test-clocks.ts).
 */

type SubscriptionStep = 'trial_will_end' | 'upcoming' | 'expire' | 'pending_update_expiry' | 'cancel' | 'renew';
export type Work =
  | { at: number; rank: number; kind: SubscriptionStep; subscription: SandboxSubscription }
  | { at: number; rank: number; kind: 'finalize' | 'retry'; invoice: SandboxInvoice }
  | { at: number; rank: number; kind: 'schedule'; schedule: Schedule };

// At the same moment: notices first, then endings, then schedule phases (so a renewal at a phase
// boundary bills the new phase's prices), then invoices already due, then new periods.
const RANK = { trial_will_end: 0, upcoming: 1, expire: 2, pending_update_expiry: 2, schedule: 3, cancel: 4, finalize: 5, retry: 6, renew: 7 } as const;
// A runaway guard: years of daily renewals for a handful of subscriptions stay far below it.
const MAX_STEPS = 20_000;

function subscriptionWork(subscription: SandboxSubscription): Work[] {
  const work: Work[] = [];
  const add = (kind: SubscriptionStep, at: number) => work.push({ at, rank: RANK[kind], kind, subscription });
  if (subscription.pending_update) add('pending_update_expiry', subscription.pending_update.expires_at);
  switch (subscription.status) {
    case 'incomplete':
      add('expire', subscription.created + INCOMPLETE_WINDOW);
      break;
    case 'trialing':
    case 'active':
    case 'past_due':
    case 'unpaid': {
      const { end } = currentPeriod(subscription);
      if (subscription.status === 'trialing' && subscription.trial_end !== null && !subscription._sandbox.trialWillEndSent) {
        add('trial_will_end', Math.max(subscription.created, subscription.trial_end - TRIAL_WILL_END_NOTICE));
      }
      if (subscription.cancel_at !== null && subscription.cancel_at <= end) {
        add('cancel', subscription.cancel_at);
      } else {
        add('renew', end);
        const { start } = currentPeriod(subscription);
        if (subscription._sandbox.upcomingNoticeFor !== end && end - UPCOMING_NOTICE > start) add('upcoming', end - UPCOMING_NOTICE);
      }
      break;
    }
    default:
      break;
  }
  return work;
}

function scheduleWork(schedule: Schedule): Work[] {
  const at = schedule.status === 'not_started' ? schedule.phases[0]?.start_date : schedule.current_phase?.end_date;
  return at === undefined ? [] : [{ at, rank: RANK.schedule, kind: 'schedule', schedule }];
}

function invoiceWork(invoice: SandboxInvoice): Work[] {
  if (invoice.status === 'draft' && invoice.automatically_finalizes_at !== null) {
    return [{ at: invoice.automatically_finalizes_at, rank: RANK.finalize, kind: 'finalize', invoice }];
  }
  if (invoice.status === 'open' && invoice.next_payment_attempt !== null && invoice.auto_advance !== false) {
    return [{ at: invoice.next_payment_attempt, rank: RANK.retry, kind: 'retry', invoice }];
  }
  return [];
}

/**
 * What time will do next to one stored subscription, invoice or schedule (with its moment), or
 * null: the test clock engine and the wall-clock scheduler (wall-clock.ts) read the same list.
 */
export function nextWorkOf(object: SandboxSubscription | SandboxInvoice | Schedule): Work | null {
  const work = object.object === 'subscription' ? subscriptionWork(object) : object.object === 'invoice' ? invoiceWork(object) : scheduleWork(object);
  return work.sort((a, b) => a.at - b.at || a.rank - b.rank)[0] ?? null;
}

/** The `due_at` the store keeps for these objects (store.ts), so what is due is one index scan. */
export function dueTime(object: SandboxSubscription | SandboxInvoice | Schedule): number | null {
  return nextWorkOf(object)?.at ?? null;
}

async function nextWork(ctx: RequestContext, clockId: string): Promise<Work | null> {
  const sql = ctx.tx.sql;
  const subscriptions = await sql<{ data: SandboxSubscription }[]>`
    select data from sandbox.objects
    where type = 'subscription' and data->>'test_clock' = ${clockId}
      and data->>'status' in ('incomplete', 'trialing', 'active', 'past_due', 'unpaid')`;
  const invoices = await sql<{ data: SandboxInvoice }[]>`
    select data from sandbox.objects
    where type = 'invoice' and data->>'test_clock' = ${clockId}
      and ((data->>'status' = 'draft' and data->>'automatically_finalizes_at' is not null)
        or (data->>'status' = 'open' and data->>'next_payment_attempt' is not null))`;
  const schedules = await sql<{ data: Schedule }[]>`
    select data from sandbox.objects
    where type = ${SCHEDULE} and data->>'test_clock' = ${clockId} and data->>'status' in ('not_started', 'active')`;
  const work = [
    ...subscriptions.flatMap((row) => subscriptionWork(row.data)),
    ...invoices.flatMap((row) => invoiceWork(row.data)),
    ...schedules.flatMap((row) => scheduleWork(row.data)),
  ];
  work.sort((a, b) => a.at - b.at || a.rank - b.rank);
  return work[0] ?? null;
}

/** Does one step of billing work at `at` (the clock's moment, or the step's due time by the wall clock). */
export async function perform(ctx: RequestContext, work: Work, at: number): Promise<void> {
  switch (work.kind) {
    case 'trial_will_end':
      return sendTrialWillEnd(ctx, work.subscription);
    case 'upcoming':
      return sendUpcomingInvoice(ctx, work.subscription, at);
    case 'expire':
      return expireIncomplete(ctx, work.subscription, at);
    case 'pending_update_expiry':
      return expirePendingUpdate(ctx, work.subscription, at);
    case 'schedule':
      return advanceSchedule(ctx, work.schedule, at);
    case 'cancel':
      await cancelSubscriptionNow(ctx, work.subscription, at, { reason: 'cancellation_requested', scheduled: true });
      return;
    case 'renew':
      return renewSubscription(ctx, work.subscription, at);
    case 'finalize':
      return finalizeDueDraft(ctx, work.invoice, at);
    case 'retry':
      await collectInvoice(ctx, work.invoice.id, { offSession: true, automatic: true });
      return;
  }
}

async function setFrozenTime(ctx: RequestContext, clockId: string, time: number): Promise<void> {
  const clock = await ctx.tx.getForUpdate<Stripe.TestHelpers.TestClock>(TEST_CLOCK, clockId);
  if (clock && clock.frozen_time !== time) await ctx.tx.save({ ...clock, frozen_time: time });
}

/** Runs everything due up to `target`, in order, leaving the clock at `target`. */
export async function runClockUntil(ctx: RequestContext, clockId: string, from: number, target: number): Promise<void> {
  let now = from;
  let previous = '';
  for (let step = 0; ; step++) {
    if (step >= MAX_STEPS) throw new Error(`test clock ${clockId}: more than ${MAX_STEPS} billing steps in one advance`);
    const work = await nextWork(ctx, clockId);
    if (!work || work.at > target) break;
    const key = `${work.kind}:${'subscription' in work ? work.subscription.id : 'invoice' in work ? work.invoice.id : work.schedule.id}:${work.at}`;
    // Every step changes what is due; the same step twice means the engine is stuck.
    if (key === previous) throw new Error(`test clock ${clockId}: ${key} did not take effect`);
    previous = key;
    now = Math.max(now, work.at);
    await setFrozenTime(ctx, clockId, now);
    await perform(ctx, work, now);
  }
  await setFrozenTime(ctx, clockId, target);
}

/**
 * Advances a test clock (locked by the caller) to `frozenTime`: `advancing`, everything due on
 * the way, then `ready` at the new time, with both events. Used by the test clock API and by the
 * sandbox's per-customer time travel.
 */
export async function advanceClock(ctx: RequestContext, before: Stripe.TestHelpers.TestClock, frozenTime: number): Promise<Stripe.TestHelpers.TestClock> {
  if (frozenTime <= before.frozen_time) {
    throw invalidRequest(`The test clock's new frozen_time must be after its current frozen_time (${before.frozen_time}).`, 'frozen_time');
  }
  const advancing: Stripe.TestHelpers.TestClock = { ...before, status: 'advancing', status_details: { advancing: { target_frozen_time: frozenTime } } };
  await ctx.tx.save(advancing);
  await emit(ctx, 'test_helpers.test_clock.advancing', advancing, { status: before.status, status_details: before.status_details });
  await runClockUntil(ctx, before.id, before.frozen_time, frozenTime);
  const moved = (await ctx.tx.getForUpdate<Stripe.TestHelpers.TestClock>(TEST_CLOCK, before.id)) ?? advancing;
  const ready: Stripe.TestHelpers.TestClock = { ...moved, frozen_time: frozenTime, status: 'ready', status_details: {} };
  await ctx.tx.save(ready);
  await emit(ctx, 'test_helpers.test_clock.ready', ready, { status: 'advancing', frozen_time: before.frozen_time, status_details: advancing.status_details });
  return ready;
}
