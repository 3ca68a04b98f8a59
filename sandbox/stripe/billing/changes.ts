import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import { invalidRequest, resourceMissing } from '../errors';
import { newId } from '../ids';
import type { SandboxSubscription } from '../resources/subscriptions';
import { periodLine, ProductNames, prorationLine, type BillableLine } from './lines';
import { boundaryAfter, recurrenceOf, sameRecurrence } from './periods';
import { currentPeriod, itemsInPeriod } from './subscription-cycle';

/**
 * A change to a subscription's items, worked out once and used twice: by
 * `POST /v1/subscriptions/:id` to apply it and by `POST /v1/invoices/create_preview` to show
 * it, so a preview and the invoice that follows always agree.
 */

export interface ItemInput {
  id?: string;
  price?: string;
  quantity?: number;
  deleted?: boolean;
  metadata?: Record<string, string> | null;
}

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

export interface ChangePlan {
  items: Stripe.SubscriptionItem[];
  /** "Unused time" credits and "Remaining time" charges for the change at `at`. */
  prorations: BillableLine[];
  /** When the billing cycle restarts at `at`: the new period's full charges, billed now. */
  periodLines: BillableLine[];
  restartsCycle: boolean;
  /** The items' current period after the change. */
  period: { start: number; end: number };
}

/** A recurring, licensed price in the subscription's currency, or Stripe's error naming `param`. */
export async function subscribablePrice(ctx: RequestContext, id: string, param: string, currency?: string): Promise<Stripe.Price> {
  const price = await ctx.tx.get<Stripe.Price>('price', id);
  if (!price) throw resourceMissing('price', id, param);
  if (!price.recurring) throw invalidRequest(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, param);
  if (price.recurring.usage_type === 'metered') throw invalidRequest('The Billfold sandbox does not bill metered prices yet.', param);
  if (!price.active) throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, param);
  if (currency && price.currency !== currency) {
    throw invalidRequest(`The price specified uses currency \`${price.currency}\`, but this subscription is in \`${currency}\`. All prices on a subscription must use the same currency.`, param);
  }
  return price;
}

export function planFromPrice(price: Stripe.Price): Stripe.Plan {
  const recurrence = recurrenceOf(price);
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurrence.interval,
    interval_count: recurrence.intervalCount,
    livemode: false,
    metadata: { ...price.metadata },
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
}

