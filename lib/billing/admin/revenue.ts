import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { disputes, payments, prices, refunds, subscriptions } from '@/db/schema';
import { money, type Money } from '@/lib/money';

/**
 * The overview's figures (issue 14, item 9): money in and out per currency, never summed across
 * currencies; recurring revenue and subscribers from subscription state; how often payments
 * succeed and why they fail. Every figure is one aggregate over an indexed range (payments by
 * created_at, refunds and disputes by theirs), so the overview costs the same at a million rows.
 *
 * When money moved is read from when Billfold recorded it: a payment's row is written when the
 * checkout starts it, seconds before a card is captured; a refund's when it was asked for.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export const WINDOWS = [
  { key: 'today', label: 'Today' },
  { key: '7d', label: '7 days', days: 7 },
  { key: '30d', label: '30 days', days: 30 },
  { key: '90d', label: '90 days', days: 90 },
] as const;
export type WindowKey = (typeof WINDOWS)[number]['key'];

/** Where each window starts: `today` at the last UTC midnight, the others that many days before now. */
export function windowStarts(now: Date): Record<WindowKey, Date> {
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return {
    today: midnight,
    '7d': new Date(now.getTime() - 7 * DAY_MS),
    '30d': new Date(now.getTime() - 30 * DAY_MS),
    '90d': new Date(now.getTime() - 90 * DAY_MS),
  };
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

type Totals = Record<string, Record<WindowKey, { gross: bigint; refunded: bigint; disputed: bigint; disputesLost: bigint }>>;

/** Sums `column` per currency over each window, in one statement over the widest one. */
function perWindow(starts: Record<WindowKey, Date>, at: SQL, column: SQL) {
  return sql`
    coalesce(sum(${column}) filter (where ${at} >= ${starts.today.toISOString()}::timestamptz), 0)::text as today,
    coalesce(sum(${column}) filter (where ${at} >= ${starts['7d'].toISOString()}::timestamptz), 0)::text as d7,
    coalesce(sum(${column}) filter (where ${at} >= ${starts['30d'].toISOString()}::timestamptz), 0)::text as d30,
    coalesce(sum(${column}), 0)::text as d90`;
}

interface WindowRow extends Record<string, unknown> {
  currency: string;
  today: string;
  d7: string;
  d30: string;
  d90: string;
}

function toMoney(amount: bigint, currency: string): Money {
  // Sums of a currency's amounts stay far below 2^53 minor units in any real shop; a sum that
  // does not is refused by money() rather than rounded.
  return money(Number(amount), currency);
}

/** Gross, refunds, disputes and net per currency, for today and the last 7, 30 and 90 days. */
export async function volumeByCurrency(db: Database, now: Date): Promise<CurrencyVolume[]> {
  const starts = windowStarts(now);
  const since = starts['90d'].toISOString();
  const [gross, refunded, disputed, lost] = await Promise.all([
    db.execute<WindowRow>(sql`
      select ${payments.currency} as currency, ${perWindow(starts, sql`${payments.createdAt}`, sql`${payments.amountCaptured}`)}
      from ${payments} where ${payments.createdAt} >= ${since}::timestamptz and ${payments.createdAt} <= ${now.toISOString()}::timestamptz
      group by 1`),
    db.execute<WindowRow>(sql`
      select ${refunds.currency} as currency, ${perWindow(starts, sql`${refunds.createdAt}`, sql`${refunds.amount}`)}
      from ${refunds} where ${refunds.status} = 'succeeded' and ${refunds.createdAt} >= ${since}::timestamptz and ${refunds.createdAt} <= ${now.toISOString()}::timestamptz
      group by 1`),
    db.execute<WindowRow>(sql`
      select ${disputes.currency} as currency, ${perWindow(starts, sql`${disputes.createdAt}`, sql`${disputes.amount}`)}
      from ${disputes} where ${disputes.createdAt} >= ${since}::timestamptz and ${disputes.createdAt} <= ${now.toISOString()}::timestamptz
      group by 1`),
    // A lost dispute's row last changed when it was decided.
    db.execute<WindowRow>(sql`
      select ${disputes.currency} as currency, ${perWindow(starts, sql`${disputes.updatedAt}`, sql`${disputes.amount}`)}
      from ${disputes} where ${disputes.status} = 'lost' and ${disputes.updatedAt} >= ${since}::timestamptz and ${disputes.updatedAt} <= ${now.toISOString()}::timestamptz
      group by 1`),
  ]);
  const totals: Totals = {};
  const add = (rows: WindowRow[], figure: 'gross' | 'refunded' | 'disputed' | 'disputesLost') => {
    for (const row of rows) {
      const currency = row.currency.trim();
      totals[currency] ??= Object.fromEntries(WINDOWS.map(({ key }) => [key, { gross: 0n, refunded: 0n, disputed: 0n, disputesLost: 0n }])) as Totals[string];
      const values: Record<WindowKey, string> = { today: row.today, '7d': row.d7, '30d': row.d30, '90d': row.d90 };
      for (const { key } of WINDOWS) totals[currency][key][figure] += BigInt(values[key]);
    }
  };
  add(gross, 'gross');
  add(refunded, 'refunded');
  add(disputed, 'disputed');
  add(lost, 'disputesLost');
  return Object.entries(totals)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, byWindow]) => ({
      currency,
      windows: Object.fromEntries(
        WINDOWS.map(({ key }) => {
          const t = byWindow[key];
          const figures: VolumeFigures = {
            gross: toMoney(t.gross, currency),
            refunded: toMoney(t.refunded, currency),
            disputed: toMoney(t.disputed, currency),
            disputesLost: toMoney(t.disputesLost, currency),
            net: toMoney(t.gross - t.refunded - t.disputesLost, currency),
          };
          return [key, figures];
        }),
      ) as Record<WindowKey, VolumeFigures>,
    }));
}

