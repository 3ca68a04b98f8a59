import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { emails } from '@/db/schema';
import { log, scrubString } from '@/lib/log';
import { processMetrics } from '@/lib/ops/metrics';
import { outgoingMessage, type MailDelivery } from '@/lib/mail/mailer';
import { sendInTransaction } from './boss';
import { BOSS_SCHEMA, EMAIL_MAX_ATTEMPTS, EMAIL_QUEUE, type EmailJob } from './queues';

export interface EmailDeps {
  db: Database;
  /** `off` never reaches here: without a way to deliver, the worker does not take email jobs. */
  delivery: Exclude<MailDelivery, { mode: 'off' }>;
}

type Attempt = { outcome: 'sent' | 'held' | 'settled' | 'busy' } | { outcome: 'failed'; reason: string; attempt: number; final: boolean };

/**
 * Delivers one outbox email, at least once and, short of a crash, exactly once.
 *
 * The row is locked (`for update skip locked`) for the whole attempt, SMTP included, so two
 * workers holding jobs for the same email (a redelivered job, a job the sweep added) never
 * both send: the second finds the row locked and leaves it to the first, whose own job is
 * retried if it fails. A settled row (sent, failed, held) is skipped. The attempt's result is
 * written in the same transaction that holds the lock.
 *
 * At-least-once: if the process dies, or the database is lost, after the SMTP server accepted
 * the message and before the transaction marking it sent commits, the row is still pending and
 * the job runs again, so the message is sent twice. Both copies carry the same Message-ID
 * (derived from the row's id), by which a receiving system can drop the duplicate.
 *
 * Throws when the attempt failed and should be retried (pg-boss retries with backoff); after
 * the last allowed attempt the row is marked `failed` with its error and this returns.
 */
export async function deliverEmail(deps: EmailDeps, emailId: string): Promise<void> {
  const { delivery } = deps;
  const result = await deps.db.transaction(async (tx): Promise<Attempt> => {
    const [email] = await tx.select().from(emails).where(eq(emails.id, emailId)).for('update', { skipLocked: true });
    if (!email) return { outcome: 'busy' };
    if (email.status !== 'pending') return { outcome: 'settled' };
    if (delivery.mode === 'outbox') {
      await tx.update(emails).set({ status: 'held', updatedAt: sql`now()` }).where(eq(emails.id, email.id));
      return { outcome: 'held' };
    }
    const attempt = email.attempts + 1;
    try {
      await delivery.mailer.send(outgoingMessage(email, delivery.from));
    } catch (error) {
      const reason = scrubString(error instanceof Error ? error.message : String(error)).slice(0, 2000);
      const final = attempt >= EMAIL_MAX_ATTEMPTS;
      await tx
        .update(emails)
        .set({ status: final ? 'failed' : 'pending', attempts: attempt, lastError: reason, updatedAt: sql`now()` })
        .where(eq(emails.id, email.id));
      return { outcome: 'failed', reason, attempt, final };
    }
    await tx.update(emails).set({ status: 'sent', attempts: attempt, lastError: null, sentAt: sql`now()`, updatedAt: sql`now()` }).where(eq(emails.id, email.id));
    return { outcome: 'sent' };
  });

  // Ids and outcomes only: never the recipient's address, the subject or the body.
  if (result.outcome === 'failed') {
    log.warn({ emailId, attempt: result.attempt, final: result.final, reason: result.reason }, result.final ? 'email delivery failed for good' : 'email delivery failed; will retry');
    processMetrics().emailAttemptsFailed.inc({ final: String(result.final) });
    if (!result.final) throw new Error(result.reason);
  } else if (result.outcome === 'sent') {
    log.info({ emailId }, 'email sent');
  }
}

/**
 * Gives a delivery job to every pending email that has none waiting, retrying or running: rows
 * written before delivery existed, rows whose job was lost when the queue was cleared, rows
 * written before the worker first created the queue. pg-boss has no lookup by job data, so
 * this reads its job table. One worker sweeps at a time (the others skip the round); a job the
 * sweep adds beside a live one is harmless, since delivery locks the row and skips what is
 * settled. Returns how many jobs it enqueued.
 */
export async function sweepOutbox(db: Database, limit = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(hashtextextended('billfold:email-sweep', 0)) as locked`);
    if (!lock?.locked) return 0;
    const orphans = await tx
      .select({ id: emails.id })
      .from(emails)
      .where(
        sql`${emails.status} = 'pending' and not exists (
          select 1 from ${sql.identifier(BOSS_SCHEMA)}.job
          where name = ${EMAIL_QUEUE} and state in ('created', 'retry', 'active') and data->>'emailId' = ${emails.id}::text)`,
      )
      .orderBy(asc(emails.createdAt))
      .limit(limit);
    for (const { id } of orphans) {
      const job: EmailJob = { emailId: id };
      await sendInTransaction(tx, EMAIL_QUEUE, job);
    }
    if (orphans.length > 0) log.info({ jobs: orphans.length }, 'email sweep enqueued unsent email');
    return orphans.length;
  });
}
