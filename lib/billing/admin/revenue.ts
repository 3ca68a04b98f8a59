import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '@/db/client';
import { disputes, payments, prices, refunds, subscriptions } from '@/db/schema';
import { money, type Money } from '@/lib/money';

/**
 * The overview's figures (issue 14, item 9): money in and out per currency, never summed across
 * currencies; recurring revenue and subscribers from subscription state; how often payments
 * succeed and why they fail.
 *
 * Windows are calendar days in UTC: "7 days" is today and the six days before it. Payments are
 * read once for all of it: one pass over the last 90 days of the payments list index (which
 * carries the columns summed, migration 0012), grouped by currency and day, from which every
 * window, the chart's series and the payment outcomes are added up here. Refunds and disputes
 * are small tables read the same way.
 *
 * When money moved is read from when Billfold recorded it: a payment's row is written when the
 * checkout starts it, seconds before a card is captured; a refund's when it was asked for.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export const WINDOWS = [
  { key: 'today', label: 'Today', days: 1 },
  { key: '7d', label: '7 days', days: 7 },
  { key: '30d', label: '30 days', days: 30 },
  { key: '90d', label: '90 days', days: 90 },
] as const;
export type WindowKey = (typeof WINDOWS)[number]['key'];

/** The chart's and the outcomes' span, in days. */
export const RECENT_DAYS = 30;

