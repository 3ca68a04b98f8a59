import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Outgoing email, written in the same transaction as the change it reports (a receipt with the
 * order becoming paid), so each is sent once. `(kind, ref)` is unique: a receipt per order.
 */
export const emails = pgTable(
  'emails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['receipt'] }).notNull(),
    /** What the email is about, e.g. the order id for a receipt. */
    ref: text('ref').notNull(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('emails_kind_ref_key').on(t.kind, t.ref), index('emails_created_at_idx').on(t.createdAt)],
);
