import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { disputes, payments, refunds, revenueDays, revenueDayTotals } from '@/db/schema';

/**
 * The overview's money figures summed per UTC day, with the days that have ended summed once and
 * kept (db/schema/revenue.ts), so the 90-day figures read 90 stored rows per currency instead of
 * every payment of three months.
 *
 * Kept exact: triggers on payments, refunds and disputes (migration 0014_revenue_days) bump a
 * day's `version` whenever a change lands in it after it ended (a late capture, a refund that
 * completes the next day, a dispute decided). Stored totals count only while their
 * `computed_version` is the day's `version`; a stale day is summed again, under the day's row
 * lock, which a writer's bump waits for, so a sum can never be stored as fresh over a change
 * it did not see. Writes about today, nearly all of them, never touch these tables.
 *
 * A day counts as ended an hour after its UTC midnight: a transaction that wrote into it while
 * it was still today (its trigger saw no ended day) has committed by then.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const SETTLE_MS = 60 * 60 * 1000;

export interface Sums {
  /** Captured by payments made in the range. */
  gross: bigint;
  /** Completed refunds made in the range. */
  refunded: bigint;
  /** Disputes opened in the range. */
  disputed: bigint;
  /** Disputes lost, by when they were decided (their row's last change). */
  disputesLost: bigint;
}

/** Per currency. */
export type SumsByCurrency = Map<string, Sums>;

export interface Range {
  from: Date;
  /** Exclusive. */
  to: Date;
}

export const ZERO: Readonly<Sums> = Object.freeze({ gross: 0n, refunded: 0n, disputed: 0n, disputesLost: 0n });

export function addSums(into: SumsByCurrency, from: SumsByCurrency): void {
  for (const [currency, sums] of from) {
    const total = into.get(currency) ?? { ...ZERO };
    total.gross += sums.gross;
    total.refunded += sums.refunded;
    total.disputed += sums.disputed;
    total.disputesLost += sums.disputesLost;
    into.set(currency, total);
  }
}

export function utcMidnight(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function dayKey(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The midnight before which every day has ended and may be stored. Read against the clock as well
 * as `now`: a `now` in the future (a test's, a report's) must not close a day the triggers still
 * treat as today.
 */
export function settledBefore(now: Date): Date {
  return utcMidnight(new Date(Math.min(now.getTime(), Date.now()) - SETTLE_MS));
}

/** The UTC days from `from` (a midnight) up to `to` (a midnight, exclusive), as `YYYY-MM-DD`. */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let at = from.getTime(); at < to.getTime(); at += DAY_MS) days.push(dayKey(new Date(at)));
  return days;
}

