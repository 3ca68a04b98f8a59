import { and, asc, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { auditLog, users } from '@/db/schema';
import { dateBounds, IdCursorParam, Instant, Limit, parseListQuery, type SearchParams } from './query';

/**
 * The audit log as the console reads it: append-only (the database refuses UPDATE, DELETE and
 * TRUNCATE, db/schema/audit.ts), newest first. Paged by its identity id, which only grows: the
 * primary key is the keyset, and a page never shifts as entries are added.
 */

const Word = z
  .string()
  .trim()
  .max(200)
  .regex(/^[A-Za-z0-9_.:@+-]+$/, 'Use the exact name shown in the log (letters, digits, dots, underscores).');

export const AuditQuery = z.object({
  /** `user.role_changed`, `webhook_event.reprocessed`, … exactly. */
  action: Word.optional(),
  /** The acting user's email, or `cli` / `system` for those actors. */
  actor: z.string().trim().toLowerCase().max(320).optional(),
  subjectType: Word.optional(),
  subjectId: z.string().trim().max(200).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  cursor: IdCursorParam.optional(),
  limit: Limit,
});
export type AuditQuery = z.output<typeof AuditQuery>;

export function parseAuditQuery(params: SearchParams): AuditQuery {
  return parseListQuery(AuditQuery, params);
}

export interface AuditRow {
  id: number;
  createdAt: Date;
  action: string;
  actorKind: 'user' | 'cli' | 'system';
  actorUserId: string | null;
  actorEmail: string | null;
  subjectType: string;
  subjectId: string;
  /** For a subject that is a user: their email. */
  subjectEmail: string | null;
  data: unknown;
}

export interface AuditPage {
  rows: AuditRow[];
  nextCursor: string | null;
}

const actor = alias(users, 'actor');
const subjectUser = alias(users, 'subject_user');

function actorCondition(value: string): SQL {
  if (value === 'cli' || value === 'system') return eq(auditLog.actorKind, value);
  return sql`lower(${actor.email}) = ${value}`;
}

export async function listAuditLog(db: Database, query: AuditQuery): Promise<AuditPage> {
  const where: (SQL | undefined)[] = [
    query.action ? eq(auditLog.action, query.action) : undefined,
    query.actor ? actorCondition(query.actor) : undefined,
    query.subjectType ? eq(auditLog.subjectType, query.subjectType) : undefined,
    query.subjectId ? eq(auditLog.subjectId, query.subjectId) : undefined,
    ...dateBounds(auditLog.createdAt, query.from, query.to),
    query.cursor !== undefined ? lt(auditLog.id, query.cursor) : undefined,
  ];
  const rows = await db
    .select({
      id: auditLog.id,
      createdAt: auditLog.createdAt,
      action: auditLog.action,
      actorKind: auditLog.actorKind,
      actorUserId: auditLog.actorUserId,
      actorEmail: actor.email,
      subjectType: auditLog.subjectType,
      subjectId: auditLog.subjectId,
      subjectEmail: subjectUser.email,
      data: auditLog.data,
    })
    .from(auditLog)
    .leftJoin(actor, eq(actor.id, auditLog.actorUserId))
    .leftJoin(subjectUser, and(eq(auditLog.subjectType, 'user'), eq(subjectUser.id, auditLog.subjectId)))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
}

/** Where the console shows an audit entry's subject, when it has a page for it. */
export function subjectHref(row: Pick<AuditRow, 'subjectType' | 'subjectId' | 'subjectEmail'>): string | null {
  switch (row.subjectType) {
    case 'payment':
      return `/admin/transactions/${encodeURIComponent(row.subjectId)}`;
    case 'webhook_event':
      return `/admin/webhooks/${encodeURIComponent(row.subjectId)}`;
    case 'webhook_event_type': {
      const [provider, ...type] = row.subjectId.split(':');
      return `/admin/webhooks?${new URLSearchParams({ provider: provider ?? '', type: type.join(':') }).toString()}`;
    }
    case 'email':
      return `/admin/emails/${encodeURIComponent(row.subjectId)}`;
    case 'reconciliation':
      return '/admin/reconciliation';
    case 'user':
      return row.subjectEmail ? `/admin/team?email=${encodeURIComponent(row.subjectEmail)}` : null;
    default:
      return null;
  }
}

/** One entry about a given subject, as its page lists them. */
export interface AuditEntry {
  id: number;
  action: string;
  actorEmail: string | null;
  actorKind: 'user' | 'cli' | 'system';
  data: unknown;
  createdAt: Date;
}

/** Every entry about one subject (an event, an email), oldest first. */
export async function auditEntriesFor(db: Database, subjectType: string, subjectId: string): Promise<AuditEntry[]> {
  return db
    .select({ id: auditLog.id, action: auditLog.action, actorEmail: users.email, actorKind: auditLog.actorKind, data: auditLog.data, createdAt: auditLog.createdAt })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(eq(auditLog.subjectType, subjectType), eq(auditLog.subjectId, subjectId)))
    .orderBy(asc(auditLog.id));
}
