import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, emails, users } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import type { SessionUser } from '@/lib/auth/users';
import { deliverEmail } from '@/lib/jobs/email-worker';
import { EMAIL_QUEUE } from '@/lib/jobs/queues';
import type { OutgoingMessage } from '@/lib/mail/mailer';
import { queueEmail, type EmailKind } from '@/lib/mail/outbox';
import { isolatedDatabase } from '@/test/database';
import { userFacingError } from '@/test/errors';
import { listEmails, parseEmailQuery, resendEmail, type EmailStatus } from './emails';

const t = isolatedDatabase();
let admin: SessionUser;
let support: SessionUser;

beforeAll(async () => {
  const [a, s] = await t.db
    .insert(users)
    .values([
      { email: 'mail-admin@example.com', role: 'admin' },
      { email: 'mail-support@example.com', role: 'support' },
    ])
    .returning();
  admin = { id: a!.id, email: a!.email, name: null, role: 'admin' };
  support = { id: s!.id, email: s!.email, name: null, role: 'support' };
});

/** An email queued as the app queues it, then left in `status`. */
async function email(options: { to?: string; kind?: EmailKind; status?: EmailStatus; createdAt?: string } = {}) {
  const ref = crypto.randomUUID();
  await t.db.transaction((tx) => queueEmail(tx, { kind: options.kind ?? 'receipt', ref, to: options.to ?? 'buyer@example.com', subject: `Receipt ${ref}`, text: 'Thank you.' }));
  const [row] = await t.db
    .update(emails)
    .set({
      status: options.status ?? 'pending',
      ...(options.status === 'failed' ? { attempts: 10, lastError: '550 mailbox unavailable' } : {}),
      ...(options.createdAt ? { createdAt: sql`${options.createdAt}::timestamptz` } : {}),
    })
    .where(eq(emails.ref, ref))
    .returning();
  // Its first job has run (and, for a failed email, given up).
  await t.db.execute(sql`update pgboss.job set state = 'completed' where name = ${EMAIL_QUEUE} and data->>'emailId' = ${row!.id}`);
  return row!;
}

async function liveJobs(emailId: string) {
  return t.db.execute(sql`select id from pgboss.job where name = ${EMAIL_QUEUE} and state in ('created', 'retry', 'active') and data->>'emailId' = ${emailId}`);
}

describe('the outbox list', () => {
  it('filters by status, kind and recipient (whatever its case), newest first', async () => {
    const to = `Filter-${crypto.randomUUID().slice(0, 8)}@Example.com`;
    const held = await email({ to, status: 'held', createdAt: '2026-03-01T00:00:00Z' });
    const failed = await email({ to, status: 'failed', kind: 'payment_failed', createdAt: '2026-03-02T00:00:00Z' });
    await email({ status: 'failed' }); // someone else's
    const ids = async (params: Record<string, string>) => (await listEmails(t.db, parseEmailQuery({ to: to.toLowerCase(), ...params }))).rows.map((row) => row.id);

    expect(await ids({})).toEqual([failed.id, held.id]);
    expect(await ids({ status: 'held' })).toEqual([held.id]);
    expect(await ids({ kind: 'payment_failed' })).toEqual([failed.id]);
    expect(await ids({ to: to.toUpperCase() })).toEqual([failed.id, held.id]);
    expect(await ids({ from: '2026-03-02' })).toEqual([failed.id]);
    const [row] = (await listEmails(t.db, parseEmailQuery({ to, status: 'failed' }))).rows;
    expect(row).toMatchObject({ lastError: '550 mailbox unavailable', attempts: 10 });
  });

  it('pages by keyset without repeating or skipping as new email is written', async () => {
    const to = `pages-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const written = [];
    for (let i = 0; i < 7; i++) written.push(await email({ to, createdAt: '2026-03-05T10:00:00.000001Z' }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listEmails(t.db, parseEmailQuery({ to, limit: '2', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.rows.map((row) => row.id));
      cursor = page.nextCursor;
      await email({ to });
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(written.map((row) => row.id)));
  });
});

describe('resending a failed email', () => {
  it('puts it back to pending with a new job and fresh attempts, once however often it is asked, audited', async () => {
    const failed = await email({ status: 'failed' });
    const results = await Promise.all([resendEmail(t.db, admin, failed.id), resendEmail(t.db, admin, failed.id)]);
    expect(results.map((result) => result.outcome).sort()).toEqual(['queued', 'unchanged']);
    const [row] = await t.db.select().from(emails).where(eq(emails.id, failed.id));
    expect(row).toMatchObject({ status: 'pending', attempts: 0, lastError: '550 mailbox unavailable' });
    expect(await liveJobs(failed.id)).toHaveLength(1);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, failed.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'email.resent', subjectType: 'email', actorUserId: admin.id, data: { kind: 'receipt', before: { status: 'failed', attempts: 10 }, after: { status: 'pending', attempts: 0 } } });

    // The worker then delivers it as any pending email.
    const sent: OutgoingMessage[] = [];
    await deliverEmail({ db: t.db, delivery: { mode: 'smtp', from: 'Shop <shop@example.com>', mailer: { send: async (message) => void sent.push(message) } } }, failed.id);
    expect(sent).toHaveLength(1);
    const [delivered] = await t.db.select().from(emails).where(eq(emails.id, failed.id));
    expect(delivered).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
  });

  it('never sends a held (sandbox) email, nor one already sent or waiting', async () => {
    for (const status of ['held', 'sent', 'pending'] as const) {
      const row = await email({ status });
      expect(await resendEmail(t.db, admin, row.id)).toEqual({ outcome: 'unchanged', status });
      expect(await liveJobs(row.id)).toHaveLength(0);
    }
  });

  it('refuses support and changes nothing', async () => {
    const failed = await email({ status: 'failed' });
    await expect(resendEmail(t.db, support, failed.id)).rejects.toBeInstanceOf(AuthorizationError);
    const [row] = await t.db.select().from(emails).where(eq(emails.id, failed.id));
    expect(row?.status).toBe('failed');
    expect(await t.db.select().from(auditLog).where(eq(auditLog.subjectId, failed.id))).toHaveLength(0);
  });

  it('says an unknown email does not exist', async () => {
    expect((await userFacingError(resendEmail(t.db, admin, crypto.randomUUID()))).code).toBe('not_found');
  });
});