function utcMidnight(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** Where each window starts: the UTC midnight that many days back, today included. */
export function windowStarts(now: Date): Record<WindowKey, Date> {
  return Object.fromEntries(WINDOWS.map(({ key, days }) => [key, new Date(utcMidnight(now) - (days - 1) * DAY_MS)])) as Record<WindowKey, Date>;
}

/** The UTC days of the last `days` days, oldest first, as `YYYY-MM-DD`. */
function lastDays(now: Date, days: number): string[] {
  return Array.from({ length: days }, (_, index) => new Date(utcMidnight(now) - (days - 1 - index) * DAY_MS).toISOString().slice(0, 10));
}

export interface VolumeFigures {
  /** Captured by payments made in the window. */
  gross: Money;
  /** Refunds made in the window that the provider completed. */
  refunded: Money;
  /** Disputes opened in the window, whatever became of them. */
  disputed: Money;
  /** Disputes decided against the merchant in the window: money gone. */
  disputesLost: Money;
  /** gross − refunded − disputesLost. */
  net: Money;
}

export interface CurrencyVolume {
  currency: string;
  windows: Record<WindowKey, VolumeFigures>;
}

export interface DailyPoint {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  gross: number;
  refunded: number;
}

export interface PaymentOutcomes {
  succeeded: number;
  failed: number;
  /** succeeded / (succeeded + failed); null when no payment had an outcome. */
  successRate: number | null;
  topDeclines: { code: string; count: number }[];
}

export interface MoneyFigures {
  volume: CurrencyVolume[];
  /** Gross and refunds per day of the last 30, per currency, every day present (minor units). */
  daily: { currency: string; points: DailyPoint[] }[];
  /**
   * How payments made in the last 30 days ended: succeeded, or failed with the provider's reason.
   * A payment nobody finished (an abandoned checkout) had no outcome and counts in neither.
   */
  outcomes: PaymentOutcomes;
}

type Figure = 'gross' | 'refunded' | 'disputed' | 'disputesLost';

/** Sums per currency and day, as exact integers (a year of a shop's sales can pass 2^53 minor units only in a currency like IDR; BigInt keeps it exact either way). */
class DailySums {
  private readonly sums = new Map<string, Map<string, Record<Figure, bigint>>>();

  add(currency: string, day: string, figure: Figure, amount: string): void {
    const days = this.sums.get(currency) ?? new Map<string, Record<Figure, bigint>>();
    this.sums.set(currency, days);
    const sums = days.get(day) ?? { gross: 0n, refunded: 0n, disputed: 0n, disputesLost: 0n };
    days.set(day, sums);
    sums[figure] += BigInt(amount);
  }

  currencies(): string[] {
    return [...this.sums.keys()].sort();
  }

  /** The sum of `figure` in `currency` over the days from `first` (inclusive). */
  since(currency: string, first: string, figure: Figure): bigint {
    let total = 0n;
    for (const [day, sums] of this.sums.get(currency) ?? []) if (day >= first) total += sums[figure];
    return total;
  }

  on(currency: string, day: string, figure: Figure): bigint {
    return this.sums.get(currency)?.get(day)?.[figure] ?? 0n;
  }
}

function toMoney(amount: bigint, currency: string): Money {
  // money() refuses an amount past 2^53 rather than rounding it.
  return money(Number(amount), currency);
}

/** Volume per currency and window, the last 30 days' series, and the payment outcomes: payments read once. */
export async function moneyFigures(db: Database, now: Date): Promise<MoneyFigures> {
  const starts = windowStarts(now);
  const since = starts['90d'].toISOString();
  const until = now.toISOString();
  const recentFrom = lastDays(now, RECENT_DAYS)[0]!;
  const day = (column: PgColumn) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;
  const [paymentDays, refundDays, openedDays, lostDays, declines] = await Promise.all([
    db.execute<{ currency: string; day: string; gross: string; succeeded: number; failed: number }>(sql`
      select ${payments.currency} as currency, ${day(payments.createdAt)} as day, sum(${payments.amountCaptured})::text as gross,
        count(*) filter (where ${payments.status} = 'succeeded')::int as succeeded,
        count(*) filter (where ${payments.status} <> 'succeeded' and ${payments.failureCode} is not null)::int as failed
      from ${payments} where ${payments.createdAt} >= ${since}::timestamptz and ${payments.createdAt} <= ${until}::timestamptz
      group by 1, 2`),
    db.execute<{ currency: string; day: string; amount: string }>(sql`
      select ${refunds.currency} as currency, ${day(refunds.createdAt)} as day, sum(${refunds.amount})::text as amount from ${refunds}
      where ${refunds.status} = 'succeeded' and ${refunds.createdAt} >= ${since}::timestamptz and ${refunds.createdAt} <= ${until}::timestamptz
      group by 1, 2`),
    db.execute<{ currency: string; day: string; amount: string }>(sql`
      select ${disputes.currency} as currency, ${day(disputes.createdAt)} as day, sum(${disputes.amount})::text as amount from ${disputes}
      where ${disputes.createdAt} >= ${since}::timestamptz and ${disputes.createdAt} <= ${until}::timestamptz
      group by 1, 2`),
    // A lost dispute's row last changed when it was decided.
    db.execute<{ currency: string; day: string; amount: string }>(sql`
      select ${disputes.currency} as currency, ${day(disputes.updatedAt)} as day, sum(${disputes.amount})::text as amount from ${disputes}
      where ${disputes.status} = 'lost' and ${disputes.updatedAt} >= ${since}::timestamptz and ${disputes.updatedAt} <= ${until}::timestamptz
      group by 1, 2`),
    db.execute<{ code: string; count: number }>(sql`
      select ${payments.failureCode} as code, count(*)::int as count from ${payments}
      where ${payments.createdAt} >= ${`${recentFrom}T00:00:00Z`}::timestamptz and ${payments.createdAt} <= ${until}::timestamptz
        and ${payments.status} <> 'succeeded' and ${payments.failureCode} is not null
      group by 1 order by 2 desc, 1 limit 5`),
  ]);

  const sums = new DailySums();
  let succeeded = 0;
  let failed = 0;
  for (const row of paymentDays) {
    sums.add(row.currency.trim(), row.day, 'gross', row.gross);
    if (row.day >= recentFrom) {
      succeeded += row.succeeded;
      failed += row.failed;
    }
  }
  for (const row of refundDays) sums.add(row.currency.trim(), row.day, 'refunded', row.amount);
  for (const row of openedDays) sums.add(row.currency.trim(), row.day, 'disputed', row.amount);
  for (const row of lostDays) sums.add(row.currency.trim(), row.day, 'disputesLost', row.amount);

  const firstDay = (key: WindowKey) => starts[key].toISOString().slice(0, 10);
  const volume = sums
    .currencies()
    // A currency seen only in payments that captured nothing has no volume to show.
    .filter((currency) => (['gross', 'refunded', 'disputed', 'disputesLost'] as const).some((figure) => sums.since(currency, firstDay('90d'), figure) !== 0n))
    .map((currency) => ({
      currency,
      windows: Object.fromEntries(
        WINDOWS.map(({ key }) => {
          const of = (figure: Figure) => sums.since(currency, firstDay(key), figure);
          const figures: VolumeFigures = {
            gross: toMoney(of('gross'), currency),
            refunded: toMoney(of('refunded'), currency),
            disputed: toMoney(of('disputed'), currency),
            disputesLost: toMoney(of('disputesLost'), currency),
            net: toMoney(of('gross') - of('refunded') - of('disputesLost'), currency),
          };
          return [key, figures];
        }),
      ) as Record<WindowKey, VolumeFigures>,
    }));
  const recent = lastDays(now, RECENT_DAYS);
  const daily = volume.map(({ currency }) => ({
    currency,
    points: recent.map((each) => ({ day: each, gross: Number(sums.on(currency, each, 'gross')), refunded: Number(sums.on(currency, each, 'refunded')) })),
  }));
  return {
    volume,
    daily,
    outcomes: { succeeded, failed, successRate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed), topDeclines: [...declines] },
  };
}

