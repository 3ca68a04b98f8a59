import crypto from 'node:crypto';
import {
  CaptureStatus,
  IntervalUnit,
  PlanRequestStatus,
  ReasonCode,
  ResponseValidationError,
  SetupFeeFailureAction,
  SubscriptionsController,
  SubscriptionStatus,
  TenureType,
  type PlanRequest,
  type SubscriptionBillingCycle,
} from '@paypal/paypal-server-sdk';
import { money, type Money } from '@/lib/money';
import type { PlanPriceRequest, SubscriptionRequest, SubscriptionsApi } from '@/lib/payments/provider';
import type {
  InvoiceStatus,
  ProviderInvoice,
  ProviderInvoicePayment,
  ProviderSubscription,
  ProviderWallet,
  SubscriptionCheckout,
  SubscriptionStatus as BillfoldSubscriptionStatus,
} from '@/lib/payments/types';
import { SubscriptionChangeRefusedError } from '@/lib/payments/types';
import { call } from './calls';
import { PaypalApiError, type PaypalClient } from './client';
import { fromPaypalAmount, toPaypalAmount } from './currency';

/**
 * Subscriptions on PayPal (or the sandbox's stand-in): Catalog Products, Billing Plans and
 * Subscriptions v1, whose payments are Payments v1 "sales". PayPal has no customers: the
 * account a subscription bills is our reference in its `custom_id` (SubscriptionRequest.customerId),
 * which every read traces it back by. A PayPal plan is fixed with its price and its free trial,
 * so Billfold makes one per price and terms (`plansCarryTerms`). The buyer approves the
 * subscription in PayPal's window and PayPal takes every payment itself: there are no cards
 * here and no plan changes without the buyer (PayPal's revise, which needs their approval).
 *
 * PayPal keeps no invoices either. Each transaction of a subscription (a sale) is a paid invoice
 * to Billfold, and what failed renewals left owing (the outstanding balance) is one open invoice
 * (see `outstandingInvoice` for its id and how it settles).
 *
 * Calls: billing plans are made and subscriptions cancelled through the official SDK; the rest
 * goes through the REST caller. Creating a subscription cannot use the SDK, whose model demands
 * return and cancel URLs that a buyer approving in PayPal's popup never reaches; reads use plain
 * REST, as payments.ts does, because the webhook worker re-reads a subscription for every event
 * and the SDK's strict response checks have refused valid answers (shared/threats.md).
 */

// ---------------------------------------------------------------------------------------------
// PayPal's JSON, as the REST API writes it (statuses and units are the SDK's enums, whose values
// are PayPal's own strings)

export interface PaypalAmount {
  currency_code: string;
  value: string;
}

export interface PaypalFrequency {
  interval_unit: IntervalUnit;
  interval_count?: number;
}

export interface PaypalBillingCycle {
  tenure_type: TenureType;
  sequence: number;
  total_cycles?: number;
  frequency: PaypalFrequency;
  pricing_scheme?: { fixed_price?: PaypalAmount };
}

export interface PaypalCycleExecution {
  tenure_type: TenureType;
  sequence: number;
  cycles_completed: number;
  cycles_remaining?: number;
  total_cycles?: number;
}

/** GET /v1/billing/subscriptions/{id}?fields=plan,last_failed_payment, the parts read here. */
export interface PaypalSubscriptionReply {
  id: string;
  status: SubscriptionStatus;
  status_update_time?: string;
  plan_id: string;
  start_time?: string;
  quantity?: string;
  custom_id?: string;
  create_time?: string;
  subscriber?: { email_address?: string; payer_id?: string };
  billing_info?: {
    outstanding_balance: PaypalAmount;
    cycle_executions?: PaypalCycleExecution[];
    last_payment?: { amount: PaypalAmount; time: string };
    next_billing_time?: string;
    failed_payments_count?: number;
    last_failed_payment?: { amount: PaypalAmount; time: string; reason_code?: ReasonCode; next_payment_retry_time?: string };
  };
  /** The plan as this subscriber has it (`fields=plan`). */
  plan?: { billing_cycles?: PaypalBillingCycle[] };
  links?: { href: string; rel: string }[];
}

/** One entry of GET /v1/billing/subscriptions/{id}/transactions. */
export interface PaypalTransaction {
  id: string;
  status?: CaptureStatus;
  amount_with_breakdown: { gross_amount: PaypalAmount };
  time: string;
}

/** PayPal's v1 sale (GET /v1/payments/sale/{id}): a subscription's payment names it as its billing agreement. */
interface PaypalSale {
  id: string;
  billing_agreement_id?: string;
  state?: 'completed' | 'partially_refunded' | 'refunded' | 'pending' | 'denied';
}

/**
 * PayPal's v1 refund of a sale (GET /v1/payments/refund/{id}): a reversal has the same shape.
 * `total_refunded_amount` is what the sale had given back once this refund was made (PayPal's
 * refund-sale answer and the sandbox carry it); without it only this refund's `amount` is known.
 */
interface PaypalSaleRefund {
  id: string;
  sale_id?: string;
  amount?: { total: string; currency: string };
  /** v1's money here names its currency `currency`, not `currency_code`. */
  total_refunded_amount?: { value: string; currency: string };
}

// What every read asks for: the plan's cycles (trial and period lengths) and the last failed
// payment (what is owed and since when), which PayPal leaves out unless asked.
const READ_FIELDS = 'plan,last_failed_payment';

function amountOf(amount: PaypalAmount): Money {
  return fromPaypalAmount({ currencyCode: amount.currency_code, value: amount.value });
}

/** An amount as PayPal's REST JSON writes it (the SDK's model names its fields in camelCase). */
function paypalJsonAmount(amount: Money): PaypalAmount {
  const { currencyCode, value } = toPaypalAmount(amount);
  return { currency_code: currencyCode, value };
}

function dateOf(time: string | undefined): Date | null {
  return time ? new Date(time) : null;
}

/** RFC 3339 to the second, as PayPal's query parameters take it. */
function paypalTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// Calendar

