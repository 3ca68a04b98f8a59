import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { payments, prices, subscriptions } from '@/db/schema';
import { money, type Money } from '@/lib/money';
import { addSums, daysBetween, endedDaySums, liveSums, settledBefore, utcMidnight, ZERO, type SumsByCurrency } from './revenue-days';

/**
 * The overview's figures (issue 14, item 9): money in and out per currency, never summed across
 * currencies; recurring revenue and subscribers from subscription state; how often payments
 * succeed and why they fail. Money figures read the days that have ended from stored daily sums
 * kept exact by triggers (./revenue-days.ts) and only the last hours live; the others are one
 * aggregate over an indexed range, so the overview costs the same at a million rows.
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

function toMoney(amount: bigint, currency: string): Money {
  // Sums of a currency's amounts stay far below 2^53 minor units in any real shop; a sum that
  // does not is refused by money() rather than rounded.
  return money(Number(amount), currency);
}

/**
 * Gross, refunds, disputes and net per currency, for today and the last 7, 30 and 90 days.
 * Each window is its days that have ended, summed once and kept (./revenue-days.ts), and the
 * hours at either end summed live: at a million payments the page reads some 90 stored rows per
 * currency and a day or two of payments, where summing three months live read a quarter million.
 */
export async function volumeByCurrency(db: Database, now: Date): Promise<CurrencyVolume[]> {
  const starts = windowStarts(now);
  const settled = settledBefore(now);
  // Each window: its first, partial day live; its ended days stored; from `settled` to now live.
  const spans = WINDOWS.map(({ key }) => {
    const start = starts[key];
    const firstWholeDay = start.getTime() === utcMidnight(start).getTime() ? start : new Date(utcMidnight(start).getTime() + DAY_MS);
    if (firstWholeDay >= settled) return { key, head: { from: start, to: new Date(now.getTime() + 1) }, days: null };
    return { key, head: { from: start, to: firstWholeDay }, days: { from: firstWholeDay, to: settled } };
  });
  const widest = spans.reduce<{ from: Date; to: Date } | null>((wide, span) => (span.days && (!wide || span.days.from < wide.from) ? span.days : wide), null);
  const tail = { from: settled, to: new Date(now.getTime() + 1) };
  const [live, ended] = await Promise.all([
    liveSums(db, [...spans.map((span) => span.head), tail]),
    widest ? endedDaySums(db, widest.from, widest.to) : Promise.resolve(new Map<string, SumsByCurrency>()),
  ]);
  const byWindow = spans.map((span, index) => {
    const total: SumsByCurrency = new Map();
    addSums(total, live[index]!);
    if (span.days) {
      addSums(total, live[spans.length]!);
      for (const day of daysBetween(span.days.from, span.days.to)) addSums(total, ended.get(day)!);
    }
    return total;
  });
  const currencies = [...new Set(byWindow.flatMap((total) => [...total.keys()]))].sort();
  return currencies.map((currency) => ({
    currency,
    windows: Object.fromEntries(
      WINDOWS.map(({ key }, index) => {
        const t = byWindow[index]!.get(currency) ?? ZERO;
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
  const first = new Date(utcMidnight(now).getTime() - (days - 1) * DAY_MS);
  const settled = settledBefore(now) < first ? first : settledBefore(now);
  // The days still open (today, and yesterday in its first hour), each summed live up to now.
  const open = daysBetween(settled, new Date(utcMidnight(now).getTime() + DAY_MS));
  const [ended, live] = await Promise.all([
    endedDaySums(db, first, settled),
    liveSums(
      db,
      open.map((day) => {
        const from = new Date(`${day}T00:00:00.000Z`);
        return { from, to: new Date(Math.min(from.getTime() + DAY_MS, now.getTime() + 1)) };
      }),
    ),
  ]);
  open.forEach((day, index) => ended.set(day, live[index]!));
  const allDays = daysBetween(first, new Date(utcMidnight(now).getTime() + DAY_MS));
  const currencies = [...new Set(allDays.flatMap((day) => [...ended.get(day)!].filter(([, sums]) => sums.gross > 0n || sums.refunded > 0n).map(([currency]) => currency)))].sort();
  return currencies.map((currency) => ({
    currency,
    points: allDays.map((day) => {
      const sums = ended.get(day)!.get(currency);
      return { day, gross: Number(sums?.gross ?? 0n), refunded: Number(sums?.refunded ?? 0n) };
    }),
  }));
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
