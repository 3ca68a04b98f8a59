import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * `pending`: waiting for the worker (or, in test mode without SMTP_URL, for SMTP_URL);
 * `sent`: the SMTP server accepted it; `failed`: the last attempt failed, see `last_error`;
 * `held`: sandbox mode kept it in the admin console's Emails (/admin/emails), and it is never delivered, even if this
 * database later runs with live keys (its address may be a real person's, its order a demo).
 */
export const emailStatus = pgEnum('email_status', ['pending', 'sent', 'failed', 'held']);

/**
 * Outgoing email, written in the same transaction as the change it reports (a receipt with the
 * order becoming paid), so each is sent once. `(kind, ref)` is unique: a receipt per order.
 */
export const emails = pgTable(
  'emails',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['receipt', 'payment_failed', 'payment_action_required', 'trial_ending', 'refund'] }).notNull(),
    /** What the email is about: the order id for a receipt, the invoice and attempt for a failed payment, the refund request for a refund. */
    ref: text('ref').notNull(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    /** An HTML alternative to `text`, for kinds that have one. */
    html: text('html'),
    status: emailStatus('status').notNull().default('pending'),
    /** Delivery attempts that reached the SMTP server or failed trying. */
    attempts: integer('attempts').notNull().default(0),
    /** Why the latest attempt failed (the SMTP server's answer or the connection error). */
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('emails_kind_ref_key').on(t.kind, t.ref),
    // The console's outbox pages by keyset on (created_at desc, id desc) and filters by recipient.
    index('emails_created_at_id_idx').on(t.createdAt, t.id),
    index('emails_to_lower_idx').on(sql`lower(${t.to})`),
    // The sweep looks for unsent email; that stays a small set however many were sent.
    index('emails_pending_idx').on(t.createdAt).where(sql`${t.status} = 'pending'`),
  ],
);