const DAY_MS = 86_400_000;

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `count` intervals of `frequency` after `from`. Days and weeks are exact; months and years fall
 * on `anchorDay` (the day of the month the plan bills on), or the month's last day when it has
 * fewer, as PayPal bills: from 31 January, 28 February, then 31 March again.
 */
export function addIntervals(from: Date, frequency: PaypalFrequency, count: number, anchorDay = from.getUTCDate()): Date {
  const steps = (frequency.interval_count ?? 1) * count;
  if (frequency.interval_unit === IntervalUnit.Day) return new Date(from.getTime() + steps * DAY_MS);
  if (frequency.interval_unit === IntervalUnit.Week) return new Date(from.getTime() + steps * 7 * DAY_MS);
  const months = frequency.interval_unit === IntervalUnit.Month ? steps : steps * 12;
  const total = from.getUTCMonth() + months;
  const year = from.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(anchorDay, daysInMonth(year, month));
  return new Date(Date.UTC(year, month, day, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()));
}

// ---------------------------------------------------------------------------------------------
// A subscription's plan: its trial cycles, its regular cycle, the day it bills on

interface Schedule {
  /** The trial cycles in the order they run (Billfold's plans have one free trial at most). */
  trials: PaypalBillingCycle[];
  regular: PaypalBillingCycle;
  /** When the subscription started (start_time; PayPal starts the trial when the buyer approves, moments later). */
  start: Date;
  /** The day of the month its regular cycles bill on: the first regular billing's. */
  anchorDay: number;
}

/** When `trials` run out, counted from `from`. */
function afterTrials(from: Date, trials: PaypalBillingCycle[]): Date {
  return trials.reduce((at, cycle) => addIntervals(at, cycle.frequency, cycle.total_cycles ?? 1), from);
}

function scheduleOf(reply: PaypalSubscriptionReply): Schedule {
  const cycles = [...(reply.plan?.billing_cycles ?? [])].sort((a, b) => a.sequence - b.sequence);
  const regular = cycles.find((cycle) => cycle.tenure_type === TenureType.Regular);
  if (!regular) throw new Error(`PayPal subscription ${reply.id} came back without its plan's regular billing cycle (fields=plan)`);
  const trials = cycles.filter((cycle) => cycle.tenure_type === TenureType.Trial);
  const start = dateOf(reply.start_time ?? reply.create_time);
  if (!start) throw new Error(`PayPal subscription ${reply.id} came back without its start or create time`);
  return { trials, regular, start, anchorDay: afterTrials(start, trials).getUTCDate() };
}

/** The end of the regular period a payment at `paidAt` paid for. */
function periodPaidBy(paidAt: Date, schedule: Schedule): Date {
  return addIntervals(paidAt, schedule.regular.frequency, 1, schedule.anchorDay);
}

function executionsOf(reply: PaypalSubscriptionReply): PaypalCycleExecution[] {
  return reply.billing_info?.cycle_executions ?? [];
}

/**
 * Whether the subscriber is in a trial now. PayPal bills a cycle when it begins, and counts a
 * free trial cycle as completed then (sandbox/paypal/subscription-billing.ts does the same): so
 * a subscription is in its trial once a trial cycle has been counted and until the first
 * regular cycle is (paid or failed), which is when the trial ends.
 */
function inTrial(reply: PaypalSubscriptionReply): boolean {
  const executions = executionsOf(reply);
  const trialBegun = executions.some((execution) => execution.tenure_type === TenureType.Trial && execution.cycles_completed > 0);
  const regularBegun = executions.some((execution) => execution.tenure_type === TenureType.Regular && execution.cycles_completed > 0);
  return trialBegun && !regularBegun;
}

/** The trial still to run after `nextBilling` (the next trial cycle's start), cycle by cycle. */
function trialEndAfter(nextBilling: Date, reply: PaypalSubscriptionReply, trials: PaypalBillingCycle[]): Date {
  return trials.reduce((at, cycle) => {
    const completed = executionsOf(reply).find((execution) => execution.sequence === cycle.sequence)?.cycles_completed ?? 0;
    return addIntervals(at, cycle.frequency, Math.max((cycle.total_cycles ?? 1) - completed, 0));
  }, nextBilling);
}

// ---------------------------------------------------------------------------------------------
// PayPal's subscription in Billfold's words

const NOT_YET_APPROVED: readonly SubscriptionStatus[] = [SubscriptionStatus.ApprovalPending, SubscriptionStatus.Approved];
const ENDED: readonly SubscriptionStatus[] = [SubscriptionStatus.Cancelled, SubscriptionStatus.Expired];

function customerOf(reply: PaypalSubscriptionReply): string {
  if (!reply.custom_id) throw new Error(`PayPal subscription ${reply.id} has no custom_id naming a Billfold account: it was not made by Billfold`);
  return reply.custom_id;
}

function outstandingOf(reply: PaypalSubscriptionReply): Money | null {
  const balance = reply.billing_info?.outstanding_balance;
  return balance ? amountOf(balance) : null;
}

function owes(reply: PaypalSubscriptionReply): boolean {
  return (outstandingOf(reply)?.amount ?? 0) > 0;
}

/**
 * PayPal's status in Billfold's words:
 * - APPROVAL_PENDING, APPROVED: `incomplete` (the buyer has not approved; or has, and PayPal is
 *   about to activate it).
 * - ACTIVE: `past_due` while it owes an outstanding balance (PayPal adds every failed payment to
 *   it; a failure count left up after the merchant forgave the balance owes nothing); else
 *   `trialing` within its trial (see inTrial); else `active`.
 * - SUSPENDED: `unpaid` when suspended owing a balance (PayPal's payment failure threshold: it
 *   stops billing, as Stripe's subscription does once its retries are spent, and access ends
 *   until the balance is paid); `paused` when suspended with nothing owed (by the merchant).
 * - CANCELLED, EXPIRED: `canceled`.
 */