function dayRange(day: string): Range {
  const from = new Date(`${day}T00:00:00.000Z`);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

/**
 * Sums money in and out over each range, read live from payments, refunds and disputes: one
 * statement, each range an index range scan of each table.
 */
export async function liveSums(db: Database | Transaction, ranges: readonly Range[]): Promise<SumsByCurrency[]> {
  const result = ranges.map((): SumsByCurrency => new Map());
  if (ranges.length === 0) return result;
  const values = sql.join(
    ranges.map((range, index) => sql`(${index}::int, ${range.from.toISOString()}::timestamptz, ${range.to.toISOString()}::timestamptz)`),
    sql`, `,
  );
  const rows = await db.execute<{ range: number; currency: string; gross: string; refunded: string; disputed: string; lost: string }>(sql`
    select r.range, m.currency, sum(m.gross)::text as gross, sum(m.refunded)::text as refunded, sum(m.disputed)::text as disputed, sum(m.lost)::text as lost
    from (values ${values}) as r(range, since, until)
    cross join lateral (
      select ${payments.currency} as currency, ${payments.amountCaptured}::bigint as gross, 0::bigint as refunded, 0::bigint as disputed, 0::bigint as lost
      from ${payments} where ${payments.createdAt} >= r.since and ${payments.createdAt} < r.until and ${payments.amountCaptured} > 0
      union all
      select ${refunds.currency}, 0, ${refunds.amount}, 0, 0
      from ${refunds} where ${refunds.status} = 'succeeded' and ${refunds.createdAt} >= r.since and ${refunds.createdAt} < r.until
      union all
      select ${disputes.currency}, 0, 0, ${disputes.amount}, 0
      from ${disputes} where ${disputes.createdAt} >= r.since and ${disputes.createdAt} < r.until
      union all
      select ${disputes.currency}, 0, 0, 0, ${disputes.amount}
      from ${disputes} where ${disputes.status} = 'lost' and ${disputes.updatedAt} >= r.since and ${disputes.updatedAt} < r.until
    ) as m
    group by 1, 2`);
  for (const row of rows) {
    result[row.range]!.set(row.currency.trim(), { gross: BigInt(row.gross), refunded: BigInt(row.refunded), disputed: BigInt(row.disputed), disputesLost: BigInt(row.lost) });
  }
  return result;
}

/**
 * Sums `days` and stores them as of the version each day's row holds now. Days another request
 * is summing at this moment are skipped (it will store them); the sums of every day are returned
 * either way.
 */
async function sumAndStore(db: Database, days: readonly string[]): Promise<Map<string, SumsByCurrency>> {
  // One statement a day, holding no other lock, so a writer bumping two days can never wait on
  // this in a cycle; a day is inserted once, ever.
  const known = new Set((await db.select({ day: revenueDays.day }).from(revenueDays).where(inArray(revenueDays.day, [...days]))).map((row) => row.day));
  for (const day of days) if (!known.has(day)) await db.insert(revenueDays).values({ day }).onConflictDoNothing();

  return db.transaction(async (tx) => {
    // A writer's bump waits on these locks until the sums below are stored; a sum begun before
    // a writer's bump leaves the day stale, never wrongly fresh.
    const locked = await tx
      .select({ day: revenueDays.day, version: revenueDays.version })
      .from(revenueDays)
      .where(inArray(revenueDays.day, [...days]))
      .orderBy(revenueDays.day)
      .for('update', { skipLocked: true });
    const sums = await liveSums(tx, days.map(dayRange));
    const byDay = new Map(days.map((day, index) => [day, sums[index]!]));
    if (locked.length > 0) {
      const lockedDays = locked.map((row) => row.day);
      await tx.delete(revenueDayTotals).where(inArray(revenueDayTotals.day, lockedDays));
      const rows = locked.flatMap(({ day }) =>
        [...byDay.get(day)!].map(([currency, each]) => ({ day, currency, gross: each.gross, refunded: each.refunded, disputed: each.disputed, disputesLost: each.disputesLost })),
      );
      if (rows.length > 0) await tx.insert(revenueDayTotals).values(rows);
      await tx
        .update(revenueDays)
        .set({ computedVersion: sql`${revenueDays.version}` })
        .where(inArray(revenueDays.day, lockedDays));
    }
    return byDay;
  });
}

/**
 * Money in and out for each ended UTC day from `from` up to `to` (midnights, `to` no later than
 * settledBefore(now)), per currency: stored sums where they are fresh, the rest summed and stored.
 */
export async function endedDaySums(db: Database, from: Date, to: Date): Promise<Map<string, SumsByCurrency>> {
  const days = daysBetween(from, to);
  const byDay = new Map<string, SumsByCurrency>(days.map((day) => [day, new Map()]));
  if (days.length === 0) return byDay;
  // One statement, so a day's freshness and its sums come from the same snapshot.
  const stored = await db
    .select({
      day: revenueDays.day,
      fresh: sql<boolean>`${revenueDays.computedVersion} is not distinct from ${revenueDays.version}`,
      currency: revenueDayTotals.currency,
      gross: revenueDayTotals.gross,
      refunded: revenueDayTotals.refunded,
      disputed: revenueDayTotals.disputed,
      disputesLost: revenueDayTotals.disputesLost,
    })
    .from(revenueDays)
    .leftJoin(revenueDayTotals, eq(revenueDayTotals.day, revenueDays.day))
    .where(and(gte(revenueDays.day, days[0]!), lt(revenueDays.day, dayKey(to))));
  const freshDays = new Set<string>();
  for (const row of stored) {
    if (!row.fresh) continue;
    freshDays.add(row.day);
    if (row.currency !== null) {
      byDay.get(row.day)!.set(row.currency.trim(), { gross: row.gross!, refunded: row.refunded!, disputed: row.disputed!, disputesLost: row.disputesLost! });
    }
  }
  const stale = days.filter((day) => !freshDays.has(day));
  if (stale.length > 0) for (const [day, sums] of await sumAndStore(db, stale)) byDay.set(day, sums);
  return byDay;
}
