import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { disputes, payments, refunds, revenueDays, revenueDayTotals } from '@/db/schema';
import { money } from '@/lib/money';
import { isolatedDatabase, type TestDatabase } from '@/test/database';
import { dailyVolume, volumeByCurrency } from './revenue';
import { dayKey } from './revenue-days';

/** The clock's own now: the triggers decide which days have ended by it. */
const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

let sequence = 0;

async function payment(t: TestDatabase, at: Date, captured: number, currency = 'USD') {
  sequence += 1;
  const [row] = await t.db
    .insert(payments)
    .values({ provider: 'stripe', providerPaymentId: `pi_days${sequence}`, status: 'succeeded', currency, amount: 10_000, amountCaptured: captured, createdAt: at })
    .returning();
  return row!;
}

async function versionOf(t: TestDatabase, at: Date) {
  const [row] = await t.db.select().from(revenueDays).where(eq(revenueDays.day, dayKey(at)));
  return row;
}

const gross = async (t: TestDatabase, window: '7d' | '30d' | '90d' | 'today') => (await volumeByCurrency(t.db, new Date())).find((each) => each.currency === 'USD')?.windows[window].gross;

describe('the overview’s stored daily sums', () => {
  const t = isolatedDatabase();

  it('stores the sums of days that have ended, per currency, and reads them back as they were', async () => {
    await payment(t, daysAgo(3), 5_000);
    await payment(t, daysAgo(3), 700, 'EUR');
    await payment(t, daysAgo(20), 2_000);
    expect(await gross(t, '30d')).toEqual(money(7_000, 'USD'));

    const stored = await t.db.select().from(revenueDayTotals).where(eq(revenueDayTotals.day, dayKey(daysAgo(3))));
    expect(stored.map((row) => [row.currency, row.gross]).sort()).toEqual([
      ['EUR', 700n],
      ['USD', 5_000n],
    ]);
    const day = await versionOf(t, daysAgo(3));
    expect(day!.computedVersion).toBe(day!.version);
    // Read again, from what was stored: the same figures.
    expect(await gross(t, '30d')).toEqual(money(7_000, 'USD'));
    expect(await gross(t, '7d')).toEqual(money(5_000, 'USD'));
  });

  it('follows a late capture, a refund that completes and a dispute lost on days that have ended', async () => {
    const late = await payment(t, daysAgo(5), 0);
    const before = (await versionOf(t, daysAgo(5)))!.version;
    expect(await gross(t, '7d')).toEqual(money(5_000, 'USD'));

    await t.db.update(payments).set({ amountCaptured: 1_200 }).where(eq(payments.id, late.id));
    expect((await versionOf(t, daysAgo(5)))!.version).toBeGreaterThan(before);
    expect(await gross(t, '7d')).toEqual(money(6_200, 'USD'));

    const [refund] = await t.db
      .insert(refunds)
      .values({ paymentId: late.id, provider: 'stripe', providerRefundId: 're_days1', status: 'pending', amount: 200, currency: 'USD', createdAt: daysAgo(4) })
      .returning();
    const refunded = async () => (await volumeByCurrency(t.db, new Date())).find((each) => each.currency === 'USD')!.windows['7d'].refunded;
    expect(await refunded()).toEqual(money(0, 'USD'));
    await t.db.update(refunds).set({ status: 'succeeded' }).where(eq(refunds.id, refund!.id));
    expect(await refunded()).toEqual(money(200, 'USD'));

    const [dispute] = await t.db
      .insert(disputes)
      .values({ paymentId: late.id, provider: 'stripe', providerDisputeId: 'du_days1', status: 'needs_response', amount: 1_000, currency: 'USD', createdAt: daysAgo(4), updatedAt: daysAgo(4) })
      .returning();
    await volumeByCurrency(t.db, new Date());
    await t.db.update(disputes).set({ status: 'lost', updatedAt: daysAgo(2) }).where(eq(disputes.id, dispute!.id));
    const usd = (await volumeByCurrency(t.db, new Date())).find((each) => each.currency === 'USD')!.windows['7d'];
    expect(usd).toMatchObject({ disputed: money(1_000, 'USD'), disputesLost: money(1_000, 'USD'), net: money(6_200 - 200 - 1_000, 'USD') });

    const series = (await dailyVolume(t.db, new Date(), 7)).find((each) => each.currency === 'USD')!;
    expect(series.points.find((point) => point.day === dayKey(daysAgo(5)))).toEqual({ day: dayKey(daysAgo(5)), gross: 1_200, refunded: 0 });
    expect(series.points.find((point) => point.day === dayKey(daysAgo(4)))).toEqual({ day: dayKey(daysAgo(4)), gross: 0, refunded: 200 });
  });

  it('leaves the stored days alone for writes about today', async () => {
    const [{ versions }] = (await t.db.execute<{ versions: string }>(sql`select coalesce(sum(version), 0)::text as versions from revenue_days`)) as unknown as [{ versions: string }];
    const today = await payment(t, new Date(), 900);
    await t.db.update(payments).set({ amountCaptured: 950 }).where(eq(payments.id, today.id));
    const [after] = (await t.db.execute<{ versions: string }>(sql`select coalesce(sum(version), 0)::text as versions from revenue_days`)) as unknown as [{ versions: string }];
    expect(after!.versions).toBe(versions);
    expect(await versionOf(t, new Date())).toBeUndefined();
    expect(await gross(t, 'today')).toEqual(money(950, 'USD'));
  });

  it('never keeps a sum as fresh when a change lands in the day while it is being summed', async () => {
    const old = await payment(t, daysAgo(10), 3_000);
    await volumeByCurrency(t.db, new Date());
    // A second session plays the summing request: it holds the day's row lock, as sumAndStore does.
    const reader = postgres(t.url, { max: 1, onnotice: () => {} });
    const writer = postgres(t.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    try {
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const summing = reader.begin(async (tx) => {
        await tx`select version from revenue_days where day = ${dayKey(daysAgo(10))} for update`;
        locked();
        await held;
        // The sums it read do not include the capture below, yet it marks them fresh.
        await tx`update revenue_days set computed_version = version where day = ${dayKey(daysAgo(10))}`;
      });
      await isLocked;
      const capture = writer`update payments set amount_captured = 3500 where id = ${old.id}`;
      const waited = await Promise.race([capture.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), 300))]);
      expect(waited).toBe(true); // the writer's bump waits for the summing to end
      release();
      await summing;
      await capture;
    } finally {
      release();
      await reader.end();
      await writer.end();
    }
    const day = await versionOf(t, daysAgo(10));
    expect(day!.computedVersion).not.toBe(day!.version);
    expect(await gross(t, '30d')).toEqual(money(5_000 + 1_200 + 2_000 + 3_500 + 950, 'USD'));
  });

  it('forgets every stored sum when the money tables are emptied', async () => {
    await volumeByCurrency(t.db, new Date());
    expect((await t.db.select().from(revenueDays)).length).toBeGreaterThan(0);
    await t.db.execute(sql`truncate payments cascade`);
    expect(await t.db.select().from(revenueDays)).toEqual([]);
    expect(await volumeByCurrency(t.db, new Date())).toEqual([]);
  });
});
