import { and, eq } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { prices, products, providerPrices } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import type { SubscriptionsApi } from '@/lib/payments/provider';
import type { Interval } from './subscriptions';

/** A plan price that can be subscribed to: recurring, active, of an active plan product. */
export interface Plan {
  priceId: string;
  lookupKey: string;
  productId: string;
  productName: string;
  amount: number;
  currency: string;
  interval: Interval;
  intervalCount: number;
  trialDays: number | null;
}

export const UNKNOWN_PLAN_MESSAGE = 'That plan is not available. Please choose one from the pricing page.';

/** The plan behind a lookup key; an unknown, inactive or one-off price is refused with a clear message. */
export async function subscribablePlan(db: Database | Transaction, lookupKey: string): Promise<Plan> {
  const [row] = await db
    .select({ price: prices, product: products })
    .from(prices)
    .innerJoin(products, eq(products.id, prices.productId))
    .where(and(eq(prices.lookupKey, lookupKey), eq(prices.active, true), eq(products.active, true), eq(products.kind, 'plan'), eq(prices.type, 'recurring')));
  if (!row || !row.price.interval) throw new UserFacingError(UNKNOWN_PLAN_MESSAGE, 'unknown_plan');
  return planFrom(row.price, row.product);
}

export function planFrom(price: typeof prices.$inferSelect, product: typeof products.$inferSelect): Plan {
  if (!price.interval) throw new Error(`price ${price.lookupKey} is not recurring`);
  return {
    priceId: price.id,
    lookupKey: price.lookupKey,
    productId: product.id,
    productName: product.name,
    amount: price.amount,
    currency: price.currency,
    interval: price.interval,
    intervalCount: price.intervalCount,
    trialDays: price.trialDays,
  };
}

export async function planByPriceId(db: Database | Transaction, priceId: string): Promise<Plan> {
  const [row] = await db.select({ price: prices, product: products }).from(prices).innerJoin(products, eq(products.id, prices.productId)).where(eq(prices.id, priceId));
  if (!row) throw new Error(`price ${priceId} does not exist`);
  return planFrom(row.price, row.product);
}

/**
 * What a provider plan that is fixed with its terms (SubscriptionsApi.plansCarryTerms) is made
 * of: the amount, the billing interval and the trial. Two subscriptions whose terms match share
 * the provider's plan; a change in any of them makes a new one.
 */
export function planTerms(plan: Pick<Plan, 'amount' | 'currency' | 'interval' | 'intervalCount'>, trialDays: number | null): string {
  return `${plan.amount} ${plan.currency} every ${plan.intervalCount} ${plan.interval}; trial ${trialDays ?? 0} days`;
}

/**
 * The provider's price for a plan, made there (product and price or plan, keyed by our ids) the
 * first time anyone subscribes to it on these terms, and remembered in provider_prices. At a
 * provider whose plans carry their trial, `trialDays` (the trial this account is owed) picks the
 * plan; elsewhere the trial is given per subscription.
 */
export async function providerPriceFor(
  db: Database | Transaction,
  provider: Pick<SubscriptionsApi, 'name' | 'ensurePlanPrice' | 'plansCarryTerms'>,
  plan: Plan,
  trialDays: number | null = null,
): Promise<string> {
  const terms = provider.plansCarryTerms ? planTerms(plan, trialDays) : '';
  const recorded = () =>
    db
      .select({ providerPriceId: providerPrices.providerPriceId })
      .from(providerPrices)
      .where(and(eq(providerPrices.priceId, plan.priceId), eq(providerPrices.provider, provider.name), eq(providerPrices.terms, terms)));
  const [known] = await recorded();
  if (known) return known.providerPriceId;
  const id = await provider.ensurePlanPrice({
    priceId: plan.priceId,
    lookupKey: plan.lookupKey,
    productId: plan.productId,
    productName: plan.productName,
    amount: { amount: plan.amount, currency: plan.currency },
    interval: plan.interval,
    intervalCount: plan.intervalCount,
    trialDays: provider.plansCarryTerms ? trialDays : null,
  });
  // Two first subscribers may both have asked the provider, and a provider without lookup keys
  // (PayPal) may have made two plans: the first one recorded is the one everybody uses. A
  // provider price already recorded for another of our prices is refused by the unique index.
  const [inserted] = await db
    .insert(providerPrices)
    .values({ priceId: plan.priceId, provider: provider.name, providerPriceId: id, terms })
    .onConflictDoNothing({ target: [providerPrices.priceId, providerPrices.provider, providerPrices.terms] })
    .returning({ providerPriceId: providerPrices.providerPriceId });
  if (inserted) return inserted.providerPriceId;
  const [first] = await recorded();
  if (!first) throw new Error(`${provider.name} price of ${plan.lookupKey} was neither recorded nor found`);
  return first.providerPriceId;
}

const PERIODS_PER_YEAR: Record<Interval, number> = { day: 365, week: 52, month: 12, year: 1 };

/**
 * An upgrade costs more per unit of time (a year of monthly at 12×, a year of yearly at 1×),
 * compared in integers: amount × periods a year ÷ interval count, cross-multiplied.
 */
export function isUpgrade(from: Plan, to: Plan): boolean {
  return to.amount * PERIODS_PER_YEAR[to.interval] * from.intervalCount > from.amount * PERIODS_PER_YEAR[from.interval] * to.intervalCount;
}