export interface SubscriptionFigures {
  /** Monthly recurring revenue per currency, from active and past-due subscriptions at their current price. */
  mrr: Money[];
  active: number;
  trialing: number;
  pastDue: number;
  /** Started (not merely attempted) and ended, per window. */
  started: Record<Exclude<WindowKey, 'today'>, number>;
  churned: Record<Exclude<WindowKey, 'today'>, number>;
}

/**
 * Recurring revenue and subscribers, from subscription state. MRR normalises each price to a
 * month in exact decimal arithmetic (a yearly price is a twelfth of it; a weekly one 52/12 of it)
 * and rounds once per currency. Trials pay nothing yet, so they count as subscribers apart and
 * add no MRR; past-due subscriptions still owe their price and count in both.
 */
export async function subscriptionFigures(db: Database, now: Date): Promise<SubscriptionFigures> {
  const starts = windowStarts(now);
  const [mrrRows, countRows] = await Promise.all([
    db.execute<{ currency: string; mrr: string }>(sql`
      select ${prices.currency} as currency,
        round(sum(${subscriptions.quantity}::numeric * ${prices.amount} * case ${prices.interval}
          when 'day' then 365::numeric / 12 when 'week' then 52::numeric / 12 when 'month' then 1 when 'year' then 1::numeric / 12 end
          / ${prices.intervalCount}))::text as mrr
      from ${subscriptions} join ${prices} on ${prices.id} = ${subscriptions.priceId}
      where ${subscriptions.status} in ('active', 'past_due')
      group by 1 order by 1`),
    db.execute<{ active: number; trialing: number; past_due: number; started7: number; started30: number; started90: number; churned7: number; churned30: number; churned90: number }>(sql`
      select
        count(*) filter (where ${subscriptions.status} = 'active')::int as active,
        count(*) filter (where ${subscriptions.status} = 'trialing')::int as trialing,
        count(*) filter (where ${subscriptions.status} = 'past_due')::int as past_due,
        count(*) filter (where ${subscriptions.status} not in ('incomplete', 'incomplete_expired') and ${subscriptions.providerCreatedAt} >= ${starts['7d'].toISOString()}::timestamptz)::int as started7,
        count(*) filter (where ${subscriptions.status} not in ('incomplete', 'incomplete_expired') and ${subscriptions.providerCreatedAt} >= ${starts['30d'].toISOString()}::timestamptz)::int as started30,
        count(*) filter (where ${subscriptions.status} not in ('incomplete', 'incomplete_expired') and ${subscriptions.providerCreatedAt} >= ${starts['90d'].toISOString()}::timestamptz)::int as started90,
        count(*) filter (where ${subscriptions.endedAt} >= ${starts['7d'].toISOString()}::timestamptz and ${subscriptions.status} = 'canceled')::int as churned7,
        count(*) filter (where ${subscriptions.endedAt} >= ${starts['30d'].toISOString()}::timestamptz and ${subscriptions.status} = 'canceled')::int as churned30,
        count(*) filter (where ${subscriptions.endedAt} >= ${starts['90d'].toISOString()}::timestamptz and ${subscriptions.status} = 'canceled')::int as churned90
      from ${subscriptions}`),
  ]);
  const counts = countRows[0]!;
  return {
    mrr: mrrRows.map((row) => money(Number(row.mrr), row.currency.trim())),
    active: counts.active,
    trialing: counts.trialing,
    pastDue: counts.past_due,
    started: { '7d': counts.started7, '30d': counts.started30, '90d': counts.started90 },
    churned: { '7d': counts.churned7, '30d': counts.churned30, '90d': counts.churned90 },
  };
}

