import { describe, expect, it } from 'vitest';
import { orderItems, orders, prices, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { isolatedDatabase } from '@/test/database';
import { orderForUser, ordersForUser } from './orders';

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
