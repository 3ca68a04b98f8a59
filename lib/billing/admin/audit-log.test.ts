import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, users } from '@/db/schema';
import { setRole } from '@/lib/auth/users';
import { isolatedDatabase } from '@/test/database';

const t = isolatedDatabase();

/** The database's own refusal (drizzle wraps driver errors; the SQLSTATE is on the cause). */
async function refusal(statement: Promise<unknown>) {
  const error: unknown = await statement.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error, 'the statement should have been refused').toBeInstanceOf(Error);
  const cause = (error as Error & { cause?: unknown }).cause ?? error;
  return cause as Error & { code?: string };
}

async function entry(action: string) {
  const [row] = await t.db.insert(auditLog).values({ actorKind: 'cli', action, subjectType: 'user', subjectId: crypto.randomUUID(), data: { note: 'original' } }).returning();
  return row!;
}

describe('the audit log', () => {
  it('accepts new entries', async () => {
    const row = await entry('test.appended');
    const [stored] = await t.db.select().from(auditLog).where(eq(auditLog.id, row.id));
    expect(stored).toMatchObject({ action: 'test.appended', data: { note: 'original' } });
  });

  it('the audit log refuses UPDATE and DELETE, in the database, whatever the app asks', async () => {
    const row = await entry('test.kept');
    const update = await refusal(t.db.update(auditLog).set({ data: { note: 'rewritten' } }).where(eq(auditLog.id, row.id)));
    expect(update.message).toMatch(/audit_log is append-only: UPDATE/);
    expect(update.code).toBe('42501');
    const remove = await refusal(t.db.delete(auditLog).where(eq(auditLog.id, row.id)));
    expect(remove.message).toMatch(/audit_log is append-only: DELETE/);
    // Even a statement that would touch no row is refused: nothing to probe for.
    await refusal(t.db.delete(auditLog).where(eq(auditLog.id, -1)));
    const [stored] = await t.db.select().from(auditLog).where(eq(auditLog.id, row.id));
    expect(stored?.data).toEqual({ note: 'original' });
  });

  it('refuses TRUNCATE, which row triggers would never see', async () => {
    await entry('test.truncate');
    const truncate = await refusal(t.db.execute(sql`truncate audit_log`));
    expect(truncate.message).toMatch(/audit_log is append-only: TRUNCATE/);
    const [count] = await t.db.select({ n: sql<number>`count(*)::int` }).from(auditLog);
    expect(count!.n).toBeGreaterThan(0);
  });

  it('keeps a user who acted: deleting them is refused rather than erasing them from the record', async () => {
    const [admin] = await t.db.insert(users).values({ email: 'first-admin@example.com', role: 'admin' }).returning();
    await t.db.insert(users).values({ email: 'second@example.com' });
    await setRole(t.db, 'second@example.com', 'admin', { kind: 'user', userId: admin!.id });
    await refusal(t.db.delete(users).where(eq(users.id, admin!.id)));
    const [kept] = await t.db.select().from(auditLog).where(eq(auditLog.actorUserId, admin!.id));
    expect(kept?.action).toBe('user.role_changed');
  });
});