export function subscriptionStatusOf(reply: PaypalSubscriptionReply): BillfoldSubscriptionStatus {
  switch (reply.status) {
    case SubscriptionStatus.ApprovalPending:
    case SubscriptionStatus.Approved:
      return 'incomplete';
    case SubscriptionStatus.Active:
      if (owes(reply)) return 'past_due';
      return inTrial(reply) ? 'trialing' : 'active';
    case SubscriptionStatus.Suspended:
      return owes(reply) ? 'unpaid' : 'paused';
    case SubscriptionStatus.Cancelled:
    case SubscriptionStatus.Expired:
      return 'canceled';
    default:
      throw new Error(`PayPal subscription ${reply.id} has an unknown status ${String(reply.status)}`);
  }
}

function latest(...dates: (Date | null)[]): Date | null {
  return dates.reduce<Date | null>((newest, date) => (date && (!newest || date > newest) ? date : newest), null);
}

/**
 * The period the subscriber is in: paid for, in a trial, or (past due) being billed.
 * - Starting: the last billing, paid or failed, else the start (the trial's).
 * - Ending: PayPal's next billing while it is ACTIVE. Without one (CANCELLED, SUSPENDED, EXPIRED,
 *   or the last cycle of a finite plan), the end of what was last paid for: the last payment
 *   plus one regular period, else the trial's end. PayPal ends a cancelled subscription at once,
 *   and Billfold keeps the subscriber's access until that end.
 * Null until the buyer approved: nothing has started.
 */
function currentPeriodOf(reply: PaypalSubscriptionReply, schedule: Schedule): { start: Date | null; end: Date | null } {
  if (NOT_YET_APPROVED.includes(reply.status)) return { start: null, end: null };
  const info = reply.billing_info;
  const lastPaid = dateOf(info?.last_payment?.time);
  const nextBilling = dateOf(info?.next_billing_time);
  if (reply.status === SubscriptionStatus.Active && nextBilling) {
    return { start: latest(lastPaid, dateOf(info?.last_failed_payment?.time)) ?? schedule.start, end: nextBilling };
  }
  if (lastPaid) return { start: lastPaid, end: periodPaidBy(lastPaid, schedule) };
  if (schedule.trials.length > 0) return { start: schedule.start, end: afterTrials(schedule.start, schedule.trials) };
  return { start: schedule.start, end: null };
}

/**
 * The free trial, when the plan has one: from the start; until PayPal's next billing (the first
 * regular cycle) while in it, else the start plus the trial's length. None until the buyer
 * approved, as PayPal starts the trial then.
 */
function trialOf(reply: PaypalSubscriptionReply, schedule: Schedule): { start: Date | null; end: Date | null } {
  if (schedule.trials.length === 0 || NOT_YET_APPROVED.includes(reply.status)) return { start: null, end: null };
  const nextBilling = dateOf(reply.billing_info?.next_billing_time);
  const end = reply.status === SubscriptionStatus.Active && nextBilling && inTrial(reply) ? trialEndAfter(nextBilling, reply, schedule.trials) : afterTrials(schedule.start, schedule.trials);
  return { start: schedule.start, end };
}

/**
 * The PayPal account renewals are drawn from: the buyer who approved (APPROVED onwards). Before
 * that, `subscriber` is at most the email Billfold gave, with no PayPal account behind it yet.
 */
function walletOf(reply: PaypalSubscriptionReply): ProviderWallet | null {
  const payer = reply.subscriber;
  if (reply.status === SubscriptionStatus.ApprovalPending || !payer?.payer_id) return null;
  return { id: payer.payer_id, email: payer.email_address ?? null };
}

function createdOf(reply: PaypalSubscriptionReply): Date {
  const created = dateOf(reply.create_time);
  if (!created) throw new Error(`PayPal subscription ${reply.id} came back without its create_time`);
  return created;
}

function quantityOf(reply: PaypalSubscriptionReply): number {
  const quantity = reply.quantity ?? '1';
  if (!/^\d+$/.test(quantity)) throw new Error(`PayPal subscription ${reply.id} has a quantity of ${quantity}, not a whole number`);
  return Number(quantity);
}

/** The execution of the plan's regular cycle, once PayPal reports it. */
function regularExecutionOf(reply: PaypalSubscriptionReply, schedule: Schedule): PaypalCycleExecution | undefined {
  return executionsOf(reply).find((execution) => execution.sequence === schedule.regular.sequence);
}

/**
 * Whether the subscription ends when its paid period does. Billfold's plans bill until
 * cancelled (total_cycles 0), and PayPal's cancel ends a subscription at once; so cancelling at
 * the period end sets this subscriber's regular cycles to those already billed
 * (setCancelAtPeriodEnd), and PayPal itself EXPIRES it when the last one's period is over. An
 * ACTIVE subscription whose regular cycles are all billed is one set to end.
 */
function endsWithPeriod(reply: PaypalSubscriptionReply, schedule: Schedule): boolean {
  const execution = regularExecutionOf(reply, schedule);
  return reply.status === SubscriptionStatus.Active && !!execution?.total_cycles && execution.cycles_completed >= execution.total_cycles;
}

/** A PayPal subscription (read with `fields=plan,last_failed_payment`) in Billfold's words. */
export function subscriptionFrom(reply: PaypalSubscriptionReply): ProviderSubscription {
  const schedule = scheduleOf(reply);
  const period = currentPeriodOf(reply, schedule);
  const trial = trialOf(reply, schedule);
  const changedAt = dateOf(reply.status_update_time);
  const ending = endsWithPeriod(reply, schedule);
  return {
    provider: 'paypal',
    id: reply.id,
    customerId: customerOf(reply),
    status: subscriptionStatusOf(reply),
    // A PayPal subscription is one plan at one quantity: the subscription is its own item.
    itemId: reply.id,
    price: { id: reply.plan_id, lookupKey: null },
    quantity: quantityOf(reply),
    created: createdOf(reply),
    currentPeriodStart: period.start,
    currentPeriodEnd: period.end,
    cancelAtPeriodEnd: ending,
    cancelAt: ending ? period.end : null,
    canceledAt: reply.status === SubscriptionStatus.Cancelled ? changedAt : null,
    endedAt: ENDED.includes(reply.status) ? changedAt : null,
    trialStart: trial.start,
    trialEnd: trial.end,
    paymentMethod: null,
    wallet: walletOf(reply),
    latestInvoiceId: null,
    pendingCardUpdateId: null,
    changeCarrierId: null,
    pendingChange: null,
  };
}

