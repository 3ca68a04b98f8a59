import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { auditLog, disputes, disputeStatus, orders, paymentProvider, payments, users } from '@/db/schema';
import { money, type Money } from '@/lib/money';
import type { DisputeStatus, PaymentProviderName } from '@/lib/payments/types';
import { RESPONDABLE } from '../disputes';
import { beforeCursor, cursorText, CursorParam, encodeCursor, Limit, parseListQuery, type SearchParams } from './query';

/**
 * The admin disputes list: every provider's disputes, newest first (keyset on created_at, id),
 * and apart from it the ones still waiting for a response, soonest deadline first: the few an
 * operator must act on before the bank decides without them.
 */

/** Deadlines closer than this are highlighted, here and on the overview. */
export const DEADLINE_SOON_MS = 48 * 60 * 60 * 1000;

const DisputeQuery = z.object({
  status: z.enum(disputeStatus.enumValues).optional(),
  provider: z.enum(paymentProvider.enumValues).optional(),
  cursor: CursorParam.optional(),
  limit: Limit,
});
export type DisputeQuery = z.output<typeof DisputeQuery>;

export function parseDisputeQuery(params: SearchParams): DisputeQuery {
  return parseListQuery(DisputeQuery, params);
}

export interface DisputeRow {
  id: string;
  paymentId: string;
  provider: PaymentProviderName;
  providerDisputeId: string;
  providerPaymentId: string;
  status: DisputeStatus;
  amount: Money;
  reason: string | null;
  evidenceDueBy: Date | null;
  createdAt: Date;
  orderNumber: number | null;
  customerEmail: string | null;
}

export type DeadlineUrgency = 'overdue' | 'soon' | 'later';

export interface EvidenceDeadline {
  urgency: DeadlineUrgency;
  /** "Due in 1 day 4 hours", "Overdue by 3 hours". */
  text: string;
}

function duration(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (days > 0) return hours > 0 ? `${plural(days, 'day')} ${plural(hours, 'hour')}` : plural(days, 'day');
  if (hours > 0) return plural(hours, 'hour');
  return plural(minutes, 'minute');
}

/** How long is left to respond, for a dispute still waiting for a response; null otherwise. */
export function evidenceDeadline(dispute: { status: DisputeStatus; evidenceDueBy: Date | null }, now: Date): EvidenceDeadline | null {
  if (!RESPONDABLE.includes(dispute.status) || !dispute.evidenceDueBy) return null;
  const left = dispute.evidenceDueBy.getTime() - now.getTime();
  if (left <= 0) return { urgency: 'overdue', text: `Overdue by ${duration(-left)}` };
  return { urgency: left <= DEADLINE_SOON_MS ? 'soon' : 'later', text: `Due in ${duration(left)}` };
}

const COLUMNS = {
  id: disputes.id,
  paymentId: disputes.paymentId,
  provider: disputes.provider,
  providerDisputeId: disputes.providerDisputeId,
  providerPaymentId: payments.providerPaymentId,
  status: disputes.status,
  amount: disputes.amount,
  currency: disputes.currency,
  reason: disputes.reason,
  evidenceDueBy: disputes.evidenceDueBy,
  createdAt: disputes.createdAt,
  orderNumber: orders.number,
  customerEmail: orders.email,
};

function rowOf({ currency, amount, ...rest }: Omit<DisputeRow, 'amount'> & { amount: number; currency: string }): DisputeRow {
  return { ...rest, amount: money(amount, currency) };
}

function selectDisputes(db: Database) {
  return db
    .select(COLUMNS)
    .from(disputes)
    .innerJoin(payments, eq(payments.id, disputes.paymentId))
    .leftJoin(orders, eq(orders.id, payments.orderId));
}

export interface DisputePage {
  rows: DisputeRow[];
  nextCursor: string | null;
}

/** One page of disputes, newest first. */
export async function listDisputes(db: Database, query: DisputeQuery): Promise<DisputePage> {
  const where: SQL[] = [];
  if (query.status) where.push(eq(disputes.status, query.status));
  if (query.provider) where.push(eq(disputes.provider, query.provider));
  if (query.cursor) where.push(beforeCursor(disputes.createdAt, disputes.id, query.cursor));
  const rows = await db
    .select({ ...COLUMNS, cursorAt: cursorText(disputes.createdAt) })
    .from(disputes)
    .innerJoin(payments, eq(payments.id, disputes.paymentId))
    .leftJoin(orders, eq(orders.id, payments.orderId))
    .where(and(...where))
    .orderBy(desc(disputes.createdAt), desc(disputes.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { rows: page.map(({ cursorAt: _cursor, ...row }) => rowOf(row)), nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null };
}

/** The disputes still waiting for a response, soonest deadline first (those without one last). */
export async function disputesAwaitingResponse(db: Database, limit = 100): Promise<DisputeRow[]> {
  const rows = await selectDisputes(db)
    .where(inArray(disputes.status, [...RESPONDABLE]))
    .orderBy(sql`${disputes.evidenceDueBy} asc nulls last`, asc(disputes.id))
    .limit(limit);
  return rows.map(rowOf);
}

export interface DisputeDetail extends DisputeRow {
  paymentAmount: Money;
  paymentAmountCaptured: Money;
  /** What admins did about it, oldest first. */
  actions: { id: number; action: string; actorEmail: string | null; createdAt: Date; data: unknown }[];
}

/** A dispute with its payment and what admins did about it; null for an unknown id. */
export async function disputeDetail(db: Database, id: string): Promise<DisputeDetail | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const [found] = await db
    .select({ ...COLUMNS, paymentAmount: payments.amount, paymentCaptured: payments.amountCaptured, paymentCurrency: payments.currency })
    .from(disputes)
    .innerJoin(payments, eq(payments.id, disputes.paymentId))
    .leftJoin(orders, eq(orders.id, payments.orderId))
    .where(eq(disputes.id, id));
  if (!found) return null;
  const { paymentAmount, paymentCaptured, paymentCurrency, ...row } = found;
  const actions = await db
    .select({ id: auditLog.id, action: auditLog.action, actorEmail: users.email, createdAt: auditLog.createdAt, data: auditLog.data })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(eq(auditLog.subjectType, 'dispute'), eq(auditLog.subjectId, id)))
    .orderBy(asc(auditLog.id));
  return { ...rowOf(row), paymentAmount: money(paymentAmount, paymentCurrency), paymentAmountCaptured: money(paymentCaptured, paymentCurrency), actions };
}
