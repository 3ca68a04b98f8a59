import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { orderItems, orders, payments } from '@/db/schema';
import type { PaymentProviderName } from '@/lib/payments/types';
import { money, type Money } from '@/lib/money';
import { isUuid } from '@/lib/uuid';
import type { PricedCart } from './cart';

export type Order = typeof orders.$inferSelect;
export type OrderStatus = Order['status'];
export type Payment = typeof payments.$inferSelect;

/** Who is buying: an account, or a guest known only by email. */
export interface Buyer {
  userId: string | null;
  email: string;
}

export interface OrderLine {
  priceId: string;
  description: string;
  quantity: number;
  unitAmount: Money;
  amountTotal: Money;
}

export interface OrderDetails {
  id: string;
  number: number;
  email: string;
  status: OrderStatus;
  total: Money;
  lines: OrderLine[];
  createdAt: Date;
  paidAt: Date | null;
  /** A guest order (no account): only its signed token shows it. */
  guest: boolean;
}

/** Statuses in which an order may still be paid, and so still be changed at checkout. */
export const PAYABLE_STATUSES: readonly OrderStatus[] = ['open', 'payment_failed'];

type Executor = Database | Transaction;

function lineValues(orderId: string, cart: PricedCart) {
  return cart.lines.map((line) => ({
    orderId,
    priceId: line.priceId,
    description: line.description,
    unitAmount: line.unitAmount.amount,
    quantity: line.quantity,
    amountTotal: line.amountTotal.amount,
    currency: line.unitAmount.currency,
  }));
}

/** A new open order with its lines, written together. */
export async function createOrder(db: Database, buyer: Buyer, cart: PricedCart): Promise<Order> {
  return db.transaction(async (tx) => {
    const [order] = await tx
      .insert(orders)
      .values({ userId: buyer.userId, email: buyer.email, currency: cart.currency, amountSubtotal: cart.subtotal.amount, amountTotal: cart.total.amount })
      .returning();
    if (!order) throw new Error('inserting an order returned no row');
    await tx.insert(orderItems).values(lineValues(order.id, cart));
    return order;
  });
}

/**
 * Makes a still payable order say what the cart now says: its lines, amounts, email and
 * customer. Null when the order is no longer payable (then nothing is changed).
 */
export async function reviseOrder(
  tx: Transaction,
  orderId: string,
  buyer: Buyer,
  customerId: string | null,
  cart: PricedCart,
  /** The order's lines as just read in `tx`: when they are the cart's already, only the order row is written. */
  currentLines?: readonly OrderLine[],
): Promise<Order | null> {
  const [order] = await tx
    .update(orders)
    .set({ email: buyer.email, customerId, currency: cart.currency, amountSubtotal: cart.subtotal.amount, amountTotal: cart.total.amount, updatedAt: new Date() })
    .where(and(eq(orders.id, orderId), inArray(orders.status, [...PAYABLE_STATUSES])))
    .returning();
  if (!order) return null;
  if (currentLines && linesAreCart(currentLines, cart)) return order;
  await tx.delete(orderItems).where(eq(orderItems.orderId, orderId));
  await tx.insert(orderItems).values(lineValues(orderId, cart));
  return order;
}

export async function orderLines(db: Executor, orderId: string): Promise<OrderLine[]> {
  const rows = await db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.description), asc(orderItems.id));
  return rows.map((row) => ({
    priceId: row.priceId,
    description: row.description,
    quantity: row.quantity,
    unitAmount: money(row.unitAmount, row.currency),
    amountTotal: money(row.amountTotal, row.currency),
  }));
}

type LineFields = Pick<OrderLine, 'priceId' | 'description' | 'quantity' | 'unitAmount' | 'amountTotal'>;

/** Whether the lines and the cart's are the same multiset, each line read by `key`. */
function sameLines(lines: readonly OrderLine[], cart: PricedCart, key: (line: LineFields) => string): boolean {
  const a = lines.map(key).sort();
  const b = cart.lines.map(key).sort();
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** The order charges what the cart charges: the same prices, quantities and unit amounts. */
export function linesMatchCart(lines: readonly OrderLine[], cart: PricedCart): boolean {
  return sameLines(lines, cart, (line) => `${line.priceId}:${line.quantity}:${line.unitAmount.amount}:${line.unitAmount.currency}`);
}

/** Every field of every line is the cart's, descriptions too (linesMatchCart compares what is charged). */
export function linesAreCart(lines: readonly OrderLine[], cart: PricedCart): boolean {
  return sameLines(lines, cart, (line) => JSON.stringify([line.priceId, line.description, line.quantity, line.unitAmount.amount, line.unitAmount.currency, line.amountTotal.amount]));
}

/** The order as the buyer sees it; `lines` when the caller has just read them (orderLines), in the same transaction. */
export async function orderDetails(db: Executor, order: Order, lines?: OrderLine[]): Promise<OrderDetails> {
  return {
    id: order.id,
    number: order.number,
    email: order.email,
    status: order.status,
    total: money(order.amountTotal, order.currency),
    lines: lines ?? (await orderLines(db, order.id)),
    createdAt: order.createdAt,
    paidAt: order.paidAt,
    guest: order.userId === null,
  };
}

/**
 * The order a visitor holding its signed token may see: a guest order (the token is the proof),
 * or an account's order when that account is signed in. Anyone else gets null, as for an
 * order that does not exist.
 */
export async function findOrderForViewer(db: Database, orderId: string, viewerUserId: string | null): Promise<Order | null> {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return null;
  if (order.userId !== null && order.userId !== viewerUserId) return null;
  return order;
}

/** The payments made for an order with one provider (or with any, when none is named), newest first. */
export async function paymentsForOrder(db: Executor, orderId: string, provider?: PaymentProviderName): Promise<Payment[]> {
  return db
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, orderId), provider ? eq(payments.provider, provider) : undefined))
    .orderBy(desc(payments.createdAt), desc(payments.id));
}

/** A signed-in customer's orders, newest first. Ownership is part of the query. */
export async function ordersForUser(db: Database, userId: string, limit = 50): Promise<Order[]> {
  return db.select().from(orders).where(eq(orders.userId, userId)).orderBy(desc(orders.createdAt)).limit(limit);
}

/**
 * One of the customer's orders with its lines; null for an order that does not exist or
 * belongs to someone else (the page answers 404 either way, so ids cannot be probed).
 */
export async function orderForUser(db: Database, userId: string, orderId: string): Promise<OrderDetails | null> {
  if (!isUuid(orderId)) return null;
  const [order] = await db.select().from(orders).where(and(eq(orders.id, orderId), eq(orders.userId, userId)));
  return order ? orderDetails(db, order) : null;
}
