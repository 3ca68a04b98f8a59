import { sql } from 'drizzle-orm';
import { bigint, boolean, char, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { paymentProvider } from './customers';

/**
 * Reconciliation (lib/billing/reconciliation.ts): a run compares a provider's objects made in a
 * window with Billfold's rows. Drift a re-fetch explains is healed through the webhook path and
 * recorded as a healed finding; the rest stays an open finding for an admin, with what to do.
 */

export const reconciliationRunStatus = pgEnum('reconciliation_run_status', ['running', 'succeeded', 'failed']);

export const reconciliationRuns = pgTable(
  'reconciliation_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provider: paymentProvider('provider').notNull(),
    /** Provider creation times compared: from included, to not. */
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
    status: reconciliationRunStatus('status').notNull().default('running'),
    /** `schedule` for the daily cron, else the admin user id who asked. */
    requestedBy: text('requested_by').notNull(),
    objectsCompared: integer('objects_compared').notNull().default(0),
    healed: integer('healed').notNull().default(0),
    /** Findings still open after this run (new or seen again). */
    open: integer('open').notNull().default(0),
    /** Objects with drift the provider failed to answer for while healing: nothing recorded, the next run compares them again. */
    unreadable: integer('unreadable').notNull().default(0),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('reconciliation_runs_started_at_idx').on(t.startedAt),
    // One run at a time per provider, below the app as well as in the job's lock.
    uniqueIndex('reconciliation_runs_one_running').on(t.provider).where(sql`${t.status} = 'running'`),
  ],
);

/**
 * `missing_here`: the provider has it, we have no row; `missing_there`: our row, no object at the
 * provider; `amount_differs` / `status_differs`: both have it, and they disagree.
 */
export const reconciliationFindingKind = pgEnum('reconciliation_finding_kind', ['missing_here', 'missing_there', 'amount_differs', 'status_differs']);
export const reconciliationObjectType = pgEnum('reconciliation_object_type', ['payment', 'refund', 'dispute', 'subscription']);

export const reconciliationFindings = pgTable(
  'reconciliation_findings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The run that found it first; `lastSeenRunId` the latest that still found it. */
    runId: uuid('run_id')
      .notNull()
      .references(() => reconciliationRuns.id),
    lastSeenRunId: uuid('last_seen_run_id')
      .notNull()
      .references(() => reconciliationRuns.id),
    provider: paymentProvider('provider').notNull(),
    kind: reconciliationFindingKind('kind').notNull(),
    objectType: reconciliationObjectType('object_type').notNull(),
    providerObjectId: text('provider_object_id').notNull(),
    oursAmount: bigint('ours_amount', { mode: 'number' }),
    oursCurrency: char('ours_currency', { length: 3 }),
    oursStatus: text('ours_status'),
    theirsAmount: bigint('theirs_amount', { mode: 'number' }),
    theirsCurrency: char('theirs_currency', { length: 3 }),
    theirsStatus: text('theirs_status'),
    /** A payment's refunded total on each side (minor units of its currency), so a refund drift shows both; null for other objects. */
    oursRefunded: bigint('ours_refunded', { mode: 'number' }),
    theirsRefunded: bigint('theirs_refunded', { mode: 'number' }),
    /** Applied through the webhook path, after which ours matched theirs. */
    healed: boolean('healed').notNull(),
    /** What an operator should do about an open finding (or what was done, for a healed one). */
    action: text('action').notNull(),
    /** Set when a later run no longer finds the drift of an open finding. */
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('reconciliation_findings_run_id_idx').on(t.runId),
    // An open finding is one row however many runs see it again: runs are idempotent.
    uniqueIndex('reconciliation_findings_one_open')
      .on(t.provider, t.objectType, t.providerObjectId)
      .where(sql`not ${t.healed} and ${t.resolvedAt} is null`),
    index('reconciliation_findings_created_at_idx').on(t.createdAt),
  ],
);
