import { and, asc, desc, eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { orderItems, orders } from '@/db/schema';

export type Order = typeof orders.$inferSelect;
export type OrderItem = typeof orderItems.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A signed-in customer's orders, newest first. Ownership is part of the query. */
export async function ordersForUser(db: Database, userId: string, limit = 50): Promise<Order[]> {
  return db.select().from(orders).where(eq(orders.userId, userId)).orderBy(desc(orders.createdAt)).limit(limit);
}

/**
 * One order of the customer's, with its lines; null for an order that does not exist or
 * belongs to someone else (the page answers 404 either way, so ids cannot be probed).
 */
export async function orderForUser(db: Database, userId: string, orderId: string): Promise<{ order: Order; items: OrderItem[] } | null> {
  if (!UUID.test(orderId)) return null;
  const [order] = await db.select().from(orders).where(and(eq(orders.id, orderId), eq(orders.userId, userId)));
  if (!order) return null;
  const items = await db.select().from(orderItems).where(eq(orderItems.orderId, order.id)).orderBy(asc(orderItems.description));
  return { order, items };
}
