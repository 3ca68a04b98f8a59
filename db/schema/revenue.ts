import { bigint, char, date, pgTable, primaryKey } from 'drizzle-orm/pg-core';

/**
 * The overview's money figures per closed UTC day, kept exact without touching the checkout's
 * hot path (lib/billing/admin/revenue-days.ts):
 *
 * - `revenue_days` has a row per day someone has asked about. Triggers on payments, refunds
 *   and disputes (migration 0014_revenue_days) add one to `version` whenever a change lands
 *   in a day that has already ended, which is rare: almost every write is about today.
 * - `revenue_day_totals` holds that day's sums per currency, valid while the day's
 *   `computed_version` equals its `version`; a stale day is summed live and stored again.
 */
export const revenueDays = pgTable('revenue_days', {
  day: date('day', { mode: 'string' }).primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
  /** The `version` the stored totals were summed at; null until first summed. */
  computedVersion: bigint('computed_version', { mode: 'number' }),
});

export const revenueDayTotals = pgTable(
  'revenue_day_totals',
  {
    day: date('day', { mode: 'string' })
      .notNull()
      .references(() => revenueDays.day, { onDelete: 'cascade' }),
    currency: char('currency', { length: 3 }).notNull(),
    /** Captured by payments made that day. */
    gross: bigint('gross', { mode: 'bigint' }).notNull(),
    /** Completed refunds made that day. */
    refunded: bigint('refunded', { mode: 'bigint' }).notNull(),
    /** Disputes opened that day. */
    disputed: bigint('disputed', { mode: 'bigint' }).notNull(),
    /** Disputes lost, by the day they were decided (their last change). */
    disputesLost: bigint('disputes_lost', { mode: 'bigint' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.currency] })],
);
