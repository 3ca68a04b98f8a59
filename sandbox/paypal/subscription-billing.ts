import { addIntervals } from './billing-cycles';
import type { PaypalContext } from './context';
import { raiseEvent } from './events';
import { paypalTime } from './ids';
import { paypalMoney, unitsOf } from './money';
import { basisPoints, PLAN, type PlanRecord } from './plans';
import { recordSale } from './sales';
import { payingBuyerOf, subscriptionPaymentFails } from './subscription-funding';
import {
  cyclePrice,
  cycleTerms,
  paymentPreferences,
  subscriptionView,
  taxesOf,
  type CycleExecution,
  type SubscriptionRecord,
  type SubscriptionStatus,
} from './subscription-resource';

/**
 * The billing engine: what happens to an ACTIVE subscription as its time passes. A cycle is
 * billed when it begins (a free trial cycle costs nothing and only counts), and the next one
 * falls due one interval later; when every cycle has run, the subscription EXPIRES at the end
 * of the last one. A payment that fails (the `renewals-fail@` buyer's, and every payment of a
 * buyer whose funding is refused, until the buyer moves it to their PayPal balance) adds the
 * cycle's amount to the outstanding balance, counts towards `payment_failure_threshold` (0:
 * never suspend) and raises BILLING.SUBSCRIPTION.PAYMENT.FAILED; at the threshold PayPal
 * SUSPENDS the subscription. With `auto_bill_outstanding` the next cycle also collects what is
 * outstanding. A failed cycle still counts as run: the sandbox does not retry a failed payment
 * within the cycle (PayPal retries up to twice, five days apart).
 *
 * Every function works on the subscription's own time (`at`), which runs ahead of the wall
 * clock by what the advance endpoint moved it (subscription-clock.ts), and is called inside the
 * transaction that holds the subscription's row lock.
 */

/** Safety stop for one call's catch-up: a daily plan years behind still finishes. */
const MAX_CYCLES_PER_RUN = 5000;

interface CycleAmount {
  subtotal: number;
  tax: number;
  shipping: number;
  version?: number;
}

const total = (amount: Pick<CycleAmount, 'subtotal' | 'tax' | 'shipping'>) => amount.subtotal + amount.tax + amount.shipping;

/** What cycle `sequence` charges at `at`: price × quantity, tax (added, or carved out when inclusive), shipping. */
function cycleAmount(plan: PlanRecord, record: SubscriptionRecord, sequence: number, at: number): CycleAmount {
  const price = cyclePrice(plan, record, sequence, at);
  const quantity = Math.max(1, Math.floor(Number(record.resource.quantity) || 1));
  const gross = price.units * quantity;
  const taxes = taxesOf(plan, record.internal.override);
  const points = taxes ? basisPoints(taxes.percentage) : 0;
  const shipping = gross > 0 && record.resource.shipping_amount ? unitsOf(record.resource.shipping_amount) : 0;
  if (!taxes || points === 0) return { subtotal: gross, tax: 0, shipping, version: price.version };
  if (taxes.inclusive) {
    const tax = gross - Math.round((gross * 10_000) / (10_000 + points));
    return { subtotal: gross - tax, tax, shipping, version: price.version };
  }
  return { subtotal: gross, tax: Math.round((gross * points) / 10_000), shipping, version: price.version };
}

/**
 * Takes a payment from the buyer who approved, unless their funding refuses it
 * (subscription-funding.ts). The buyer's first payment is made while they are there (approval),
 * later ones by PayPal on its own (`merchantInitiated`).
 */
async function pay(ctx: PaypalContext, record: SubscriptionRecord, amount: CycleAmount, at: number, options: { merchantInitiated: boolean }): Promise<boolean> {
  if (subscriptionPaymentFails(record, options)) return false;
  const buyer = payingBuyerOf(record);
  await recordSale(ctx, {
    subscriptionId: record.id,
    currency: record.internal.currency,
    subtotal: amount.subtotal,
    tax: amount.tax,
    shipping: amount.shipping,
    customId: record.resource.custom_id,
    payer: { email: buyer.email, given_name: buyer.name.given_name, surname: buyer.name.surname },
    at,
  });
  return true;
}

export async function raiseSubscriptionEvent(ctx: PaypalContext, record: SubscriptionRecord, eventType: string, summary: string, at: number): Promise<void> {
  await raiseEvent({ ...ctx, now: at }, { eventType, resourceType: 'subscription', resourceVersion: '1.0', resource: subscriptionView(record, ctx.base), summary });
}

