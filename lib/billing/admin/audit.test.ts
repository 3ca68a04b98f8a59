import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users } from '@/db/schema';
import { setRole } from '@/lib/auth/users';
import { isolatedDatabase } from '@/test/database';
import { userFacingError } from '@/test/errors';
import { listAuditLog, parseAuditQuery, subjectHref } from './audit';

const t = isolatedDatabase();
let adminId: string;

beforeAll(async () => {
  const [admin] = await t.db.insert(users).values({ email: 'Audit-Admin@example.com', role: 'admin' }).returning();
  adminId = admin!.id;
  await t.db.insert(users).values({ email: 'promoted@example.com' });
  await setRole(t.db, 'promoted@example.com', 'support', { kind: 'user', userId: adminId });
  await t.db.insert(auditLog).values([
    { actorKind: 'cli', action: 'user.role_changed', subjectType: 'user', subjectId: adminId, data: { from: 'customer', to: 'admin' }, createdAt: new Date('2026-01-01T00:00:00Z') },
    { actorKind: 'user', actorUserId: adminId, action: 'webhook_event.reprocessed', subjectType: 'webhook_event', subjectId: '00000000-0000-4000-8000-000000000001', data: { before: { status: 'dead' } } },
  ]);
});

describe('the audit log page', () => {
  it('shows who acted, by email, and the subject user’s email', async () => {
    const { rows } = await listAuditLog(t.db, parseAuditQuery({ action: 'user.role_changed', actor: 'audit-admin@example.com' }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorEmail: 'Audit-Admin@example.com', subjectType: 'user', subjectEmail: 'promoted@example.com', data: { from: 'customer', to: 'support' } });
    expect(subjectHref(rows[0]!)).toBe('/admin/team?email=promoted%40example.com');
  });

  it('filters by actor kind, subject and date', async () => {
    const byCli = await listAuditLog(t.db, parseAuditQuery({ actor: 'cli' }));
    expect(byCli.rows.map((row) => row.actorKind)).toEqual(['cli']);
    const bySubject = await listAuditLog(t.db, parseAuditQuery({ subjectType: 'webhook_event', subjectId: '00000000-0000-4000-8000-000000000001' }));
    expect(bySubject.rows.map((row) => row.action)).toEqual(['webhook_event.reprocessed']);
    expect(subjectHref(bySubject.rows[0]!)).toBe('/admin/webhooks/00000000-0000-4000-8000-000000000001');
    const byDate = await listAuditLog(t.db, parseAuditQuery({ to: '2026-01-01' }));
    expect(byDate.rows.map((row) => row.actorKind)).toEqual(['cli']);
  });

  it('pages by id, newest first, unmoved by entries written meanwhile', async () => {
    for (let i = 0; i < 5; i++) await t.db.insert(auditLog).values({ actorKind: 'system', action: 'test.paged', subjectType: 'test', subjectId: String(i) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listAuditLog(t.db, parseAuditQuery({ action: 'test.paged', limit: '2', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.rows.map((row) => row.subjectId));
      cursor = page.nextCursor;
      await t.db.insert(auditLog).values({ actorKind: 'system', action: 'test.paged', subjectType: 'test', subjectId: 'late' });
    } while (cursor);
    expect(seen).toEqual(['4', '3', '2', '1', '0']);
  });

  it('refuses a damaged page link', async () => {
    expect((await userFacingError(Promise.resolve().then(() => parseAuditQuery({ cursor: '-1' })))).code).toBe('invalid_cursor');
  });
});