export function newSubscriptionItem(
  subscriptionId: string,
  price: Stripe.Price,
  quantity: number,
  period: { start: number; end: number },
  created: number,
  metadata: Record<string, string>,
): Stripe.SubscriptionItem {
  return {
    id: newId('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created,
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata,
    plan: planFromPrice(price),
    price,
    quantity,
    subscription: subscriptionId,
    tax_rates: [],
  };
}

export function checkSameRecurrence(items: Stripe.SubscriptionItem[] | Stripe.Price[]): void {
  const prices = items.map((item) => ('price' in item && typeof item.price === 'object' ? item.price : (item as Stripe.Price)));
  const [first, ...rest] = prices;
  if (first && rest.some((price) => !sameRecurrence(recurrenceOf(price), recurrenceOf(first)))) {
    throw invalidRequest('All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.', 'items');
  }
  const ids = prices.map((price) => price.id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated) throw invalidRequest(`Cannot add multiple subscription items with the same price: ${repeated}.`, 'items');
}

/** Stripe prorates only within the current period. */
export function checkProrationDate(period: { start: number; end: number }, date: number | undefined, param: string): void {
  if (date !== undefined && (date < period.start || date > period.end)) {
    throw invalidRequest('`proration_date` must be within the current billing period of the subscription.', param);
  }
}

/**
 * Works out an items change at time `at`: the new items, and what to bill for it. Within the
 * current period the change is prorated per second, item by item ("Unused time" for what
 * changed, "Remaining time" for what replaced it); a new interval or `billing_cycle_anchor=now`
 * restarts the cycle at `at`, crediting the unused time and billing a full new period.
 */
export async function planSubscriptionChange(
  ctx: RequestContext,
  subscription: SandboxSubscription,
  inputs: ItemInput[] | undefined,
  options: { at: number; prorationBehavior: ProrationBehavior; resetAnchor: boolean },
): Promise<ChangePlan> {
  const { at } = options;
  const period = currentPeriod(subscription);
  const before = subscription.items.data;
  let items = [...before];
  for (const [index, input] of (inputs ?? []).entries()) {
    const param = (field: string) => `items[${index}][${field}]`;
    if (input.id) {
      const position = items.findIndex((item) => item.id === input.id);
      if (position === -1) throw resourceMissing('subscription item', input.id, param('id'));
      const current = items[position] as Stripe.SubscriptionItem;
      if (input.deleted) {
        items = items.filter((item) => item.id !== input.id);
        continue;
      }
      const price = input.price ? await subscribablePrice(ctx, input.price, param('price'), subscription.currency) : current.price;
      items[position] = {
        ...current,
        price,
        plan: planFromPrice(price),
        quantity: input.quantity ?? current.quantity,
        metadata: input.metadata === undefined ? current.metadata : input.metadata === null ? {} : { ...current.metadata, ...input.metadata },
      };
    } else {
      if (input.deleted) throw invalidRequest('You must specify an `id` to delete a subscription item.', param('deleted'));
      if (!input.price) throw invalidRequest(`Missing required param: ${param('price')}.`, param('price'));
      const price = await subscribablePrice(ctx, input.price, param('price'), subscription.currency);
      items.push(newSubscriptionItem(subscription.id, price, input.quantity ?? 1, period, at, input.metadata ?? {}));
    }
  }
  if (items.length === 0) throw invalidRequest('A subscription must have at least one active item. Cancel the subscription instead.', 'items');
  checkSameRecurrence(items);

  const trialing = subscription.status === 'trialing';
  const firstBefore = before[0];
  const firstAfter = items[0] as Stripe.SubscriptionItem;
  const newInterval = firstBefore !== undefined && !sameRecurrence(recurrenceOf(firstBefore.price), recurrenceOf(firstAfter.price));
  if (options.resetAnchor && trialing) {
    throw invalidRequest('The billing cycle of a trialing subscription starts when its trial ends; end the trial with `trial_end=now` instead.', 'billing_cycle_anchor');
  }
  // A trial bills nothing: changes simply apply, and the first invoice uses the new items.
  const restartsCycle = !trialing && (options.resetAnchor || newInterval);
  const prorate = options.prorationBehavior !== 'none' && !trialing && at >= period.start && at < period.end;
  const names = new ProductNames(ctx.tx);
  const prorations: BillableLine[] = [];
  const keep = (line: BillableLine) => {
    if (line.amount !== 0) prorations.push(line);
  };

  if (restartsCycle) {
    const next = { start: at, end: boundaryAfter(at, recurrenceOf(firstAfter.price), 1) };
    if (prorate) for (const item of before) keep(await prorationLine(names, 'unused', item, period, at));
    const moved = itemsInPeriod(items, next);
    const periodLines: BillableLine[] = [];
    for (const item of moved) periodLines.push(await periodLine(names, item, next));
    return { items: moved, prorations, periodLines, restartsCycle, period: next };
  }

  if (prorate) {
    const changed = (old: Stripe.SubscriptionItem, now: Stripe.SubscriptionItem | undefined) =>
      !now || now.price.id !== old.price.id || (now.quantity ?? 1) !== (old.quantity ?? 1);
    for (const old of before) {
      if (changed(old, items.find((item) => item.id === old.id))) keep(await prorationLine(names, 'unused', old, period, at));
    }
    for (const item of items) {
      const old = before.find((candidate) => candidate.id === item.id);
      if (!old || changed(old, item)) keep(await prorationLine(names, 'remaining', item, period, at));
    }
  }
  return { items: itemsInPeriod(items, period), prorations, periodLines: [], restartsCycle, period };
}
