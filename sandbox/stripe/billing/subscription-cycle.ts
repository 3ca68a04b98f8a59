import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import { previousAttributes } from '../events';
import { publicView } from '../expand';
import { randomToken } from '../ids';
import type { SandboxInvoice } from '../resources/invoices';
import type { SandboxPaymentIntent } from '../resources/payment-intents';
import type { SandboxSubscription } from '../resources/subscriptions';
import { customerTime } from './clock';
import {
  announce,
  buildInvoice,
  collectInvoice,
  createInvoice,
  customerIdOf,
  finalizeInvoice,
  invoicesOfSubscription,
  stopAutomaticCollection,
  subscriptionIdOf,
  voidInvoice,
  type DraftInvoice,
} from './invoicing';
import { fromInvoiceItem, periodLine, ProductNames, prorationLine, toInvoiceItem, type BillableLine } from './lines';
import { nextBoundary, recurrenceOf } from './periods';
import { endScheduleOf, scheduledItemsAt } from './schedules';
import { billingSettings } from './settings';

/**
 * What time does to a subscription: trials ending, periods renewing, scheduled cancellations,
 * incomplete subscriptions expiring, and how invoice outcomes move its status
 * (incomplete → active, active → past_due → canceled | unpaid, past_due → active).
 */

/** Statuses in which nothing more happens to a subscription. */
export const ENDED: Stripe.Subscription.Status[] = ['canceled', 'incomplete_expired'];
/** How long a first invoice may stay unpaid before the subscription expires, as at Stripe. */
export const INCOMPLETE_WINDOW = 23 * 3600;
/** Renewal invoices stay drafts this long before they are finalized and charged, as at Stripe. */
export const DRAFT_WINDOW = 3600;
/** `customer.subscription.trial_will_end` comes this long before the trial ends. */
export const TRIAL_WILL_END_NOTICE = 3 * 86_400;
/** `invoice.upcoming` comes this long before a renewal (the Dashboard's default setting). */
export const UPCOMING_NOTICE = 3 * 86_400;

export function currentPeriod(subscription: Stripe.Subscription): { start: number; end: number } {
  const item = subscription.items.data[0];
  if (!item) throw new Error(`subscription ${subscription.id} has no items`);
  return { start: item.current_period_start, end: item.current_period_end };
}

/** The period after the current one, on the billing cycle anchor's grid (for `items`' interval). */
export function nextPeriod(subscription: Stripe.Subscription, items = subscription.items.data): { start: number; end: number } {
  const { end } = currentPeriod(subscription);
  const first = items[0];
  if (!first) throw new Error(`subscription ${subscription.id} has no items`);
  return { start: end, end: nextBoundary(subscription.billing_cycle_anchor, recurrenceOf(first.price), end) };
}

export function itemsInPeriod(items: Stripe.SubscriptionItem[], period: { start: number; end: number }): Stripe.SubscriptionItem[] {
  return items.map((item) => ({ ...item, current_period_start: period.start, current_period_end: period.end }));
}

export function withItems(subscription: SandboxSubscription, items: Stripe.SubscriptionItem[]): SandboxSubscription {
  return { ...subscription, items: { ...subscription.items, data: items } };
}

/** Saves a subscription and, when anything public changed, sends `customer.subscription.updated`. */
export async function saveSubscription(ctx: RequestContext, before: SandboxSubscription, after: SandboxSubscription): Promise<SandboxSubscription> {
  await ctx.tx.save(after);
  if (Object.keys(publicView(previousAttributes(before, after))).length > 0) await announce(ctx, 'customer.subscription.updated', after, before);
  return after;
}

export async function hasPaymentMethod(ctx: RequestContext, subscription: Stripe.Subscription): Promise<boolean> {
  if (subscription.default_payment_method) return true;
  const customer = await ctx.tx.get<Stripe.Customer>('customer', customerIdOf(subscription));
  return Boolean(customer?.invoice_settings.default_payment_method);
}

/** Prorations waiting for the subscription's next invoice. */
export async function pendingLines(ctx: RequestContext, subscriptionId: string): Promise<BillableLine[]> {
  const sql = ctx.tx.sql;
  const rows = await sql<{ data: Stripe.InvoiceItem }[]>`
    select data from sandbox.objects
    where type = 'invoiceitem' and data->>'invoice' is null
      and data @> ${sql.json({ parent: { subscription_details: { subscription: subscriptionId } } })}
    order by seq asc`;
  return Promise.all(rows.map((row) => fromInvoiceItem(ctx.tx, row.data)));
}

