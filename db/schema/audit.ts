import { bigint, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './auth';

/**
 * Append-only record of who did what: role changes, refunds, replays. PostgreSQL itself refuses
 * UPDATE, DELETE and TRUNCATE of it (migration 0007_audit_log_append_only), so no code path,
 * bug or compromised admin session in the app can rewrite the record.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /**
     * No ON DELETE action: the table is append-only (a trigger refuses UPDATE), so `set null`
     * could only fail inside the user's deletion. A user who acted keeps the history they made;
     * deleting them is refused by this key, which says why better than the trigger would.
     */
    actorUserId: text('actor_user_id').references(() => users.id),
    /** `cli` for the admin command line, `system` for jobs. */
    actorKind: text('actor_kind', { enum: ['user', 'cli', 'system'] }).notNull(),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    data: jsonb('data').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('audit_log_subject_idx').on(t.subjectType, t.subjectId),
    index('audit_log_created_at_idx').on(t.createdAt),
    // The audit page pages by id, newest first, and filters by action or actor.
    index('audit_log_action_id_idx').on(t.action, t.id),
    index('audit_log_actor_id_idx').on(t.actorUserId, t.id),
  ],
);
