import { and, eq, inArray, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import {
  accounts,
  auditLog,
  customers,
  disputes,
  emails,
  invoices,
  orderItems,
  orders,
  payments,
  refundRequests,
  refunds,
  sessions,
  subscriptionSwitches,
  subscriptions,
  users,
  webhookEvents,
} from '@/db/schema';
import { normalizeEmail } from '@/lib/auth/users';

type Executor = Database | Transaction;

/**
 * Everything Billfold holds about one person, found from their email: their account (if they
 * have one) and every row tied to it, plus what they did as a guest under the same address
 * (orders, provider customers, emails). Export prints it; erasure pseudonymises it.
 */
export interface PersonRecords {
  email: string;
  user: typeof users.$inferSelect | undefined;
  accounts: (typeof accounts.$inferSelect)[];
  sessions: (typeof sessions.$inferSelect)[];
  customers: (typeof customers.$inferSelect)[];
  orders: (typeof orders.$inferSelect)[];
  orderItems: (typeof orderItems.$inferSelect)[];
  payments: (typeof payments.$inferSelect)[];
  refunds: (typeof refunds.$inferSelect)[];
  refundRequests: (typeof refundRequests.$inferSelect)[];
  disputes: (typeof disputes.$inferSelect)[];
  subscriptions: (typeof subscriptions.$inferSelect)[];
  subscriptionSwitches: (typeof subscriptionSwitches.$inferSelect)[];
  invoices: (typeof invoices.$inferSelect)[];
  emails: (typeof emails.$inferSelect)[];
  auditLog: (typeof auditLog.$inferSelect)[];
  providerEvents: (typeof webhookEvents.$inferSelect)[];
}

/** `column in (…)`, false for no values (a person with no orders has no payments). */
function oneOf(column: AnyColumn, values: readonly string[]): SQL {
  return values.length === 0 ? sql`false` : inArray(column, [...values]);
}

const ids = (rows: readonly { id: string }[]) => rows.map((row) => row.id);

/**
 * A pattern for the address as a whole address (not inside a longer one), the same in
 * JavaScript and PostgreSQL's regular expressions; use it case-insensitively.
 */
export function emailPattern(email: string): string {
  const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(?<![a-z0-9._%+-])${escaped}(?![a-z0-9_-]|\\.[a-z0-9])`;
}

export function hasAnyRecord(person: PersonRecords): boolean {
  return Boolean(person.user) || person.customers.length > 0 || person.orders.length > 0 || person.emails.length > 0;
}

/**
 * Reads the person's rows. Inside erasure's transaction `lockUser` takes the account's row lock
 * first, so a sign-in or a checkout for it waits for the erasure rather than racing it.
 */
export async function findPersonRecords(db: Executor, rawEmail: string, options: { lockUser?: boolean } = {}): Promise<PersonRecords> {
  const email = normalizeEmail(rawEmail);
  const userQuery = db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email}`);
  const [user] = options.lockUser ? await userQuery.for('update') : await userQuery;
  const userId = user?.id;
  const byUser = (column: AnyColumn) => (userId ? eq(column, userId) : sql`false`);

  const personCustomers = await db
    .select()
    .from(customers)
    .where(or(byUser(customers.userId), sql`lower(${customers.email}) = ${email}`));
  const customerIds = ids(personCustomers);

  const [personAccounts, personSessions, personSubscriptions, personOrders, personEmails] = await Promise.all([
    userId ? db.select().from(accounts).where(eq(accounts.userId, userId)) : [],
    userId ? db.select().from(sessions).where(eq(sessions.userId, userId)) : [],
    db
      .select()
      .from(subscriptions)
      .where(or(byUser(subscriptions.userId), oneOf(subscriptions.customerId, customerIds)))
      .orderBy(subscriptions.providerCreatedAt),
    db
      .select()
      .from(orders)
      .where(or(byUser(orders.userId), sql`lower(${orders.email}) = ${email}`, oneOf(orders.customerId, customerIds)))
      .orderBy(orders.createdAt),
    db
      .select()
      .from(emails)
      .where(sql`lower(${emails.to}) = ${email}`)
      .orderBy(emails.createdAt),
  ]);
  const orderIds = ids(personOrders);
  const subscriptionIds = ids(personSubscriptions);

  const [personItems, personPayments, personInvoices, personSwitches] = await Promise.all([
    db.select().from(orderItems).where(oneOf(orderItems.orderId, orderIds)),
    db.select().from(payments).where(oneOf(payments.orderId, orderIds)).orderBy(payments.createdAt),
    db
      .select()
      .from(invoices)
      .where(or(oneOf(invoices.customerId, customerIds), oneOf(invoices.subscriptionId, subscriptionIds)))
      .orderBy(invoices.providerCreatedAt),
    db
      .select()
      .from(subscriptionSwitches)
      .where(or(byUser(subscriptionSwitches.userId), oneOf(subscriptionSwitches.fromSubscriptionId, subscriptionIds))),
  ]);
  const paymentIds = ids(personPayments);

  const [personRefunds, personRefundRequests, personDisputes] = await Promise.all([
    db.select().from(refunds).where(oneOf(refunds.paymentId, paymentIds)).orderBy(refunds.createdAt),
    db.select().from(refundRequests).where(oneOf(refundRequests.paymentId, paymentIds)).orderBy(refundRequests.createdAt),
    db.select().from(disputes).where(oneOf(disputes.paymentId, paymentIds)).orderBy(disputes.createdAt),
  ]);

  const subjects: [string, string[]][] = [
    ['user', userId ? [userId] : []],
    ['payment', paymentIds],
    ['subscription', subscriptionIds],
    ['dispute', ids(personDisputes)],
    ['email', ids(personEmails)],
  ];
  const personAudit = await db
    .select()
    .from(auditLog)
    .where(or(byUser(auditLog.actorUserId), ...subjects.map(([type, values]) => and(eq(auditLog.subjectType, type), oneOf(auditLog.subjectId, values)))))
    .orderBy(auditLog.id);

  // Provider events carry the person's details in their payloads: those naming the address, one
  // of their provider customers or subscriptions, or about one of their payments. A scan of the
  // ledger, acceptable for a command run a few times a year (SECURITY.md has its cost). Ids are
  // matched as whole JSON strings and the address as a whole address, so erasing ann@example.com
  // never touches joann@example.com's events.
  const providerIds = [
    ...personCustomers.map((row) => row.providerCustomerId),
    ...personSubscriptions.map((row) => row.providerSubscriptionId),
    ...personPayments.map((row) => row.providerPaymentId),
  ];
  const payloadText = sql`${webhookEvents.payload}::text`;
  const providerEvents = await db
    .select()
    .from(webhookEvents)
    .where(
      or(
        sql`${payloadText} ~* ${emailPattern(email)}`,
        ...providerIds.map((id) => sql`position(${JSON.stringify(id)} in ${payloadText}) > 0`),
        oneOf(
          webhookEvents.providerPaymentId,
          personPayments.map((row) => row.providerPaymentId),
        ),
      ),
    )
    .orderBy(webhookEvents.receivedAt);

  return {
    email,
    user,
    accounts: personAccounts,
    sessions: personSessions,
    customers: personCustomers,
    orders: personOrders,
    orderItems: personItems,
    payments: personPayments,
    refunds: personRefunds,
    refundRequests: personRefundRequests,
    disputes: personDisputes,
    subscriptions: personSubscriptions,
    subscriptionSwitches: personSwitches,
    invoices: personInvoices,
    emails: personEmails,
    auditLog: personAudit,
    providerEvents,
  };
}