function approveLinkOf(reply: PaypalSubscriptionReply): string | null {
  return reply.links?.find((link) => link.rel === 'approve')?.href ?? null;
}

/** The subscription and, while the buyer has not approved it, the approval PayPal's window asks for. */
export function checkoutFrom(reply: PaypalSubscriptionReply): SubscriptionCheckout {
  const subscription = subscriptionFrom(reply);
  if (reply.status !== SubscriptionStatus.ApprovalPending) return { subscription, pending: null };
  return { subscription, pending: { step: 'approval', handoff: { kind: 'approval', providerOrderId: reply.id, approveUrl: approveLinkOf(reply) } } };
}

// ---------------------------------------------------------------------------------------------
// Invoices: PayPal's transactions, and the outstanding balance

/** Transactions that took no money: a failed attempt is part of the outstanding balance instead. */
const UNPAID: readonly CaptureStatus[] = [CaptureStatus.Declined, CaptureStatus.Failed];

/** PayPal's reasons for a failed subscription payment, as the subscriber is told them. */
const FAILURE_REASONS: Record<ReasonCode, string> = {
  [ReasonCode.PaymentDenied]: 'PayPal denied the payment',
  [ReasonCode.InternalServerError]: 'PayPal could not process the payment',
  [ReasonCode.PayeeAccountRestricted]: 'the merchant’s PayPal account cannot receive payments',
  [ReasonCode.PayerAccountRestricted]: 'the subscriber’s PayPal account is restricted',
  [ReasonCode.PayerCannotPay]: 'the subscriber’s PayPal account cannot pay',
  [ReasonCode.SendingLimitExceeded]: 'the subscriber’s PayPal account reached its sending limit',
  [ReasonCode.TransactionReceivingLimitExceeded]: 'the merchant’s PayPal account reached its receiving limit',
  [ReasonCode.CurrencyMismatch]: 'PayPal could not take the payment in the subscription’s currency',
};

function failureReason(code: ReasonCode | undefined): string {
  if (!code) return 'PayPal could not take the payment';
  return FAILURE_REASONS[code] ?? `PayPal could not take the payment (${String(code)})`;
}

const OUTSTANDING_SEPARATOR = ':outstanding-after:';
/** Before any payment: what a subscription owes when its very first charge failed (after a trial). */
const NO_PAYMENT_YET = 'start';

/** The subscription an outstanding-balance invoice id names, or null for a transaction id. */
function subscriptionOfOutstanding(invoiceId: string): string | null {
  const at = invoiceId.indexOf(OUTSTANDING_SEPARATOR);
  return at > 0 ? invoiceId.slice(0, at) : null;
}

function byTime(a: { time: string }, b: { time: string }): number {
  return Date.parse(a.time) - Date.parse(b.time);
}

interface InvoiceContext {
  reply: PaypalSubscriptionReply;
  customerId: string;
  schedule: Schedule;
}

/**
 * What a transaction's status says went back: all of it (REFUNDED), nothing (COMPLETED and the
 * rest), or some amount it does not name (PARTIALLY_REFUNDED: null, the refund's own event says
 * how much, see retrieveInvoiceRefund).
 */
function refundedOf(transaction: PaypalTransaction, gross: Money): Money | null {
  if (transaction.status === CaptureStatus.Refunded) return gross;
  if (transaction.status === CaptureStatus.PartiallyRefunded) return null;
  return money(0, gross.currency);
}

/**
 * A transaction as a paid invoice (refunded ones too: the money was collected, and stays paid,
 * with what went back as its refunded amount). A PENDING one (an eCheck) is open, its payment
 * processing, until PayPal completes it. PayPal's subscriptions have no invoice documents:
 * Billfold renders receipts itself.
 */
function transactionInvoice(context: InvoiceContext, transaction: PaypalTransaction, billingReason: string): ProviderInvoice {
  const gross = amountOf(transaction.amount_with_breakdown.gross_amount);
  const nothing = money(0, gross.currency);
  const pending = transaction.status === CaptureStatus.Pending;
  const time = new Date(transaction.time);
  return {
    provider: 'paypal',
    id: transaction.id,
    customerId: context.customerId,
    subscriptionId: context.reply.id,
    number: null,
    status: pending ? 'open' : 'paid',
    amountDue: gross,
    amountPaid: pending ? nothing : gross,
    amountRemaining: pending ? gross : nothing,
    amountRefunded: refundedOf(transaction, gross),
    created: time,
    dueDate: null,
    paidAt: pending ? null : time,
    periodStart: time,
    periodEnd: periodPaidBy(time, context.schedule),
    hostedInvoiceUrl: null,
    invoicePdf: null,
    billingReason,
    attemptCount: 1,
    nextPaymentAttempt: null,
    payment: { id: transaction.id, status: pending ? 'processing' : 'succeeded', savesCard: false, card: null, failureMessage: null },
  };
}

/** When PayPal will next try to collect what is owed: its retry, else the next cycle (auto_bill_outstanding); never while it is not ACTIVE. */
function nextCollection(reply: PaypalSubscriptionReply): Date | null {
  if (reply.status !== SubscriptionStatus.Active) return null;
  const info = reply.billing_info;
  return dateOf(info?.last_failed_payment?.next_payment_retry_time) ?? dateOf(info?.next_billing_time);
}