export interface DailyPoint {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  gross: number;
  refunded: number;
}

/** Gross and refunds per UTC day of the last `days` days, per currency, in minor units, every day present. */
export async function dailyVolume(db: Database, now: Date, days: number): Promise<{ currency: string; points: DailyPoint[] }[]> {
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1) * DAY_MS);
  const rows = await db.execute<{ currency: string; day: string; gross: string; refunded: string }>(sql`
    with volume as (
      select ${payments.currency} as currency, (${payments.createdAt} at time zone 'UTC')::date as day, sum(${payments.amountCaptured}) as gross, 0::numeric as refunded
      from ${payments} where ${payments.createdAt} >= ${first.toISOString()}::timestamptz and ${payments.createdAt} <= ${now.toISOString()}::timestamptz and ${payments.amountCaptured} > 0
      group by 1, 2
      union all
      select ${refunds.currency}, (${refunds.createdAt} at time zone 'UTC')::date, 0, sum(${refunds.amount})
      from ${refunds} where ${refunds.status} = 'succeeded' and ${refunds.createdAt} >= ${first.toISOString()}::timestamptz and ${refunds.createdAt} <= ${now.toISOString()}::timestamptz
      group by 1, 2
    )
    select currency, to_char(day, 'YYYY-MM-DD') as day, sum(gross)::text as gross, sum(refunded)::text as refunded from volume group by 1, 2 order by 1, 2`);
  const byCurrency = new Map<string, Map<string, DailyPoint>>();
  for (const row of rows) {
    const currency = row.currency.trim();
    if (!byCurrency.has(currency)) byCurrency.set(currency, new Map());
    byCurrency.get(currency)!.set(row.day, { day: row.day, gross: Number(row.gross), refunded: Number(row.refunded) });
  }
  const allDays = Array.from({ length: days }, (_, index) => new Date(first.getTime() + index * DAY_MS).toISOString().slice(0, 10));
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, points]) => ({ currency, points: allDays.map((day) => points.get(day) ?? { day, gross: 0, refunded: 0 }) }));
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

export interface PaymentOutcomes {
  succeeded: number;
  failed: number;
  /** succeeded / (succeeded + failed); null when no payment had an outcome. */
  successRate: number | null;
  topDeclines: { code: string; count: number }[];
}

/**
 * How payments made in the last `days` days ended: succeeded, or failed with the provider's
 * reason. A payment nobody finished (an abandoned checkout) had no outcome and counts in neither.
 */
export async function paymentOutcomes(db: Database, now: Date, days = 30): Promise<PaymentOutcomes> {
  const since = new Date(now.getTime() - days * DAY_MS).toISOString();
  const range = sql`${payments.createdAt} >= ${since}::timestamptz and ${payments.createdAt} <= ${now.toISOString()}::timestamptz`;
  const [totals, declines] = await Promise.all([
    db.execute<{ succeeded: number; failed: number }>(sql`
      select count(*) filter (where ${payments.status} = 'succeeded')::int as succeeded,
        count(*) filter (where ${payments.status} <> 'succeeded' and ${payments.failureCode} is not null)::int as failed
      from ${payments} where ${range}`),
    db.execute<{ code: string; count: number }>(sql`
      select ${payments.failureCode} as code, count(*)::int as count from ${payments}
      where ${range} and ${payments.status} <> 'succeeded' and ${payments.failureCode} is not null
      group by 1 order by 2 desc, 1 limit 5`),
  ]);
  const { succeeded, failed } = totals[0]!;
  return { succeeded, failed, successRate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed), topDeclines: [...declines] };
}
