import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { UserFacingError } from '@/lib/errors';

/**
 * What the console's lists (webhook events, emails, the audit log) share: filters parsed from a
 * page's URL, date bounds, and keyset cursors on (timestamp, id). Keyset, never OFFSET: a deep
 * page costs what the first does, and rows written while someone pages neither repeat nor push
 * older rows out of sight.
 */

/** Where a page ended: the row's timestamp as PostgreSQL's microsecond text (a JS Date keeps only milliseconds, and the lost digits would skip or repeat rows) and its id. */
export interface Cursor {
  at: string;
  id: string;
}

const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
// Any id PostgreSQL's uuid type takes (z.uuid() would hold ids to RFC 9562's version and variant).
const CursorPayload = z.object({ c: z.string().regex(CURSOR_TIMESTAMP), i: z.guid() });

function isCalendarInstant(value: string): boolean {
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 23) === value.slice(0, 23);
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ c: cursor.at, i: cursor.id })).toString('base64url');
}

/** Null for anything that is not a cursor this module wrote. It positions a read-only list, so validating its shape is enough: a forged one only shows another page the admin could reach anyway. */
export function decodeCursor(value: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = CursorPayload.safeParse(payload);
  // A real instant, not merely its shape (2026-02-30 would reach PostgreSQL and fail there).
  if (!parsed.success || !isCalendarInstant(parsed.data.c)) return null;
  return { at: parsed.data.c, id: parsed.data.i };
}

const DAMAGED_CURSOR_MESSAGE = 'This page link is damaged or out of date: start again from the first page.';

/** A `cursor` search param holding a Cursor (created_at and id). */
export const CursorParam = z.string().transform((value, ctx) => {
  const cursor = decodeCursor(value);
  if (!cursor) {
    ctx.addIssue({ code: 'custom', message: DAMAGED_CURSOR_MESSAGE });
    return z.NEVER;
  }
  return cursor;
});

export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** A page's search params, as Next.js hands them over or as a URLSearchParams. */
export type SearchParams = URLSearchParams | Record<string, string | string[] | undefined>;

/**
 * Parses search params with `schema` (empty strings dropped first, so an untouched form field
 * filters nothing) and refuses bad ones with a UserFacingError naming the field, so a hand-edited
 * or stale URL is a message, not a 500.
 */
export function parseListQuery<S extends z.ZodType>(schema: S, params: SearchParams): z.output<S> {
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value] as const);
  const raw = Object.fromEntries(entries.filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || undefined;
    throw new UserFacingError(issue?.message ?? 'These filters are not valid.', field === 'cursor' ? 'invalid_cursor' : 'invalid_filter', field);
  }
  return parsed.data;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** A date (a whole UTC day) or an instant with its offset. */
export const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'Enter a date as YYYY-MM-DD.' });
export const Limit = z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(PAGE_SIZE);

/** `from` inclusive (a bare date: that day's start, UTC); `to` exclusive (a bare date: the end of that day). */
export function dateBounds(column: PgColumn, from: string | undefined, to: string | undefined): SQL[] {
  const bounds: SQL[] = [];
  if (from) bounds.push(sql`${column} >= ${DATE_ONLY.test(from) ? `${from}T00:00:00Z` : from}::timestamptz`);
  if (to) {
    const end = DATE_ONLY.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 24 * 60 * 60 * 1000).toISOString() : to;
    bounds.push(sql`${column} < ${end}::timestamptz`);
  }
  return bounds;
}

/** A `cursor` search param holding a positive whole number (a bigint identity id). */
export const IdCursorParam = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, DAMAGED_CURSOR_MESSAGE)
  .transform(Number)
  .refine(Number.isSafeInteger, DAMAGED_CURSOR_MESSAGE);

/** The timestamp as a cursor keeps it: microseconds, UTC. */
export function cursorText(column: PgColumn): SQL<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * Rows strictly after the cursor in (time desc, id desc) order: a row-value comparison, so an
 * index on (time, id) is entered right after it. The id takes its column's type (uuid, or text
 * for Auth.js's users).
 */
export function beforeCursor(time: PgColumn, id: PgColumn, cursor: Cursor): SQL {
  return sql`(${time}, ${id}) < (${cursor.at}::timestamptz, ${cursor.id})`;
}

/** `path` with the same filters as search params, and `cursor` when given (a list's pager links). */
export function listHref(path: string, filters: Record<string, string | number | boolean | undefined>, cursor?: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '' && key !== 'cursor') params.set(key, String(value));
  if (cursor) params.set('cursor', cursor);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}