/**
 * What failed renewals left owing, as one invoice. PayPal keeps only its running total (the
 * outstanding balance) and its last failed payment, so:
 *
 * - Id: `<subscription id>:outstanding-after:<id of the last payment before the last failure>`
 *   (`start` when nothing was paid yet). Consecutive failures add to one balance and keep one
 *   id, since no payment comes between them; an id made of the last failure's time would change
 *   with every failure and leave the earlier invoice open in Billfold for good, as PayPal keeps
 *   no record of earlier failures. After a payment, the next failure owes a new balance, under
 *   a new id.
 * - Open while the balance is above zero: amount due and remaining = the balance, attempts =
 *   PayPal's consecutive failures, failure = the last one's reason. Uncollectible when the
 *   subscription has ended owing it: PayPal bills a cancelled or expired subscription nothing more.
 * - Settled when the balance is back to zero: PayPal still reports the last failed payment, so
 *   the same id is derived again, now `void`: collected by the first payment after that failure
 *   (the next cycle with auto_bill_outstanding, or the merchant's capture), whose own invoice
 *   counts the money, or forgiven when no payment came after it. Its amount is then what PayPal
 *   last failed to collect, which with auto_bill_outstanding is the balance owed at that failure.
 *
 * A balance settled and followed by a new failure before Billfold re-read the subscription
 * cannot be reported any more (its anchor payment is no longer the last before the last
 * failure): the webhook of the settling payment re-reads it first, in the ordinary course.
 */
function outstandingInvoice(context: InvoiceContext, payments: PaypalTransaction[]): ProviderInvoice | null {
  const info = context.reply.billing_info;
  const failed = info?.last_failed_payment;
  if (!info || !failed) return null;
  const failedAt = new Date(failed.time);
  const anchor = payments.filter((payment) => new Date(payment.time) < failedAt).at(-1);
  const id = `${context.reply.id}${OUTSTANDING_SEPARATOR}${anchor?.id ?? NO_PAYMENT_YET}`;
  const balance = amountOf(info.outstanding_balance);
  const base = {
    provider: 'paypal' as const,
    id,
    customerId: context.customerId,
    subscriptionId: context.reply.id,
    number: null,
    created: failedAt,
    dueDate: null,
    periodStart: null,
    periodEnd: null,
    hostedInvoiceUrl: null,
    invoicePdf: null,
    billingReason: 'subscription_cycle',
    attemptCount: Math.max(info.failed_payments_count ?? 0, 1),
  };
  if (balance.amount > 0) return { ...base, ...owing(context.reply, id, balance, failed.reason_code) };
  // PayPal's times are to the second: a payment in the failure's own second came after it (a
  // failed attempt is no payment), as when the subscriber pays the balance just after a refusal.
  return { ...base, ...settled(id, amountOf(failed.amount), payments.find((payment) => new Date(payment.time) >= failedAt)) };
}

type BalanceState = Pick<ProviderInvoice, 'status' | 'amountDue' | 'amountPaid' | 'amountRemaining' | 'amountRefunded' | 'paidAt' | 'nextPaymentAttempt' | 'payment'>;

/** A balance still owed: open while PayPal may collect it, uncollectible once the subscription ended. */
function owing(reply: PaypalSubscriptionReply, id: string, balance: Money, reason: ReasonCode | undefined): BalanceState {
  const status: InvoiceStatus = ENDED.includes(reply.status) ? 'uncollectible' : 'open';
  return {
    status,
    amountDue: balance,
    amountPaid: money(0, balance.currency),
    amountRemaining: balance,
    amountRefunded: money(0, balance.currency),
    paidAt: null,
    nextPaymentAttempt: status === 'open' ? nextCollection(reply) : null,
    payment: { id, status: 'requires_payment_method', savesCard: false, card: null, failureMessage: failureReason(reason) },
  };
}

/**
 * A balance back at zero, void either way: forgiven when no payment came after the last failure,
 * or collected by the first payment after it (its `payment`), whose own invoice holds the money.
 * Counting it here too would count it twice: PayPal's transaction is the payment of record.
 */
function settled(id: string, owed: Money, settledBy: PaypalTransaction | undefined): BalanceState {
  const nothing = money(0, owed.currency);
  const payment: ProviderInvoicePayment = settledBy
    ? { id: settledBy.id, status: 'succeeded', savesCard: false, card: null, failureMessage: null }
    : { id, status: 'canceled', savesCard: false, card: null, failureMessage: null };
  return { status: 'void', amountDue: owed, amountPaid: nothing, amountRemaining: nothing, amountRefunded: nothing, paidAt: null, nextPaymentAttempt: null, payment };
}

/**
 * Every invoice of a subscription, oldest first: each of its transactions that took (or is
 * taking) money, and the outstanding balance when there is or was one. The first payment is
 * `subscription_create` when the buyer paid it on approving (no trial); every later one, and a
 * trial's first charge, is a renewal (`subscription_cycle`), as Stripe names them.
 */
export function invoicesFrom(reply: PaypalSubscriptionReply, transactions: PaypalTransaction[]): ProviderInvoice[] {
  const context: InvoiceContext = { reply, customerId: customerOf(reply), schedule: scheduleOf(reply) };
  const payments = transactions.filter((transaction) => !transaction.status || !UNPAID.includes(transaction.status)).sort(byTime);
  const paidOnApproval = context.schedule.trials.length === 0;
  const invoices = payments.map((payment, index) => transactionInvoice(context, payment, index === 0 && paidOnApproval ? 'subscription_create' : 'subscription_cycle'));
  const outstanding = outstandingInvoice(context, payments);
  if (outstanding) invoices.push(outstanding);
  return invoices.sort((a, b) => a.created.getTime() - b.created.getTime());
}

// ---------------------------------------------------------------------------------------------
// Plans

/** The longest cycle PayPal bills, per unit (its interval_count limits). */
const MAX_INTERVAL_COUNT: Record<PlanPriceRequest['interval'], number> = { day: 365, week: 52, month: 12, year: 1 };
const INTERVAL_UNITS: Record<PlanPriceRequest['interval'], IntervalUnit> = { day: IntervalUnit.Day, week: IntervalUnit.Week, month: IntervalUnit.Month, year: IntervalUnit.Year };
/** A trial cycle runs at most 999 times (PayPal's total_cycles). */
const MAX_TRIAL_CYCLES = 999;

