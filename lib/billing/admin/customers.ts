import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/db/client';
import { customers, emails, invoices, orders, payments, prices, products, subscriptions, users } from '@/db/schema';
import { money, type Money } from '@/lib/money';
import type { PaymentProviderName } from '@/lib/payments/types';
import { beforeCursor, CursorParam, cursorText, encodeCursor, Limit, parseListQuery, type SearchParams } from './query';
import { listTransactions, type TransactionRow } from './transactions';
import { invoiceRefundOf, type InvoiceRefund } from '../invoice-refund';

/**
 * Customers as the console reads them: an account (a row of `users`) with everything it bought
 * and was billed. The list is paged by keyset on (created_at desc, id desc), like transactions.
 */

/** How many of each kind of record the customer page shows, newest first. */
const DETAIL_LIMIT = 50;

export const CustomerQuery = z.object({
  /** A whole email address, any case: an exact, indexed match (users_email_lower_key). */
  q: z.string().trim().max(320).optional(),
  cursor: CursorParam.optional(),
  limit: Limit,
});
export type CustomerQuery = z.output<typeof CustomerQuery>;

/** A page's search params, refused with a UserFacingError naming the field. */
export function parseCustomerQuery(params: SearchParams): CustomerQuery {
  return parseListQuery(CustomerQuery, params);
}

export interface CustomerListRow {
  userId: string;
  email: string;
  name: string | null;
  role: (typeof users.$inferSelect)['role'];
  createdAt: Date;
  orderCount: number;
  /** The status of the account's newest subscription, if it ever had one. */
  subscriptionStatus: (typeof subscriptions.$inferSelect)['status'] | null;
}

export async function listCustomers(db: Database, query: CustomerQuery): Promise<{ rows: CustomerListRow[]; nextCursor: string | null }> {
  const where = and(
    query.q ? sql`lower(${users.email}) = ${query.q.toLowerCase()}` : undefined,
    query.cursor ? beforeCursor(users.createdAt, users.id, query.cursor) : undefined,
  );
  const rows = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      createdAt: users.createdAt,
      cursorCreatedAt: cursorText(users.createdAt),
      // Evaluated for the page's rows only, after the limit. The outer id is named with its table:
      // drizzle writes a one-table query's columns bare, and a bare "id" here would be the inner one.
      orderCount: sql<number>`(select count(*)::int from ${orders} where ${orders.userId} = "users"."id")`,
      subscriptionStatus: sql<CustomerListRow['subscriptionStatus']>`(select ${subscriptions.status} from ${subscriptions} where ${subscriptions.userId} = "users"."id" order by ${subscriptions.providerCreatedAt} desc limit 1)`,
    })
    .from(users)
    .where(where)
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ cursorCreatedAt: _cursor, ...row }) => row),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.cursorCreatedAt, id: last.userId }) : null,
  };
}

export interface CustomerOrder {
  orderId: string;
  number: number;
  status: (typeof orders.$inferSelect)['status'];
  total: Money;
  createdAt: Date;
  paidAt: Date | null;
}

export interface CustomerSubscription {
  subscriptionId: string;
  provider: PaymentProviderName;
  providerSubscriptionId: string;
  status: (typeof subscriptions.$inferSelect)['status'];
  planName: string;
  price: Money;
  interval: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  endedAt: Date | null;
  createdAt: Date;
}

export interface CustomerInvoice {
  invoiceId: string;
  number: string | null;
  status: (typeof invoices.$inferSelect)['status'];
  amountDue: Money;
  amountPaid: Money;
  /** Given back from its payment since. */
  amountRefunded: Money;
  refund: InvoiceRefund | null;
  createdAt: Date;
}

export interface CustomerEmail {
  emailId: string;
  kind: (typeof emails.$inferSelect)['kind'];
  subject: string;
  status: (typeof emails.$inferSelect)['status'];
  createdAt: Date;
}

export interface CustomerDetail {
  userId: string;
  email: string;
  name: string | null;
  role: (typeof users.$inferSelect)['role'];
  createdAt: Date;
  /** Their accounts at each provider. */
  providerCustomers: { provider: PaymentProviderName; providerCustomerId: string }[];
  /**
   * What they have paid, net of refunds, one amount per currency (never added across
   * currencies): captured minus refunded on their orders' payments, plus what their
   * subscription invoices collected minus what went back from them.
   */
  lifetimeValue: Money[];
  orders: CustomerOrder[];
  payments: TransactionRow[];
  subscriptions: CustomerSubscription[];
  invoices: CustomerInvoice[];
  emails: CustomerEmail[];
}