export function withStatus(record: SubscriptionRecord, status: SubscriptionStatus, at: number, note?: string): SubscriptionRecord {
  const resource = { ...record.resource, status, status_update_time: paypalTime(at), update_time: paypalTime(at) };
  if (note) resource.status_change_note = note;
  return { ...record, resource };
}

/** The execution now being billed: the first whose cycles have not all run (a regular one with total 0 never ends). */
function currentExecution(executions: CycleExecution[]): CycleExecution | undefined {
  return executions.find((execution) => execution.total_cycles === 0 || execution.cycles_completed < execution.total_cycles);
}

/** When the last cycle is billed, if the subscription ends at all (`from`: the current tenure's start). */
function finalPaymentTime(plan: PlanRecord, record: SubscriptionRecord): number | undefined {
  const executions = record.resource.billing_info?.cycle_executions ?? [];
  const current = currentExecution(executions);
  if (!current) return undefined;
  let start = record.internal.tenure_start;
  let anchor = record.internal.anchor_cycles;
  let last: number | undefined;
  for (const execution of executions.slice(executions.indexOf(current))) {
    const terms = cycleTerms(plan, record.internal.override, execution.sequence);
    if (!terms || execution.total_cycles === 0) return undefined;
    last = addIntervals(start, terms.frequency, execution.total_cycles - 1 - anchor);
    start = addIntervals(start, terms.frequency, execution.total_cycles - anchor);
    anchor = 0;
  }
  return last;
}

function moneyOf(units: number, record: SubscriptionRecord) {
  return paypalMoney(units, record.internal.currency);
}

/** Bills the cycle due at `at` (or expires the subscription when none is left). */
async function billCycle(ctx: PaypalContext, record: SubscriptionRecord, plan: PlanRecord, at: number, options: { merchantInitiated: boolean }): Promise<SubscriptionRecord> {
  const info = record.resource.billing_info;
  const executions = (info?.cycle_executions ?? []).map((execution) => ({ ...execution }));
  const current = currentExecution(executions);
  if (!info || !current) {
    const expired = withStatus({ ...record, internal: { ...record.internal, next_at: null }, resource: { ...record.resource, billing_info: info && (({ next_billing_time: _gone, ...rest }) => rest)(info) } }, 'EXPIRED', at);
    await raiseSubscriptionEvent(ctx, expired, 'BILLING.SUBSCRIPTION.EXPIRED', `Subscription ${record.id} expired.`, at);
    return expired;
  }
  const terms = cycleTerms(plan, record.internal.override, current.sequence);
  if (!terms) throw new Error(`plan ${plan.id} has no billing cycle ${current.sequence}`);
  const preferences = paymentPreferences(plan, record.internal.override);
  const amount = cycleAmount(plan, record, current.sequence, at);
  const owed = total(amount);
  const collect = preferences.auto_bill_outstanding ? record.internal.outstanding : 0;
  let next: SubscriptionRecord = record;
  let billing = { ...info, cycle_executions: executions };
  let outstanding = record.internal.outstanding;
  const events: [string, string][] = [];
  if (owed + collect > 0) {
    // What was outstanding is collected with the cycle, on the sale's subtotal.
    const paid = await pay(ctx, record, { ...amount, subtotal: amount.subtotal + collect }, at, options);
    if (paid) {
      outstanding = 0;
      billing = { ...billing, last_payment: { amount: moneyOf(owed + collect, record), time: paypalTime(at) }, failed_payments_count: 0 };
    } else {
      outstanding += owed;
      billing = { ...billing, failed_payments_count: billing.failed_payments_count + 1, last_failed_payment: { amount: moneyOf(owed + collect, record), time: paypalTime(at), reason_code: 'PAYMENT_DENIED' } };
      events.push(['BILLING.SUBSCRIPTION.PAYMENT.FAILED', `Payment failed on subscription ${record.id}.`]);
    }
  }
  current.cycles_completed += 1;
  current.cycles_remaining = current.total_cycles === 0 ? 0 : current.total_cycles - current.cycles_completed;
  if (amount.version !== undefined) current.current_pricing_scheme_version = amount.version;
  // The next cycle: one interval on in this tenure, or the next tenure's first when this one is done.
  const nextAt = addIntervals(record.internal.tenure_start, terms.frequency, current.cycles_completed - record.internal.anchor_cycles);
  const tenureDone = current.total_cycles !== 0 && current.cycles_completed >= current.total_cycles;
  const more = currentExecution(executions) !== undefined;
  const { next_billing_time: _previous, ...rest } = billing;
  billing = { ...rest, outstanding_balance: moneyOf(outstanding, record), ...(more ? { next_billing_time: paypalTime(nextAt) } : {}) };
  next = {
    ...record,
    resource: { ...record.resource, billing_info: billing, update_time: paypalTime(at) },
    internal: { ...record.internal, outstanding, next_at: nextAt, ...(tenureDone ? { tenure_start: nextAt, anchor_cycles: 0 } : {}) },
  };
  const final = finalPaymentTime(plan, next);
  if (final !== undefined && next.resource.billing_info) next.resource.billing_info.final_payment_time = paypalTime(final);
  if (!more && next.resource.billing_info) next.resource.billing_info.final_payment_time = paypalTime(at);
  const threshold = preferences.payment_failure_threshold;
  if (threshold > 0 && billing.failed_payments_count >= threshold) {
    next = withStatus({ ...next, internal: { ...next.internal, suspended_for_failures: true } }, 'SUSPENDED', at, 'Payment failure threshold reached.');
    events.push(['BILLING.SUBSCRIPTION.SUSPENDED', `Subscription ${record.id} suspended after ${billing.failed_payments_count} failed payments.`]);
  }
  for (const [eventType, summary] of events) await raiseSubscriptionEvent(ctx, next, eventType, summary, at);
  return next;
}

