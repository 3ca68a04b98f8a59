import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { customers, prices, subscriptionStatus, subscriptions, users } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { isolatedDatabase } from '@/test/database';
import { accessFor, entitlementsFor } from './entitlements';

const t = isolatedDatabase();

beforeAll(async () => {
  await seedCatalog(t.db);
});

const EXPECTED = {
  active: 'full',
  trialing: 'full',
  past_due: 'grace',
  incomplete: 'none',
  incomplete_expired: 'none',
  unpaid: 'none',
  canceled: 'none',
  paused: 'none',
} as const;

describe('entitlements', () => {
  it('grant full access while active or trialing, grace while past_due, and none otherwise', () => {
    for (const status of subscriptionStatus.enumValues) expect([status, accessFor(status, true)]).toEqual([status, EXPECTED[status]]);
  });

  it('grant nothing to a trial whose card was never saved (declined or abandoned)', () => {
    expect(accessFor('trialing', false)).toBe('none');
    expect(accessFor('active', false)).toBe('full');
  });

  it('follow the state recorded for the account’s subscription, whatever its status', async () => {
    const [user] = await t.db.insert(users).values({ email: 'member@example.com' }).returning();
    const [customer] = await t.db.insert(customers).values({ userId: user!.id, email: user!.email, provider: 'stripe', providerCustomerId: 'cus_entitlements' }).returning();
    const [pro] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'pro-monthly-usd'));
    expect(await entitlementsFor(t.db, user!.id)).toEqual({ access: 'none', plan: null, status: null, reason: 'You do not have a subscription.' });

    const [row] = await t.db
      .insert(subscriptions)
      .values({ userId: user!.id, customerId: customer!.id, provider: 'stripe', providerSubscriptionId: 'sub_entitlements', status: 'incomplete', priceId: pro!.id, providerCreatedAt: new Date(), providerPaymentMethodId: 'pm_entitlements' })
      .returning();
    for (const status of subscriptionStatus.enumValues) {
      await t.db.update(subscriptions).set({ status }).where(eq(subscriptions.id, row!.id));
      const entitlements = await entitlementsFor(t.db, user!.id);
      expect(entitlements).toMatchObject({ access: EXPECTED[status], status, plan: EXPECTED[status] === 'none' ? null : { slug: 'pro', name: 'Pro' } });
      expect(entitlements.reason.length).toBeGreaterThan(10);
    }
  });

  it('go by the live subscription when an older one has ended', async () => {
    const [user] = await t.db.insert(users).values({ email: 'returning@example.com' }).returning();
    const [customer] = await t.db.insert(customers).values({ userId: user!.id, email: user!.email, provider: 'stripe', providerCustomerId: 'cus_returning' }).returning();
    const [starter] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'starter-monthly-usd'));
    const base = { userId: user!.id, customerId: customer!.id, provider: 'stripe' as const, priceId: starter!.id };
    await t.db.insert(subscriptions).values([
      { ...base, providerSubscriptionId: 'sub_old', status: 'active', providerCreatedAt: new Date('2026-01-01') },
      { ...base, providerSubscriptionId: 'sub_new', status: 'canceled', providerCreatedAt: new Date('2026-02-01') },
    ]);
    expect(await entitlementsFor(t.db, user!.id)).toMatchObject({ access: 'full', status: 'active' });
  });
});
