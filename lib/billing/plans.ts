import { and, eq } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { prices, products } from '@/db/schema';
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
  stripePriceId: string | null;
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
    stripePriceId: price.stripePriceId,
  };
}

export async function planByPriceId(db: Database | Transaction, priceId: string): Promise<Plan> {
  const [row] = await db.select({ price: prices, product: products }).from(prices).innerJoin(products, eq(products.id, prices.productId)).where(eq(prices.id, priceId));
  if (!row) throw new Error(`price ${priceId} does not exist`);
  return planFrom(row.price, row.product);
}

/**
 * The provider's price for a plan, made there (product and price, keyed by our ids) the first
 * time anyone subscribes to it, and remembered on the price row.
 */
export async function providerPriceFor(db: Database | Transaction, provider: SubscriptionsApi, plan: Plan): Promise<string> {
  if (provider.name === 'stripe' && plan.stripePriceId) return plan.stripePriceId;
  const id = await provider.ensurePlanPrice({
    priceId: plan.priceId,
    lookupKey: plan.lookupKey,
    productId: plan.productId,
    productName: plan.productName,
    amount: { amount: plan.amount, currency: plan.currency },
    interval: plan.interval,
    intervalCount: plan.intervalCount,
  });
  if (provider.name === 'stripe') await db.update(prices).set({ stripePriceId: id }).where(eq(prices.id, plan.priceId));
  return id;
}

const PERIODS_PER_YEAR: Record<Interval, number> = { day: 365, week: 52, month: 12, year: 1 };

/**
 * An upgrade costs more per unit of time (a year of monthly at 12×, a year of yearly at 1×),
 * compared in integers: amount × periods a year ÷ interval count, cross-multiplied.
 */
export function isUpgrade(from: Plan, to: Plan): boolean {
  return to.amount * PERIODS_PER_YEAR[to.interval] * from.intervalCount > from.amount * PERIODS_PER_YEAR[from.interval] * to.intervalCount;
}
