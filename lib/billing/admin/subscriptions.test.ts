import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, customers, emails, orders, payments, subscriptions, users } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import type { SessionUser } from '@/lib/auth/users';
import { userFacingError } from '@/test/errors';
import { confirmPayment, eventApplier, newSubscriber, subscriptionTestContext, type SubscriptionTestContext } from '@/test/subscriptions';
import { startSubscription } from '../subscribe';
import type { Subscriber } from '../subscriptions';
import { customerDetail, listCustomers, parseCustomerQuery } from './customers';
import { cancelSubscriptionAsStaff, listSubscriptions, parseSubscriptionQuery } from './subscriptions';

const t: SubscriptionTestContext = subscriptionTestContext();
const events = eventApplier(t);

async function staffMember(role: SessionUser['role']): Promise<SessionUser> {
  const [user] = await t.db.insert(users).values({ email: `${role}-${crypto.randomUUID().slice(0, 8)}@example.com`, role }).returning();
  return { id: user!.id, email: user!.email, name: null, role };
}

/** A subscriber on the monthly Starter plan, its first invoice paid and the webhooks applied. */
async function activeSubscriber(label: string): Promise<{ subscriber: Subscriber; subscriptionId: string }> {
  const subscriber = await newSubscriber(t.db, label);
  const started = await startSubscription(t.deps, subscriber, 'starter-monthly-usd');
  if (started.step !== 'payment') throw new Error('the Starter plan has no trial');
  await confirmPayment(t, started.handoff);
  await events.applyNew();
  const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.userId, subscriber.userId));
  return { subscriber, subscriptionId: row!.id };
}

async function rowOf(subscriptionId: string) {
  const [row] = await t.db.select().from(subscriptions).where(eq(subscriptions.id, subscriptionId));
  return row!;
}

async function atSandbox(subscriptionId: string) {
  return t.sandbox.stripe.subscriptions.retrieve((await rowOf(subscriptionId)).providerSubscriptionId);
}

describe('an admin cancelling a subscription', () => {
  it('at the period end: the portal’s cancellation, recorded at once and in the audit log with before and after', async () => {
    const admin = await staffMember('admin');
    const { subscriptionId } = await activeSubscriber('admin-cancel-later');

    const result = await cancelSubscriptionAsStaff(t.deps, admin, subscriptionId, 'period_end');

    const row = await rowOf(subscriptionId);
    expect(row).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
    expect(result).toEqual({ status: 'active', endsAt: row.currentPeriodEnd });
    expect((await atSandbox(subscriptionId)).cancel_at_period_end).toBe(true);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, subscriptionId));
    expect(entry).toMatchObject({
      actorKind: 'user',
      actorUserId: admin.id,
      action: 'subscription.canceled',
      subjectType: 'subscription',
      data: { timing: 'period_end', before: { status: 'active', cancelAtPeriodEnd: false }, after: { status: 'active', cancelAtPeriodEnd: true } },
    });

    // Asked again, it says so about the subscriber (not "your"), and records nothing more.
    const again = await userFacingError(cancelSubscriptionAsStaff(t.deps, admin, subscriptionId, 'period_end'));
    expect(again.code).toBe('already_canceling');
    expect(again.message).toMatch(/^This subscription is already set to end on /);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.subjectId, subscriptionId))).toHaveLength(1);
  });

  it('now: the provider ends it at once, even one already set to end later, and the audit log says so', async () => {
    const admin = await staffMember('admin');
    const { subscriptionId } = await activeSubscriber('admin-cancel-now');
    await cancelSubscriptionAsStaff(t.deps, admin, subscriptionId, 'period_end');

    const result = await cancelSubscriptionAsStaff(t.deps, admin, subscriptionId, 'now');

    expect(result.status).toBe('canceled');
    expect((await rowOf(subscriptionId)).status).toBe('canceled');
    expect((await atSandbox(subscriptionId)).status).toBe('canceled');
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, subscriptionId)).orderBy(auditLog.id);
    expect(entries.map((entry) => entry.data)).toEqual([
      expect.objectContaining({ timing: 'period_end' }),
      expect.objectContaining({ timing: 'now', before: { status: 'active', cancelAtPeriodEnd: true }, after: expect.objectContaining({ status: 'canceled' }) }),
    ]);
    // The webhooks that follow change nothing.
    await events.applyNew();
    expect((await rowOf(subscriptionId)).status).toBe('canceled');

    expect((await userFacingError(cancelSubscriptionAsStaff(t.deps, admin, subscriptionId, 'now'))).code).toBe('already_ended');
    expect((await userFacingError(cancelSubscriptionAsStaff(t.deps, admin, subscriptionId, 'period_end'))).code).toBe('already_ended');
    expect(await t.db.select().from(auditLog).where(eq(auditLog.subjectId, subscriptionId))).toHaveLength(2);
  });

  it('refuses support and customers in the data layer, changing nothing at the provider or here', async () => {
    const { subscriptionId } = await activeSubscriber('support-cannot-cancel');
    for (const role of ['support', 'customer'] as const) {
      const person = await staffMember(role);
      for (const timing of ['now', 'period_end'] as const) {
        await expect(cancelSubscriptionAsStaff(t.deps, person, subscriptionId, timing)).rejects.toBeInstanceOf(AuthorizationError);
      }
    }
    expect(await rowOf(subscriptionId)).toMatchObject({ status: 'active', cancelAtPeriodEnd: false });
    expect((await atSandbox(subscriptionId)).cancel_at_period_end).toBe(false);
    expect(await t.db.select().from(auditLog).where(eq(auditLog.subjectId, subscriptionId))).toEqual([]);
  });

  it('refuses an id that is no subscription', async () => {
    const admin = await staffMember('admin');
    expect((await userFacingError(cancelSubscriptionAsStaff(t.deps, admin, crypto.randomUUID(), 'now'))).code).toBe('not_found');
  });
});

