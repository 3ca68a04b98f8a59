import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { orderItems, orders, prices, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { isolatedDatabase } from '@/test/database';
import { money } from '@/lib/money';
import type { PricedCart } from './cart';
import { orderForUser, orderLines, ordersForUser, reviseOrder } from './orders';

const t = isolatedDatabase();

async function customerWithOrder(email: string) {
  const [user] = await t.db.insert(users).values({ email }).returning();
  const [order] = await t.db.insert(orders).values({ userId: user!.id, email, currency: 'USD', amountSubtotal: 3600, amountTotal: 3600 }).returning();
  const [price] = await t.db.select().from(prices).limit(1);
  await t.db.insert(orderItems).values({ orderId: order!.id, priceId: price!.id, description: 'Field Notebook', unitAmount: 1800, quantity: 2, amountTotal: 3600, currency: 'USD' });
  return { user: user!, order: order! };
}

describe('order history', () => {
  it('shows customers their own orders with their lines', async () => {
    await seedCatalog(t.db);
    const { user, order } = await customerWithOrder('ada@example.com');
    expect((await ordersForUser(t.db, user.id)).map((row) => row.id)).toEqual([order.id]);
    const found = await orderForUser(t.db, user.id, order.id);
    expect(found?.lines).toHaveLength(1);
    expect(found?.lines[0]).toMatchObject({ quantity: 2, amountTotal: { amount: 3600, currency: 'USD' } });
  });

  it('never shows another customer’s order, whatever id is guessed', async () => {
    const owner = await customerWithOrder('owner@example.com');
    const intruder = await customerWithOrder('intruder@example.com');
    expect(await orderForUser(t.db, intruder.user.id, owner.order.id)).toBeNull();
    expect((await ordersForUser(t.db, intruder.user.id)).map((row) => row.id)).toEqual([intruder.order.id]);
    expect(await orderForUser(t.db, intruder.user.id, 'not-a-uuid')).toBeNull();
    expect(await orderForUser(t.db, intruder.user.id, "' or 1=1 --")).toBeNull();
  });
});

describe('revising an order to the cart', () => {
  const cartOf = (priceId: string, description: string, quantity: number): PricedCart => ({
    currency: 'USD',
    lines: [{ priceId, description, quantity, unitAmount: money(1800, 'USD'), amountTotal: money(1800 * quantity, 'USD') }],
    subtotal: money(1800 * quantity, 'USD'),
    total: money(1800 * quantity, 'USD'),
  });
  const itemIds = async (orderId: string) => (await t.db.select({ id: orderItems.id }).from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.id))).map((row) => row.id);

  it('keeps lines that are the cart’s already and writes only the order; a changed quantity or a renamed product rewrites them', async () => {
    await seedCatalog(t.db);
    const { user, order } = await customerWithOrder(`revise-${crypto.randomUUID().slice(0, 8)}@example.com`);
    const [price] = await t.db.select().from(prices).limit(1);
    const buyer = { userId: user.id, email: user.email };
    const before = await itemIds(order.id);

    const same = await t.db.transaction(async (tx) => reviseOrder(tx, order.id, buyer, null, cartOf(price!.id, 'Field Notebook', 2), await orderLines(tx, order.id)));
    expect(same).toMatchObject({ id: order.id, amountTotal: 3600 });
    expect(await itemIds(order.id)).toEqual(before);

    await t.db.transaction(async (tx) => reviseOrder(tx, order.id, buyer, null, cartOf(price!.id, 'Field Notebook', 3), await orderLines(tx, order.id)));
    const afterQuantity = await itemIds(order.id);
    expect(afterQuantity).not.toEqual(before);
    expect(await orderLines(t.db, order.id)).toMatchObject([{ quantity: 3, amountTotal: { amount: 5400 } }]);

    await t.db.transaction(async (tx) => reviseOrder(tx, order.id, buyer, null, cartOf(price!.id, 'Field Notebook, ruled', 3), await orderLines(tx, order.id)));
    expect(await itemIds(order.id)).not.toEqual(afterQuantity);
    expect(await orderLines(t.db, order.id)).toMatchObject([{ description: 'Field Notebook, ruled', quantity: 3 }]);
  });
});