/**
 * Bills every cycle due by `now` (the subscription's time), oldest first, and saves the
 * subscription. The first of them is the buyer's own payment when `firstByBuyer` (activation).
 */
export async function runDueCycles(ctx: PaypalContext, record: SubscriptionRecord, now: number, options: { firstByBuyer?: boolean; plan?: PlanRecord } = {}): Promise<SubscriptionRecord> {
  let current = record;
  let plan: PlanRecord | null = options.plan ?? null;
  for (let count = 0; count < MAX_CYCLES_PER_RUN; count += 1) {
    const due = current.internal.next_at;
    if (current.resource.status !== 'ACTIVE' || due === null || due > now) break;
    plan ??= await ctx.tx.get<PlanRecord>(PLAN, current.resource.plan_id);
    if (!plan) throw new Error(`subscription ${record.id}: its plan ${current.resource.plan_id} is gone`);
    current = await billCycle(ctx, current, plan, due, { merchantInitiated: !(options.firstByBuyer && count === 0) });
  }
  return current === record ? record : ctx.tx.save(current);
}

/**
 * ACTIVE from APPROVED: the setup fee is paid now, the first cycle is billed at the start time
 * (now, unless the subscription starts later), and BILLING.SUBSCRIPTION.ACTIVATED is raised.
 */
export async function activateSubscription(ctx: PaypalContext, record: SubscriptionRecord, plan: PlanRecord, now: number): Promise<SubscriptionRecord> {
  const start = Math.max(record.internal.start_at, now);
  let active = withStatus({ ...record, internal: { ...record.internal, next_at: start, tenure_start: start, anchor_cycles: 0 } }, 'ACTIVE', now);
  const fee = paymentPreferences(plan, record.internal.override).setup_fee;
  const feeUnits = fee ? unitsOf(fee) : 0;
  if (feeUnits > 0) {
    const paid = await pay(ctx, active, { subtotal: feeUnits, tax: 0, shipping: 0 }, now, { merchantInitiated: false });
    const info = active.resource.billing_info;
    if (paid && info) active = { ...active, resource: { ...active.resource, billing_info: { ...info, last_payment: { amount: moneyOf(feeUnits, active), time: paypalTime(now) } } } };
  }
  if (active.resource.billing_info) active.resource.billing_info.next_billing_time = paypalTime(start);
  await ctx.tx.save(active);
  // The buyer is there: the first cycle's payment is theirs, whatever later ones do.
  active = await runDueCycles(ctx, active, now, { firstByBuyer: true, plan });
  await raiseSubscriptionEvent(ctx, active, 'BILLING.SUBSCRIPTION.ACTIVATED', `Subscription ${record.id} activated.`, now);
  return active;
}

/** A fresh subscription's cycle executions: one per plan cycle, none run yet. */
export function freshExecutions(plan: PlanRecord, override: SubscriptionRecord['internal']['override'], options: { skipTrials?: boolean } = {}): CycleExecution[] {
  return plan.resource.billing_cycles.map((cycle) => {
    const terms = cycleTerms(plan, override, cycle.sequence) ?? cycle;
    const done = options.skipTrials && cycle.tenure_type === 'TRIAL' ? terms.total_cycles : 0;
    return { tenure_type: cycle.tenure_type, sequence: cycle.sequence, cycles_completed: done, cycles_remaining: terms.total_cycles - done, total_cycles: terms.total_cycles };
  });
}
