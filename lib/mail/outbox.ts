import type { Transaction } from '@/db/client';
import { emails } from '@/db/schema';
import { sendInTransaction } from '@/lib/jobs/boss';
import { EMAIL_QUEUE, type EmailJob } from '@/lib/jobs/queues';

export type EmailKind = (typeof emails.$inferInsert)['kind'];

export interface QueuedEmail {
  kind: EmailKind;
  /** What the email is about (an order id for a receipt): one email per kind and ref. */
  ref: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Writes an email to the outbox and enqueues its delivery, both in the caller's transaction: the
 * email exists exactly when the change it reports committed, and it always has a job (or, if the
 * queue was cleared, the worker's sweep gives it one). `(kind, ref)` is unique, so queueing the
 * same email again, as a replayed event does, writes and sends nothing more. Every kind of email
 * (receipts today; dunning, trial endings) is queued here and delivered the same way.
 */
export async function queueEmail(tx: Transaction, email: QueuedEmail): Promise<'queued' | 'duplicate'> {
  const [row] = await tx
    .insert(emails)
    .values(email)
    .onConflictDoNothing({ target: [emails.kind, emails.ref] })
    .returning({ id: emails.id });
  if (!row) return 'duplicate';
  const job: EmailJob = { emailId: row.id };
  await sendInTransaction(tx, EMAIL_QUEUE, job);
  return 'queued';
}