/**
 * Consecutive failed payments after which PayPal suspends the subscription. 0 (PayPal's
 * default) never suspends: PayPal would keep billing every cycle into a growing balance while
 * the subscriber keeps access. 1 would suspend on a single failed renewal. At 2, a subscriber
 * whose renewal fails has until the next one (and PayPal's own retries in between) to fix their
 * PayPal funding; if that one fails too, the subscription is suspended owing both, and Billfold
 * never delivers more than one period unpaid.
 */
const PAYMENT_FAILURE_THRESHOLD = 2;

// PayPal's limits on a plan's name and description, and on a product's name.
const NAME_MAX = 127;

/**
 * A free trial of `days` as PayPal's cycles: one DAY cycle of `days` days, or, past PayPal's
 * 365 days a cycle, the longest whole number of days that divides it, run as many times.
 */
function trialCycle(days: number): SubscriptionBillingCycle {
  let length = Math.min(days, MAX_INTERVAL_COUNT.day);
  while (days % length !== 0) length -= 1;
  const cycles = days / length;
  if (cycles > MAX_TRIAL_CYCLES) throw new Error(`PayPal cannot give a free trial of ${days} days: it runs a trial cycle at most ${MAX_TRIAL_CYCLES} times`);
  // A free trial has no pricing scheme.
  return { tenureType: TenureType.Trial, sequence: 1, totalCycles: cycles, frequency: { intervalUnit: IntervalUnit.Day, intervalCount: length } };
}

function regularCycle(price: PlanPriceRequest, sequence: number): SubscriptionBillingCycle {
  const limit = MAX_INTERVAL_COUNT[price.interval];
  if (!Number.isInteger(price.intervalCount) || price.intervalCount < 1 || price.intervalCount > limit) {
    throw new Error(`PayPal bills a plan at most every 365 days, 52 weeks, 12 months or 1 year; price ${price.lookupKey} is billed every ${price.intervalCount} ${price.interval}(s)`);
  }
  return {
    tenureType: TenureType.Regular,
    sequence,
    // Until cancelled.
    totalCycles: 0,
    frequency: { intervalUnit: INTERVAL_UNITS[price.interval], intervalCount: price.intervalCount },
    pricingScheme: { fixedPrice: toPaypalAmount(price.amount) },
  };
}

function termsOf(price: PlanPriceRequest): string {
  const trial = price.trialDays ? `, after ${price.trialDays} free days` : '';
  return `${toPaypalAmount(price.amount).value} ${price.amount.currency} every ${price.intervalCount} ${price.interval}${trial}`;
}

/**
 * The plan for a price on its terms. Its name is our product's (PayPal shows it to the buyer on
 * its consent page); its description names the price's lookup key and terms, for the merchant.
 */
export function planRequestOf(price: PlanPriceRequest, productId: string): PlanRequest {
  const trial = price.trialDays && price.trialDays > 0 ? [trialCycle(price.trialDays)] : [];
  return {
    productId,
    name: price.productName.slice(0, NAME_MAX),
    description: `${price.lookupKey}: ${termsOf(price)}`.slice(0, NAME_MAX),
    status: PlanRequestStatus.Active,
    billingCycles: [...trial, regularCycle(price, trial.length + 1)],
    paymentPreferences: {
      // What failed renewals left owing is collected with the next cycle.
      autoBillOutstanding: true,
      paymentFailureThreshold: PAYMENT_FAILURE_THRESHOLD,
      setupFeeFailureAction: SetupFeeFailureAction.Cancel,
    },
  };
}

/**
 * The PayPal-Request-Id of a price's plan on its terms: the same terms (amount, currency,
 * interval, trial) answer the same plan on a retry, other terms make another plan. PayPal forgets
 * the id after 72 hours; Billfold records the plan it got (provider_prices), so a later call for
 * the same terms does not happen.
 */
export function planRequestId(price: PlanPriceRequest): string {
  const terms = [price.amount.amount, price.amount.currency, price.interval, price.intervalCount, price.trialDays ?? 0].join(' ');
  return `catalog:plan:${price.priceId}:${crypto.createHash('sha256').update(terms).digest('hex').slice(0, 16)}`;
}

/**
 * The one PayPal catalog product every Billfold plan belongs to, with an id of our choosing
 * (6–50 letters, digits, `-`, `_`), so it is found for good even after PayPal forgets the
 * request id that made it. One product rather than one per plan product: PayPal revises a
 * subscription only to a plan of the same product, and a subscriber may move between any plans
 * in their currency (Starter to Pro). Each plan's name says which of ours it is.
 */
export const PAYPAL_PLANS_PRODUCT = { id: 'billfold-plans', name: 'Subscription plans' };