/** Stores prorations as pending invoice items (`invoiceitem.created`), for the next invoice. */
export async function addPendingItems(ctx: RequestContext, subscription: Stripe.Subscription, lines: BillableLine[], now: number): Promise<void> {
  const customer = await ctx.tx.get<Stripe.Customer>('customer', customerIdOf(subscription));
  if (!customer) return;
  for (const line of lines) {
    const item = toInvoiceItem(line, customer, subscription.id, now);
    // Invoice items carry `date` rather than `created`; the store orders every object by `created`.
    await ctx.tx.insert({ ...item, created: now });
    await announce(ctx, 'invoiceitem.created', item);
  }
}

/** Bills lines right away: an invoice, finalized, charged (a subscription change or resumption). */
export async function invoiceNow(
  ctx: RequestContext,
  subscription: SandboxSubscription,
  lines: BillableLine[],
  now: number,
  options: { billingReason: Stripe.Invoice.BillingReason; prorationDate?: number; collect: 'automatic' | 'attempt' | 'none'; offSession: boolean },
): Promise<{ invoice: SandboxInvoice; error: Awaited<ReturnType<typeof collectInvoice>>['error'] }> {
  const customer = await ctx.tx.get<Stripe.Customer>('customer', customerIdOf(subscription));
  if (!customer) throw new Error(`subscription ${subscription.id} lost its customer`);
  const draft = await createInvoice(
    ctx,
    { customer, subscription, billingReason: options.billingReason, lines, currency: subscription.currency, period: { start: now, end: now }, prorationDate: options.prorationDate },
    now,
  );
  const invoice = await finalizeInvoice(ctx, draft, now);
  if (invoice.status !== 'open' || options.collect === 'none' || invoice.collection_method !== 'charge_automatically') return { invoice, error: null };
  const result = await collectInvoice(ctx, invoice.id, { offSession: options.offSession, automatic: options.collect === 'automatic' });
  return { invoice: result.invoice, error: result.error };
}

/** The invoice outcome's effect on its subscription: paid (or written off) debts make it active again. */
export async function onInvoiceResolved(ctx: RequestContext, invoice: SandboxInvoice, how: 'paid' | 'void' | 'uncollectible', intent: SandboxPaymentIntent | null): Promise<void> {
  const id = subscriptionIdOf(invoice);
  if (!id) return;
  const before = await ctx.tx.getForUpdate<SandboxSubscription>('subscription', id);
  if (!before) return;
  const now = await customerTime(ctx.tx, customerIdOf(before));
  let after: SandboxSubscription = { ...before };
  if (how === 'paid' && typeof intent?.payment_method === 'string' && before.payment_settings?.save_default_payment_method === 'on_subscription') {
    after.default_payment_method = intent.payment_method;
  }
  const owing = before.status === 'past_due' || before.status === 'unpaid' || (before.status === 'incomplete' && how === 'paid');
  if (owing) {
    const stillOpen = (await invoicesOfSubscription(ctx, id, ['open'])).filter((other) => other.id !== invoice.id);
    if (stillOpen.length === 0) after.status = before.trial_end !== null && before.trial_end > now ? 'trialing' : 'active';
  }
  // The invoice of a pending update (payment_behavior=pending_if_incomplete): paid, the update
  // applies; voided (or written off), it is dropped.
  const pending = before._sandbox.pendingUpdate;
  const applied = pending?.invoice === invoice.id && how === 'paid';
  if (pending?.invoice === invoice.id) {
    if (applied) {
      after = withItems({ ...after, billing_cycle_anchor: pending.billingCycleAnchor, ...(pending.endsTrial ? { status: 'active' as const, trial_end: pending.trialEnd } : {}) }, pending.items);
    }
    after = { ...after, pending_update: null, _sandbox: { ...after._sandbox, pendingUpdate: undefined } };
  }
  await saveSubscription(ctx, before, after);
  // Announced only when the update was shown as pending (its first payment attempt failed).
  if (applied && before.pending_update) await announce(ctx, 'customer.subscription.pending_update_applied', after, before);
}

/** A pending update was not paid in time: its invoice is voided and the update dropped. */
export async function expirePendingUpdate(ctx: RequestContext, subscription: SandboxSubscription, at: number): Promise<void> {
  const invoiceId = subscription._sandbox.pendingUpdate?.invoice;
  const invoice = invoiceId ? await ctx.tx.getForUpdate<SandboxInvoice>('invoice', invoiceId) : null;
  if (invoice && (invoice.status === 'open' || invoice.status === 'uncollectible')) {
    await voidInvoice(ctx, invoice, at);
  } else {
    const before = (await ctx.tx.getForUpdate<SandboxSubscription>('subscription', subscription.id)) ?? subscription;
    await saveSubscription(ctx, before, { ...before, pending_update: null, _sandbox: { ...before._sandbox, pendingUpdate: undefined } });
  }
  const expired = await ctx.tx.get<SandboxSubscription>('subscription', subscription.id);
  if (expired) await announce(ctx, 'customer.subscription.pending_update_expired', expired);
}

