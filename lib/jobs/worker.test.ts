import { eq, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '@/db/client';
import { orders, payments, prices } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { startCheckout } from '@/lib/billing/checkout';
import type { PaymentRegistry } from '@/lib/payments';
import { registryThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';
import { CHECKOUT_SWEEP_CRON, CHECKOUT_SWEEP_QUEUE } from './queues';
import { startWorker } from './worker';

const t = isolatedSandbox();
let db: Database;
let closeDb: () => Promise<void>;
let worker: PgBoss;
let registry: PaymentRegistry;

beforeAll(async () => {
  const connection = connect(t.databaseUrl);
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  await seedCatalog(db);
  registry = registryThrough(t.stripe);
  worker = await startWorker(t.databaseUrl, { db, payments: registry, abandonCheckoutsAfterHours: 24, mail: { mode: 'off' } }, { pollingIntervalSeconds: 0.5 });
});

afterAll(async () => {
  await worker?.stop({ graceful: false, close: true });
  await closeDb?.();
});

describe('the worker and abandoned checkouts', () => {
  it('keeps one schedule for the sweep, however often workers start', async () => {
    const again = await startWorker(t.databaseUrl, { db, payments: registry, abandonCheckoutsAfterHours: 24, mail: { mode: 'off' } });
    await again.stop({ graceful: false, close: true });
    const schedules = await worker.getSchedules();
    expect(schedules.filter((schedule) => schedule.name === CHECKOUT_SWEEP_QUEUE).map((schedule) => schedule.cron)).toEqual([CHECKOUT_SWEEP_CRON]);
  });

  it('cancels the intents of abandoned checkouts when a sweep job arrives', async () => {
    const [price] = await db.select().from(prices).where(eq(prices.lookupKey, 'field-notebook-usd'));
    const session = await startCheckout(
      { db, payments: registry.cards().payments },
      { buyer: { userId: null, email: 'walked-away@example.com' }, items: [{ priceId: price!.id, quantity: 1 }], currentOrderId: null },
    );
    const longAgo = sql`now() - interval '25 hours'`;
    await db.update(orders).set({ createdAt: longAgo, updatedAt: longAgo }).where(eq(orders.id, session.order.id));
    await db.update(payments).set({ createdAt: longAgo, updatedAt: longAgo }).where(eq(payments.orderId, session.order.id));

    // What pg-boss's cron sends every tick.
    await worker.send(CHECKOUT_SWEEP_QUEUE, {});
    await expect
      .poll(async () => (await t.stripe.paymentIntents.retrieve(session.paymentId)).status, { timeout: 20_000, interval: 200 })
      .toBe('canceled');
  }, 30_000);
});