/** The id in an answer the SDK refused to read, when PayPal answered success (it made the object). */
function idInRefusedAnswer(error: unknown): string | null {
  if (!(error instanceof ResponseValidationError) || error.statusCode >= 300 || typeof error.body !== 'string') return null;
  try {
    const parsed = JSON.parse(error.body) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The API

/** Why Billfold cancels at PayPal (PayPal wants a reason, shown in its dashboard). */
const CANCEL_REASON = 'Ended in Billfold';

/** Subscriptions on PayPal through the given client (the app's, or a test's pointed at its own sandbox). */
export function paypalSubscriptions({ sdk, rest, webBase }: PaypalClient): SubscriptionsApi {
  const sdkSubscriptions = new SubscriptionsController(sdk);

  // The reply each subscription handed out was made from, so its invoices are listed from the
  // same read (one GET fewer a webhook) and agree with the state the caller records.
  const replies = new WeakMap<ProviderSubscription, PaypalSubscriptionReply>();

  function answer(reply: PaypalSubscriptionReply): ProviderSubscription {
    const subscription = subscriptionFrom(reply);
    replies.set(subscription, reply);
    return subscription;
  }

  function checkoutOf(reply: PaypalSubscriptionReply): SubscriptionCheckout {
    const checkout = checkoutFrom(reply);
    replies.set(checkout.subscription, reply);
    return checkout;
  }

  async function read(id: string): Promise<PaypalSubscriptionReply> {
    return rest.request<PaypalSubscriptionReply>('GET', `/v1/billing/subscriptions/${encodeURIComponent(id)}?fields=${READ_FIELDS}`);
  }

  /**
   * Every transaction of the subscription since it was made, through its last payment or
   * failure: PayPal wants a window, and a subscription's own billing may be ahead of our clock
   * (a sandbox test moving its time).
   */
  async function transactionsOf(reply: PaypalSubscriptionReply): Promise<PaypalTransaction[]> {
    const info = reply.billing_info;
    const until = latest(new Date(), dateOf(info?.last_payment?.time), dateOf(info?.last_failed_payment?.time)) ?? new Date();
    const query = new URLSearchParams({ start_time: paypalTime(createdOf(reply)), end_time: paypalTime(new Date(until.getTime() + DAY_MS)) });
    const list = await rest.request<{ transactions?: PaypalTransaction[] }>('GET', `/v1/billing/subscriptions/${encodeURIComponent(reply.id)}/transactions?${query}`);
    return list.transactions ?? [];
  }

  async function invoicesOf(subscriptionId: string, as?: ProviderSubscription): Promise<ProviderInvoice[]> {
    const known = as?.id === subscriptionId ? replies.get(as) : undefined;
    const reply = known ?? (await read(subscriptionId));
    return invoicesFrom(reply, await transactionsOf(reply));
  }

  async function subscriptionOfSale(saleId: string): Promise<string> {
    const sale = await rest.request<PaypalSale>('GET', `/v1/payments/sale/${encodeURIComponent(saleId)}`);
    if (!sale.billing_agreement_id) throw new Error(`PayPal sale ${saleId} pays no subscription (it names no billing agreement)`);
    return sale.billing_agreement_id;
  }

  /** Our product at PayPal, made the first time (a product already there under our id is ours). */
  async function ensureProduct(): Promise<string> {
    const { id, name } = PAYPAL_PLANS_PRODUCT;
    const body = { id, name, type: 'SERVICE' };
    try {
      await rest.request('POST', '/v1/catalogs/products', { body, requestId: `catalog:product:${id}` });
    } catch (error) {
      if (!(error instanceof PaypalApiError && error.issue === 'DUPLICATE_RESOURCE_IDENTIFIER')) throw error;
    }
    return id;
  }

  async function createPlan(body: PlanRequest, requestId: string): Promise<string> {
    try {
      const plan = await call('plans.create', { repeatable: true }, () => sdkSubscriptions.createBillingPlan({ body, paypalRequestId: requestId, prefer: 'return=representation' }));
      if (!plan.id) throw new Error(`PayPal answered the plan for ${body.description ?? body.name} without its id`);
      return plan.id;
    } catch (error) {
      // The SDK checks answers strictly and has refused valid ones: PayPal made the plan all the
      // same, and its answer names it.
      const id = idInRefusedAnswer(error);
      if (id) return id;
      throw error;
    }
  }

  /**
   * PayPal's cancel takes no PayPal-Request-Id; reading first makes a repeat harmless. A
   * subscription never approved cannot be cancelled at PayPal (lib/billing disowns it), and one
   * already ended has nothing to cancel: both come back as they are.
   */
  async function cancelNow(id: string): Promise<ProviderSubscription> {
    const current = await read(id);
    if (current.status !== SubscriptionStatus.Active && current.status !== SubscriptionStatus.Suspended) return answer(current);
    try {
      await call('subscriptions.cancel', { repeatable: false }, () => sdkSubscriptions.cancelSubscription({ id, body: { reason: CANCEL_REASON } }));
    } catch (error) {
      // Ended in between (another request, the subscriber at PayPal): the read below says how.
      if (!(error instanceof PaypalApiError && error.issue === 'SUBSCRIPTION_STATUS_INVALID')) throw error;
    }
    return answer(await read(id));
  }

  /**
   * Collects the outstanding balance with PayPal's capture, under the caller's PayPal-Request-Id
   * (one per collection it asks for). PayPal accepts the capture (202) before the funding
   * answers: the read after says how it went.
   */
  async function captureOutstanding(current: PaypalSubscriptionReply, idempotencyKey: string): Promise<PaypalSubscriptionReply> {
    const owed = outstandingOf(current);
    if (!owed || owed.amount === 0) return current;
    const body = { note: 'Outstanding balance', capture_type: 'OUTSTANDING_BALANCE', amount: paypalJsonAmount(owed) };
    try {
      await rest.request('POST', `/v1/billing/subscriptions/${encodeURIComponent(current.id)}/capture`, { body, requestId: idempotencyKey });
    } catch (error) {
      // Settled in between (PayPal's own retry, the next cycle, another tab): the read says so.
      if (!(error instanceof PaypalApiError && error.issue === 'ZERO_OUTSTANDING_BALANCE')) throw error;
    }
    return read(current.id);
  }

  /**
   * Carries on a subscription PayPal suspended for failed payments, once nothing is owed: the
   * balance was just collected (`owedBefore`), or PayPal still counts the failures (a retry after
   * the capture went through but the activation did not). One suspended for another reason stays so.
   */
  async function reactivate(current: PaypalSubscriptionReply, owedBefore: boolean): Promise<PaypalSubscriptionReply> {
    const suspendedForFailures = current.status === SubscriptionStatus.Suspended && (owedBefore || (current.billing_info?.failed_payments_count ?? 0) > 0);
    if (!suspendedForFailures || owes(current)) return current;
    try {
      await rest.request('POST', `/v1/billing/subscriptions/${encodeURIComponent(current.id)}/activate`, { body: { reason: 'The outstanding balance was paid.' } });
    } catch (error) {
      if (!(error instanceof PaypalApiError && error.issue === 'SUBSCRIPTION_STATUS_INVALID')) throw error;
    }
    return read(current.id);
  }

  return {
    name: 'paypal',
    startsWith: 'approval',
    plansCarryTerms: true,
    cancelEndsTrialsNow: true,

    async ensurePlanPrice(price) {
      const productId = await ensureProduct();
      return createPlan(planRequestOf(price, productId), planRequestId(price));
    },

    async createSubscription(request: SubscriptionRequest, idempotencyKey) {
      // The plan carries the trial (request.trialDays is for providers that give it per
      // subscription). PayPal keeps no metadata; custom_id is our account reference, by which
      // every later read, payment and webhook is traced back to the account. The buyer approves
      // in the JS SDK's popup: no return or cancel URL is ever reached. SUBSCRIBE_NOW: the
      // approval activates it at once, with no step of ours after.
      const body = {
        plan_id: request.priceId,
        custom_id: request.customerId,
        subscriber: { email_address: request.email },
        ...(request.startAt ? { start_time: paypalTime(request.startAt) } : {}),
        application_context: { shipping_preference: 'NO_SHIPPING', user_action: 'SUBSCRIBE_NOW' },
      };
      const created = await rest.request<{ id?: string }>('POST', '/v1/billing/subscriptions', { body, requestId: idempotencyKey });
      if (!created?.id) throw new Error(`PayPal answered the subscription for ${request.customerId} without its id`);
      return checkoutOf(await read(created.id));
    },

    async retrieveSubscription(id) {
      return answer(await read(id));
    },

    async retrieveSubscriptionCheckout(id) {
      return checkoutOf(await read(id));
    },

    cancelSubscriptionNow: (id) => cancelNow(id),

    async setCancelAtPeriodEnd(id, cancel) {
      // PayPal's PATCH takes no PayPal-Request-Id: it sets a value, so a repeat sets it again.
      const current = await read(id);
      const schedule = scheduleOf(current);
      if (current.status !== SubscriptionStatus.Active || endsWithPeriod(current, schedule) === cancel) return answer(current);
      // A free trial cannot be cut short of the regular cycles its plan has: it ends now (nothing was charged).
      if (cancel && inTrial(current)) return cancelNow(id);
      const billed = regularExecutionOf(current, schedule)?.cycles_completed ?? 0;
      const path = `/plan/billing_cycles/@sequence==${schedule.regular.sequence}/total_cycles`;
      try {
        await rest.request('PATCH', `/v1/billing/subscriptions/${encodeURIComponent(id)}`, { body: [{ op: 'replace', path, value: cancel ? billed : 0 }] });
      } catch (error) {
        // Cycles that have all run cannot be given more: the subscription ends as set.
        if (error instanceof PaypalApiError && error.issue === 'BILLING_CYCLE_EXECUTION_COMPLETED') {
          throw new SubscriptionChangeRefusedError('paypal', 'PayPal does not let a subscription that is set to end carry on. It stays active until the end of the period you paid for; you can subscribe again then.', 'resume_refused');
        }
        throw error;
      }
      return answer(await read(id));
    },

    async retrieveInvoice(id) {
      const balanceOf = subscriptionOfOutstanding(id);
      const subscriptionId = balanceOf ?? (await subscriptionOfSale(id));
      const invoice = (await invoicesOf(subscriptionId)).find((candidate) => candidate.id === id);
      if (invoice) return invoice;
      if (balanceOf) throw new Error(`PayPal no longer reports the balance ${id}: a payment came after it and a later payment failed, and PayPal keeps only the last failure`);
      throw new Error(`PayPal lists no payment ${id} among the transactions of subscription ${subscriptionId}`);
    },

    invoicesOf,

    async retrieveInvoiceRefund(refundId) {
      const refund = await rest.request<PaypalSaleRefund>('GET', `/v1/payments/refund/${encodeURIComponent(refundId)}`);
      if (!refund.sale_id) throw new Error(`PayPal refund ${refundId} names no sale`);
      // A refund without its running total still proves at least its own amount went back.
      const total = refund.total_refunded_amount ?? (refund.amount ? { currency: refund.amount.currency, value: refund.amount.total } : null);
      if (!total) throw new Error(`PayPal refund ${refundId} came back without its amount`);
      return { invoiceId: refund.sale_id, totalRefunded: amountOf({ currency_code: total.currency, value: total.value }) };
    },

    cards: null,
    priceChanges: null,
    wallets: {
      // PayPal's automatic payments, where a buyer changes how each subscription is paid.
      fundingUrl: `${webBase}/myaccount/autopay/`,
      async collectOutstanding(id, idempotencyKey) {
        const current = await read(id);
        if (current.status !== SubscriptionStatus.Active && current.status !== SubscriptionStatus.Suspended) return answer(current);
        return answer(await reactivate(await captureOutstanding(current, idempotencyKey), owes(current)));
      },
      async refundPayment(invoice, idempotencyKey) {
        // A subscription's payment is a v1 sale: refunded whole when the body names no amount.
        const path = `/v1/payments/sale/${encodeURIComponent(invoice.id)}`;
        const sale = await rest.request<PaypalSale>('GET', path);
        if (sale.state === 'refunded') return;
        if (sale.state !== 'completed') throw new Error(`PayPal sale ${invoice.id} is ${sale.state ?? 'in an unknown state'}, not completed: it is not refunded whole`);
        await rest.request('POST', `${path}/refund`, { body: {}, requestId: idempotencyKey });
      },
    },
    revisions: {
      async revise(subscription, priceId, urls) {
        // PayPal's revise takes no PayPal-Request-Id and changes nothing until the buyer approves:
        // a repeat only asks again.
        const body = { plan_id: priceId, application_context: { shipping_preference: 'NO_SHIPPING', return_url: urls.returnUrl, cancel_url: urls.cancelUrl } };
        const answer = await rest.request<{ links?: { href: string; rel: string }[] }>('POST', `/v1/billing/subscriptions/${encodeURIComponent(subscription.id)}/revise`, { body });
        const approveUrl = answer.links?.find((link) => link.rel === 'approve')?.href;
        if (!approveUrl) throw new Error(`PayPal answered the revision of ${subscription.id} without an approve link`);
        return { approveUrl };
      },
    },
  };
}