/** An automatic attempt failed: past_due, and after the last retry the account's chosen fate. */
export async function onAutomaticCollectionFailed(ctx: RequestContext, invoice: SandboxInvoice, final: boolean): Promise<void> {
  const id = subscriptionIdOf(invoice);
  if (!id) return;
  const before = await ctx.tx.getForUpdate<SandboxSubscription>('subscription', id);
  if (!before || !['active', 'trialing', 'past_due'].includes(before.status)) return;
  const now = await customerTime(ctx.tx, customerIdOf(before));
  if (final) {
    const { afterFinalFailure } = await billingSettings(ctx.tx);
    if (afterFinalFailure === 'cancel') {
      await cancelSubscriptionNow(ctx, before, now, { reason: 'payment_failed' });
      return;
    }
    if (afterFinalFailure === 'unpaid') {
      await saveSubscription(ctx, before, { ...before, status: 'unpaid' });
      return;
    }
  }
  await saveSubscription(ctx, before, { ...before, status: 'past_due' });
}

export interface CancelOptions {
  reason: Stripe.Subscription.CancellationDetails.Reason | null;
  /** A cancellation that was requested earlier (cancel_at, cancel_at_period_end) taking effect. */
  scheduled?: boolean;
  /** Credit the unused time of the current period. */
  prorate?: boolean;
  /** Invoice pending items (and the credit) now rather than at the next invoice. */
  invoiceNow?: boolean;
  comment?: string | null;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
}

export async function cancelSubscriptionNow(ctx: RequestContext, before: SandboxSubscription, at: number, options: CancelOptions): Promise<SandboxSubscription> {
  let after: SandboxSubscription = {
    ...before,
    status: 'canceled',
    ended_at: at,
    canceled_at: options.scheduled ? (before.canceled_at ?? at) : at,
    cancellation_details: {
      comment: options.comment ?? before.cancellation_details?.comment ?? null,
      feedback: options.feedback ?? before.cancellation_details?.feedback ?? null,
      feedback_option: null,
      reason: options.reason ?? before.cancellation_details?.reason ?? null,
    },
  };
  await ctx.tx.save(after);
  const pendingInvoice = before._sandbox.pendingUpdate?.invoice;
  for (const invoice of await invoicesOfSubscription(ctx, before.id, ['draft', 'open'])) {
    // A pending update dies with its subscription, and so does the invoice that would apply it.
    if ((before.status === 'incomplete' || invoice.id === pendingInvoice) && invoice.status === 'open') await voidInvoice(ctx, invoice, at);
    else await stopAutomaticCollection(ctx, invoice);
  }
  if (pendingInvoice) after = (await ctx.tx.get<SandboxSubscription>('subscription', before.id)) ?? after;
  const period = currentPeriod(before);
  if (options.prorate && (before.status === 'active' || before.status === 'past_due') && at < period.end) {
    const names = new ProductNames(ctx.tx);
    const credits: BillableLine[] = [];
    for (const item of before.items.data) {
      const line = await prorationLine(names, 'unused', item, period, at);
      if (line.amount !== 0) credits.push(line);
    }
    await addPendingItems(ctx, after, credits, at);
  }
  if (options.invoiceNow) {
    const lines = await pendingLines(ctx, before.id);
    if (lines.length > 0) {
      const { invoice } = await invoiceNow(ctx, after, lines, at, { billingReason: 'subscription_update', collect: 'automatic', offSession: true });
      after = { ...after, latest_invoice: invoice.id };
      await ctx.tx.save(after);
    }
  }
  await announce(ctx, 'customer.subscription.deleted', after);
  await endScheduleOf(ctx, after, at, after.cancellation_details?.reason ?? null);
  return after;
}

/** The first invoice went unpaid for 23 hours: the invoice is voided, the subscription expires. */
export async function expireIncomplete(ctx: RequestContext, subscription: SandboxSubscription, at: number): Promise<void> {
  for (const invoice of await invoicesOfSubscription(ctx, subscription.id, ['open'])) await voidInvoice(ctx, invoice, at);
  const before = (await ctx.tx.getForUpdate<SandboxSubscription>('subscription', subscription.id)) ?? subscription;
  await saveSubscription(ctx, before, { ...before, status: 'incomplete_expired', ended_at: at, canceled_at: at });
  await endScheduleOf(ctx, before, at, null);
}

export async function sendTrialWillEnd(ctx: RequestContext, before: SandboxSubscription): Promise<void> {
  const after: SandboxSubscription = { ...before, _sandbox: { ...before._sandbox, trialWillEndSent: true } };
  await ctx.tx.save(after);
  await announce(ctx, 'customer.subscription.trial_will_end', after);
}