describe('the subscriptions list', () => {
  it('filters by status and by the subscriber’s email, and pages by keyset', async () => {
    const admin = await staffMember('admin');
    const first = await activeSubscriber('list-a');
    const second = await activeSubscriber('list-b');
    await cancelSubscriptionAsStaff(t.deps, admin, first.subscriptionId, 'now');

    const canceled = await listSubscriptions(t.db, parseSubscriptionQuery({ status: 'canceled', q: first.subscriber.email.toUpperCase() }));
    expect(canceled.rows.map((row) => row.subscriptionId)).toEqual([first.subscriptionId]);
    expect(canceled.rows[0]).toMatchObject({ email: first.subscriber.email, planName: 'Starter', price: { amount: 900, currency: 'USD' }, interval: 'month', provider: 'stripe' });
    expect((await listSubscriptions(t.db, parseSubscriptionQuery({ status: 'active', q: first.subscriber.email }))).rows).toEqual([]);
    expect((await listCustomers(t.db, parseCustomerQuery({ q: first.subscriber.email }))).rows).toEqual([expect.objectContaining({ subscriptionStatus: 'canceled', orderCount: 0 })]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listSubscriptions(t.db, parseSubscriptionQuery({ limit: '1', cursor }));
      seen.push(...page.rows.map((row) => row.subscriptionId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.indexOf(second.subscriptionId)).toBeLessThan(seen.indexOf(first.subscriptionId));
    expect(() => parseSubscriptionQuery({ status: 'ended' })).toThrow(expect.objectContaining({ name: 'UserFacingError', field: 'status' }));
  });
});

describe('a customer’s page', () => {
  it('shows their orders, payments, subscriptions, invoices and emails, and what they paid per currency, never summed across currencies', async () => {
    const { subscriber, subscriptionId } = await activeSubscriber('detail');
    // Two one-off orders in two currencies, one partly refunded, and a receipt.
    const [customer] = await t.db.select().from(customers).where(eq(customers.userId, subscriber.userId));
    const [usdOrder] = await t.db.insert(orders).values({ userId: subscriber.userId, customerId: customer!.id, email: subscriber.email, status: 'partially_refunded', currency: 'USD', amountSubtotal: 3600, amountTotal: 3600 }).returning();
    await t.db.insert(payments).values({ orderId: usdOrder!.id, provider: 'stripe', providerPaymentId: `pi_detail_${crypto.randomUUID()}`, status: 'succeeded', currency: 'USD', amount: 3600, amountCaptured: 3600, amountRefunded: 600 });
    const [eurOrder] = await t.db.insert(orders).values({ userId: subscriber.userId, email: subscriber.email, status: 'paid', currency: 'EUR', amountSubtotal: 1250, amountTotal: 1250 }).returning();
    await t.db.insert(payments).values({ orderId: eurOrder!.id, provider: 'paypal', providerPaymentId: `PAYPAL${crypto.randomUUID().slice(0, 11)}`, status: 'succeeded', currency: 'EUR', amount: 1250, amountCaptured: 1250 });
    await t.db.insert(emails).values({ kind: 'receipt', ref: usdOrder!.id, to: subscriber.email.toUpperCase(), subject: `Your receipt for order #${usdOrder!.number}`, text: 'Thanks' });

    const detail = await customerDetail(t.db, subscriber.userId);

    expect(detail).toMatchObject({ userId: subscriber.userId, email: subscriber.email, providerCustomers: [{ provider: 'stripe' }] });
    // $36.00 − $6.00 refunded + the $9.00 Starter invoice; €12.50 on its own.
    expect(detail!.lifetimeValue).toEqual([
      { amount: 1250, currency: 'EUR' },
      { amount: 3900, currency: 'USD' },
    ]);
    expect(detail!.orders.map((order) => order.number).sort()).toEqual([usdOrder!.number, eurOrder!.number].sort());
    expect(detail!.payments.map((payment) => payment.amount)).toEqual(expect.arrayContaining([{ amount: 3600, currency: 'USD' }, { amount: 1250, currency: 'EUR' }]));
    expect(detail!.payments).toHaveLength(2);
    expect(detail!.subscriptions).toEqual([expect.objectContaining({ subscriptionId, status: 'active', planName: 'Starter', price: { amount: 900, currency: 'USD' } })]);
    expect(detail!.invoices).toEqual([expect.objectContaining({ status: 'paid', amountPaid: { amount: 900, currency: 'USD' } })]);
    expect(detail!.emails).toEqual([expect.objectContaining({ kind: 'receipt', subject: `Your receipt for order #${usdOrder!.number}` })]);

    expect(await customerDetail(t.db, crypto.randomUUID())).toBeNull();
  });

  it('the customers list finds an account by its whole email in any case, and pages every account once', async () => {
    const ada = await newSubscriber(t.db, 'ada');
    const found = await listCustomers(t.db, parseCustomerQuery({ q: ` ${ada.email.toUpperCase()} ` }));
    expect(found.rows.map((row) => row.userId)).toEqual([ada.userId]);
    expect((await listCustomers(t.db, parseCustomerQuery({ q: ada.email.slice(1) }))).rows).toEqual([]);

    const everyone = await t.db.select({ id: users.id }).from(users);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listCustomers(t.db, parseCustomerQuery({ limit: '2', cursor }));
      seen.push(...page.rows.map((row) => row.userId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(everyone.map((row) => row.id).sort());
    expect(() => parseCustomerQuery({ cursor: 'forged' })).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });
});