/** Everything about one account, or null for an id that is not one. */
export async function customerDetail(db: Database, userId: string): Promise<CustomerDetail | null> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) return null;
  const providerCustomers = await db
    .select({ id: customers.id, provider: customers.provider, providerCustomerId: customers.providerCustomerId })
    .from(customers)
    .where(eq(customers.userId, userId));
  const customerIds = providerCustomers.map((customer) => customer.id);

  const [orderRows, paymentPage, subscriptionRows, invoiceRows, emailRows, paidByOrders, paidByInvoices] = await Promise.all([
    db.select().from(orders).where(eq(orders.userId, userId)).orderBy(desc(orders.createdAt)).limit(DETAIL_LIMIT),
    listTransactions(db, { userId, limit: DETAIL_LIMIT }),
    db
      .select({ subscription: subscriptions, planName: products.name, priceAmount: prices.amount, priceCurrency: prices.currency, interval: prices.interval })
      .from(subscriptions)
      .innerJoin(prices, eq(prices.id, subscriptions.priceId))
      .innerJoin(products, eq(products.id, prices.productId))
      .where(eq(subscriptions.userId, userId))
      .orderBy(desc(subscriptions.providerCreatedAt)),
    customerIds.length === 0 ? [] : db.select().from(invoices).where(inArray(invoices.customerId, customerIds)).orderBy(desc(invoices.providerCreatedAt)).limit(DETAIL_LIMIT),
    // The emails sent to the account's address (guest receipts before they signed up included).
    db
      .select({ emailId: emails.id, kind: emails.kind, subject: emails.subject, status: emails.status, createdAt: emails.createdAt })
      .from(emails)
      .where(sql`lower(${emails.to}) = ${user.email.toLowerCase()}`)
      .orderBy(desc(emails.createdAt))
      .limit(DETAIL_LIMIT),
    db
      .select({ currency: payments.currency, net: sql<string>`sum(${payments.amountCaptured} - ${payments.amountRefunded})::text` })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(eq(orders.userId, userId))
      .groupBy(payments.currency),
    customerIds.length === 0
      ? []
      : db
          .select({ currency: invoices.currency, net: sql<string>`sum(${invoices.amountPaid} - ${invoices.amountRefunded})::text` })
          .from(invoices)
          .where(inArray(invoices.customerId, customerIds))
          .groupBy(invoices.currency),
  ]);

  // Sums arrive as text (PostgreSQL's numeric) and are added as BigInt, per currency only.
  const totals = new Map<string, bigint>();
  for (const { currency, net } of [...paidByOrders, ...paidByInvoices]) totals.set(currency, (totals.get(currency) ?? 0n) + BigInt(net ?? '0'));

  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
    providerCustomers: providerCustomers.map(({ provider, providerCustomerId }) => ({ provider, providerCustomerId })),
    lifetimeValue: [...totals.entries()]
      .filter(([, amount]) => amount !== 0n)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, amount]) => money(Number(amount), currency)),
    orders: orderRows.map((order) => ({
      orderId: order.id,
      number: order.number,
      status: order.status,
      total: money(order.amountTotal, order.currency),
      createdAt: order.createdAt,
      paidAt: order.paidAt,
    })),
    payments: paymentPage.rows,
    subscriptions: subscriptionRows.map(({ subscription, planName, priceAmount, priceCurrency, interval }) => ({
      subscriptionId: subscription.id,
      provider: subscription.provider,
      providerSubscriptionId: subscription.providerSubscriptionId,
      status: subscription.status,
      planName,
      price: money(priceAmount, priceCurrency),
      interval,
      currentPeriodEnd: subscription.currentPeriodEnd,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      cancelAt: subscription.cancelAt,
      endedAt: subscription.endedAt,
      createdAt: subscription.providerCreatedAt,
    })),
    invoices: invoiceRows.map((invoice) => ({
      invoiceId: invoice.id,
      number: invoice.number,
      status: invoice.status,
      amountDue: money(invoice.amountDue, invoice.currency),
      amountPaid: money(invoice.amountPaid, invoice.currency),
      amountRefunded: money(invoice.amountRefunded, invoice.currency),
      refund: invoiceRefundOf(money(invoice.amountPaid, invoice.currency), money(invoice.amountRefunded, invoice.currency)),
      createdAt: invoice.providerCreatedAt,
    })),
    emails: emailRows,
  };
}
