import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { auditLog, emails, emailStatus } from '@/db/schema';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { sendInTransaction } from '@/lib/jobs/boss';
import { EMAIL_QUEUE, type EmailJob } from '@/lib/jobs/queues';
import { isErasedEmail } from '@/lib/privacy/inventory';
import { auditEntriesFor, type AuditEntry } from './audit';
import { beforeCursor, cursorText, dateBounds, encodeCursor, Instant, Limit, parseListQuery, CursorParam, type SearchParams } from './query';

/**
 * The console's outbox (db/schema/emails.ts): every email Billfold wrote, sent, waiting, failed
 * with its error, or held (sandbox mode keeps email here and never sends it). Only staff read it:
 * a receipt carries its buyer's address, order and links.
 */

export type EmailStatus = (typeof emailStatus.enumValues)[number];
export type EmailKind = (typeof emails.$inferSelect)['kind'];
export const EMAIL_KINDS = emails.kind.enumValues;

export const EMAIL_KIND_LABELS: Record<EmailKind, string> = {
  receipt: 'Receipt',
  payment_failed: 'Payment failed',
  payment_action_required: 'Payment needs action',
  trial_ending: 'Trial ending',
  refund: 'Refund',
};

export const EmailQuery = z.object({
  status: z.enum(emailStatus.enumValues).optional(),
  kind: z.enum(EMAIL_KINDS).optional(),
  /** The recipient's address, exactly (case aside). */
  to: z.string().trim().toLowerCase().max(320).optional(),
  from: Instant.optional(),
  until: Instant.optional(),
  cursor: CursorParam.optional(),
  limit: Limit,
});
export type EmailQuery = z.output<typeof EmailQuery>;

export function parseEmailQuery(params: SearchParams): EmailQuery {
  return parseListQuery(EmailQuery, params);
}

export interface EmailRow {
  id: string;
  kind: EmailKind;
  to: string;
  subject: string;
  status: EmailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface EmailPage {
  rows: EmailRow[];
  nextCursor: string | null;
}

/** One page of the outbox, newest first, keyset-paged on (created_at, id). */
export async function listEmails(db: Database, query: EmailQuery): Promise<EmailPage> {
  const where: (SQL | undefined)[] = [
    query.status ? eq(emails.status, query.status) : undefined,
    query.kind ? eq(emails.kind, query.kind) : undefined,
    query.to ? sql`lower(${emails.to}) = ${query.to}` : undefined,
    ...dateBounds(emails.createdAt, query.from, query.until),
    query.cursor ? beforeCursor(emails.createdAt, emails.id, query.cursor) : undefined,
  ];
  const rows = await db
    .select({
      id: emails.id,
      kind: emails.kind,
      to: emails.to,
      subject: emails.subject,
      status: emails.status,
      attempts: emails.attempts,
      lastError: emails.lastError,
      createdAt: emails.createdAt,
      sentAt: emails.sentAt,
      cursorAt: cursorText(emails.createdAt),
    })
    .from(emails)
    .where(and(...where))
    .orderBy(desc(emails.createdAt), desc(emails.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ cursorAt: _, ...row }) => row),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
  };
}

export interface EmailDetail extends EmailRow {
  ref: string;
  text: string;
  hasHtml: boolean;
  updatedAt: Date;
  audit: AuditEntry[];
}

export async function getEmail(db: Database, id: string): Promise<EmailDetail | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await db.select().from(emails).where(eq(emails.id, id));
  if (!row) return null;
  const { html, ...rest } = row;
  return { ...rest, hasHtml: html !== null, audit: await auditEntriesFor(db, 'email', id) };
}

export type ResendOutcome = { outcome: 'queued' } | { outcome: 'unchanged'; status: EmailStatus };

/**
 * Sends a failed email again: back to `pending` with a new delivery job, its attempts started
 * afresh so it gets the queue's full retries (the last error stays until the next attempt).
 * Only a failed email moves: a second click finds it pending and changes nothing, and a held
 * (sandbox) email is never sent. Audited as `email.resent`.
 */
export async function resendEmail(db: Database, staff: SessionUser, emailId: string): Promise<ResendOutcome> {
  assertCan(staff, 'emails.resend');
  if (!z.uuid().safeParse(emailId).success) throw new UserFacingError('No email has this id.', 'not_found');
  return db.transaction(async (tx) => {
    const [email] = await tx.select().from(emails).where(eq(emails.id, emailId)).for('update');
    if (!email) throw new UserFacingError('No email has this id.', 'not_found');
    if (email.status !== 'failed') return { outcome: 'unchanged', status: email.status };
    if (isErasedEmail(email.to)) throw new UserFacingError("This email's recipient was erased: there is no address to send it to.", 'recipient_erased');
    await tx.update(emails).set({ status: 'pending', attempts: 0, updatedAt: sql`now()` }).where(eq(emails.id, email.id));
    const job: EmailJob = { emailId: email.id };
    // Without a queue the worker's sweep gives the pending row a job (lib/jobs/email-worker.ts).
    await sendInTransaction(tx, EMAIL_QUEUE, job);
    await tx.insert(auditLog).values({
      actorKind: 'user',
      actorUserId: staff.id,
      action: 'email.resent',
      subjectType: 'email',
      subjectId: email.id,
      data: { kind: email.kind, before: { status: email.status, attempts: email.attempts, lastError: email.lastError }, after: { status: 'pending', attempts: 0 } },
    });
    return { outcome: 'queued' };
  });
}