/**
 * A period (or the trial) ended: the next period starts and its invoice is drafted with any
 * pending prorations, to be finalized and charged an hour later. A trial ending without a
 * payment method follows `trial_settings.end_behavior.missing_payment_method`.
 */
export async function renewSubscription(ctx: RequestContext, before: SandboxSubscription, at: number): Promise<void> {
  const endingTrial = before.status === 'trialing';
  if (endingTrial && !(await hasPaymentMethod(ctx, before))) {
    const behaviour = before.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
    if (behaviour === 'cancel') {
      await cancelSubscriptionNow(ctx, before, at, { reason: null });
      return;
    }
    if (behaviour === 'pause') {
      const paused: SandboxSubscription = {
        ...before,
        status: 'paused',
        status_details: { paused: { type: 'subscription', subscription: { type: 'trial_end_without_payment_method' }, transitioned_at: at } },
      };
      await ctx.tx.save(paused);
      await announce(ctx, 'customer.subscription.paused', paused);
      await announce(ctx, 'customer.subscription.updated', paused, before);
      return;
    }
  }
  const draft = await upcomingRenewal(ctx, before);
  let after = withItems({ ...before, status: endingTrial ? 'active' : before.status }, itemsInPeriod(before.items.data, nextPeriod(before)));
  const invoice = await createInvoice(ctx, { ...draft, subscription: after, autoFinalizeAt: at + DRAFT_WINDOW }, at);
  after = { ...after, latest_invoice: invoice.id };
  await saveSubscription(ctx, before, after);
}

/**
 * The invoice the next renewal will bring (not stored): pending prorations, any `extra` lines,
 * and the next period of `items` (the subscription's own, or those a previewed change gives it).
 */
export async function upcomingRenewal(
  ctx: RequestContext,
  subscription: SandboxSubscription,
  options: { items?: Stripe.SubscriptionItem[]; extra?: BillableLine[]; prorationDate?: number } = {},
): Promise<DraftInvoice> {
  const customer = await ctx.tx.get<Stripe.Customer>('customer', customerIdOf(subscription));
  if (!customer) throw new Error(`subscription ${subscription.id} lost its customer`);
  const period = currentPeriod(subscription);
  // A schedule whose next phase starts at the renewal changes what the renewal bills.
  const items = options.items ?? (await scheduledItemsAt(ctx, subscription, period.end)) ?? subscription.items.data;
  const next = nextPeriod(subscription, items);
  const names = new ProductNames(ctx.tx);
  const lines = [...(await pendingLines(ctx, subscription.id)), ...(options.extra ?? [])];
  for (const item of items) lines.push(await periodLine(names, item, next));
  return {
    customer,
    subscription,
    billingReason: 'subscription_cycle',
    lines,
    currency: subscription.currency,
    period,
    autoFinalizeAt: period.end + DRAFT_WINDOW,
    ...(options.prorationDate !== undefined ? { prorationDate: options.prorationDate } : {}),
  };
}

/** `invoice.upcoming`, a few days before a renewal, with the invoice it will bring. */
export async function sendUpcomingInvoice(ctx: RequestContext, before: SandboxSubscription, at: number): Promise<void> {
  const after: SandboxSubscription = { ...before, _sandbox: { ...before._sandbox, upcomingNoticeFor: currentPeriod(before).end } };
  await ctx.tx.save(after);
  const preview = buildInvoice(await upcomingRenewal(ctx, before), at, `upcoming_in_${randomToken(24)}`);
  await announce(ctx, 'invoice.upcoming', preview);
}

/** A renewal draft's hour is up: finalized, then charged unless the subscription stopped paying. */
export async function finalizeDueDraft(ctx: RequestContext, draft: SandboxInvoice, at: number): Promise<void> {
  const invoice = await finalizeInvoice(ctx, draft, at);
  await collectAutomatically(ctx, invoice);
}

export async function collectAutomatically(ctx: RequestContext, invoice: SandboxInvoice): Promise<void> {
  if (invoice.status !== 'open' || invoice.collection_method !== 'charge_automatically' || invoice.auto_advance === false) return;
  const subscriptionId = subscriptionIdOf(invoice);
  const subscription = subscriptionId ? await ctx.tx.get<SandboxSubscription>('subscription', subscriptionId) : null;
  // An unpaid subscription keeps invoicing without charging, as at Stripe.
  if (subscription && (ENDED.includes(subscription.status) || subscription.status === 'unpaid' || subscription.status === 'paused')) return;
  await collectInvoice(ctx, invoice.id, { offSession: true, automatic: true });
}
