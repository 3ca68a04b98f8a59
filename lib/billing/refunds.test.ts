import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type Database } from '@/db/client';
import { auditLog, emails, orders, payments, refundRequests, refunds, users, webhookEvents } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import { toSessionUser, type SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { processWebhookEvents } from '@/lib/jobs/webhook-worker';
import { money } from '@/lib/money';
import { createPaymentRegistry, type PaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { eventually } from '@/test/sandbox';
import { applyBillingChange } from './payment-events';
import { approveRefund, refundableAmounts, rejectRefund, requestRefund, withdrawRefund, type RefundDeps, type RefundInput } from './refunds';
import { webhookEffect } from './webhook-actions';

/**
 * Admin refunds against the sandbox's Stripe and PayPal: real provider refunds, settled by the
 * providers' own events applied by the webhook worker, with PostgreSQL's locks and constraints.
 */

const t = paypalSandbox();
const AMOUNT = 10_000;

let db: Database;
let closeDb: () => Promise<void>;
let registry: PaymentRegistry;
let stripe: PaymentProvider;
let paypal: PaymentProvider;
let deps: RefundDeps;
let admin: SessionUser;
let secondAdmin: SessionUser;
let support: SessionUser;

async function staffMember(email: string, role: 'admin' | 'support'): Promise<SessionUser> {
  const [user] = await db.insert(users).values({ email, role }).returning();
  return toSessionUser(user!);
}

beforeAll(async () => {
  const connection = connect(t.databaseUrl);
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  stripe = stripeThrough(t.stripe);
  paypal = paypalThrough(t.server.url);
  registry = createPaymentRegistry([stripe, paypal]);
  // Refunds above 60.00 USD wait for a second admin.
  deps = { db, payments: registry, approvalAbove: new Map([['USD', 6_000]]) };
  admin = await staffMember('refunder@example.com', 'admin');
  secondAdmin = await staffMember('approver@example.com', 'admin');
  support = await staffMember('support@example.com', 'support');
});

afterAll(async () => {
  await closeDb?.();
});

type Provider = 'stripe' | 'paypal';

/** A paid order: the provider's payment made, paid by the buyer, and applied as the worker applies it. */
async function paidOrder(provider: Provider) {
  const [order] = await db.insert(orders).values({ email: `buyer-${crypto.randomUUID()}@example.com`, currency: 'USD', amountSubtotal: AMOUNT, amountTotal: AMOUNT }).returning();
  const orderId = order!.id;
  const via = provider === 'stripe' ? stripe : paypal;
  const created = await via.payments.createPayment({ amount: money(AMOUNT, 'USD'), customerId: null, receiptEmail: order!.email, orderId, metadata: {} }, `checkout:${orderId}:intent:0:test`);
  const [row] = await db.insert(payments).values({ orderId, provider, providerPaymentId: created.id, status: created.status, amount: AMOUNT, currency: 'USD' }).returning();
  if (provider === 'stripe') {
    await t.stripe.paymentIntents.confirm(created.id, { payment_method: 'pm_card_visa' });
  } else {
    expect((await decide(`${t.paypalUrl}/checkoutnow?token=${encodeURIComponent(created.id)}`, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
    await paypal.payments.capturePayment(created.id, `checkout:${orderId}:capture:${created.id}`);
  }
  const effect = webhookEffect(via, { kind: 'payment', paymentId: created.id });
  await applyBillingChange(db, effect.key, effect.refetch);
  expect(await orderRow(orderId)).toMatchObject({ status: 'paid' });
  return { orderId, paymentId: row!.id, providerPaymentId: created.id, provider };
}

type Paid = Awaited<ReturnType<typeof paidOrder>>;

async function orderRow(id: string) {
  const [row] = await db.select().from(orders).where(eq(orders.id, id));
  return row!;
}

function input(paid: Paid, amount: number, extra: Partial<RefundInput> = {}): RefundInput {
  return { paymentId: paid.paymentId, requestId: crypto.randomUUID(), amount: { amount, currency: 'USD' }, reason: 'requested_by_customer', note: null, ...extra };
}

async function refundRows(paid: Paid) {
  return db.select().from(refunds).where(eq(refunds.paymentId, paid.paymentId));
}

/** What the provider itself holds refunded of the payment. */
async function refundedAtProvider(paid: Paid): Promise<number> {
  return (await registry.get(paid.provider).payments.retrievePayment(paid.providerPaymentId)).amountRefunded.amount;
}

/**
 * The provider's refund events about the payment, stored as the webhook endpoint stores them and
 * applied by the worker, once `count` refunds have raised theirs.
 */
async function settleByWebhooks(paid: Paid, count: number): Promise<string[]> {
  const raised = await eventually(async () => {
    if (paid.provider === 'stripe') {
      const found = [];
      for await (const event of t.stripe.events.list({ limit: 100, type: 'charge.refunded' })) if (JSON.stringify(event.data.object).includes(paid.providerPaymentId)) found.push(event);
      return found.length >= count && found.map((event) => ({ eventId: event.id, type: event.type, payload: event }));
    }
    const captureIds = (await registry.get('paypal').payments.refundsOf(paid.providerPaymentId)).map((refund) => refund.id);
    const found = (await t.events('PAYMENT.CAPTURE.REFUNDED')).filter((event) => captureIds.some((id) => JSON.stringify(event.resource).includes(id)));
    return found.length >= count && found.map((event) => ({ eventId: event.id, type: event.event_type, payload: event }));
  }, 20_000);
  const stored = await db
    .insert(webhookEvents)
    .values(raised.map((event) => ({ provider: paid.provider, ...event })))
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
  const ids = stored.map((row) => row.id);
  const failures = await processWebhookEvents({ db, payments: registry }, ids);
  expect([...failures.values()]).toEqual([]);
  return ids;
}

async function auditActions(paid: Paid): Promise<string[]> {
  const rows = await db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.subjectType, 'payment'), eq(auditLog.subjectId, paid.paymentId)));
  return rows.map((row) => row.action).sort();
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a refusal');
}

describe.each(['stripe', 'paypal'] as const)('refunding a %s payment from the console', (provider) => {
  it('refunds part, then the rest; each refund is pending until the provider’s webhook settles it and the order follows', async () => {
    const paid = await paidOrder(provider);
    const first = await requestRefund(deps, admin, input(paid, 4_000, { note: 'Arrived late' }));
    expect(first).toMatchObject({ outcome: 'sent', request: { amount: 4_000, status: 'sent', requestedBy: admin.id, note: 'Arrived late', idempotencyKey: expect.stringMatching(`^refund:${paid.paymentId}:`) } });
    expect(await refundRows(paid)).toEqual([expect.objectContaining({ amount: 4_000, status: 'pending', requestedBy: admin.id, providerRefundId: first.request.providerRefundId })]);
    expect((await refundableAmounts(db, paid.paymentId))!).toMatchObject({ captured: { amount: AMOUNT }, pending: { amount: 4_000 }, refunded: { amount: 0 }, remaining: { amount: 6_000 } });
    expect(await orderRow(paid.orderId)).toMatchObject({ status: 'paid' });

    const eventIds = await settleByWebhooks(paid, 1);
    expect(await refundRows(paid)).toEqual([expect.objectContaining({ amount: 4_000, status: 'succeeded' })]);
    expect(await orderRow(paid.orderId)).toMatchObject({ status: 'partially_refunded' });
    expect((await refundableAmounts(db, paid.paymentId))!).toMatchObject({ refunded: { amount: 4_000 }, pending: { amount: 0 }, remaining: { amount: 6_000 } });
    // The worker wrote which payment each event was about.
    const stored = await db.select({ about: webhookEvents.providerPaymentId }).from(webhookEvents).where(inArray(webhookEvents.id, eventIds));
    expect(stored.map((row) => row.about)).toEqual(eventIds.map(() => paid.providerPaymentId));

    const rest = await requestRefund(deps, admin, input(paid, 6_000, { reason: 'duplicate' }));
    expect(rest.outcome).toBe('sent');
    await settleByWebhooks(paid, 2);
    expect(await orderRow(paid.orderId)).toMatchObject({ status: 'refunded' });
    expect(await refundedAtProvider(paid)).toBe(AMOUNT);
    expect((await refundableAmounts(db, paid.paymentId))!.remaining.amount).toBe(0);
    const mails = await db.select().from(emails).where(and(eq(emails.kind, 'refund'), inArray(emails.ref, [first.request.id, rest.request.id])));
    expect(mails.map((mail) => mail.subject).sort()).toEqual(['Your refund of $40.00 for order', 'Your refund of $60.00 for order'].map((start) => expect.stringContaining(start)));
    expect(await auditActions(paid)).toEqual(['refund.requested', 'refund.requested', 'refund.sent', 'refund.sent']);

    const error = await refusal(requestRefund(deps, admin, input(paid, 1)));
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error.message).toBe('Nothing is left to refund on this payment.');
  });

  it('makes one refund at the provider for a double submit (the same request id twice at once)', async () => {
    const paid = await paidOrder(provider);
    const same = input(paid, 1_000);
    const outcomes = await Promise.all([requestRefund(deps, admin, same), requestRefund(deps, admin, same)]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['sent', 'sent']);
    expect(outcomes[0]!.request.id).toBe(outcomes[1]!.request.id);
    expect(await refundRows(paid)).toHaveLength(1);
    expect(await refundedAtProvider(paid)).toBe(1_000);
    // And again later (the form resubmitted after a lost answer): still one.
    expect((await requestRefund(deps, admin, same)).request.id).toBe(outcomes[0]!.request.id);
    expect(await refundedAtProvider(paid)).toBe(1_000);
  });

  it('never refunds more than was captured when two admins refund the same payment at once', async () => {
    const paid = await paidOrder(provider);
    const results = await Promise.allSettled([requestRefund(deps, admin, input(paid, 6_000)), requestRefund(deps, secondAdmin, input(paid, 6_000))]);
    const sent = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(sent).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(UserFacingError);
    expect((refused[0]!.reason as UserFacingError).message).toBe('At most $40.00 is left to refund on this payment (captured, less refunds made, pending or awaiting approval).');
    expect(await refundedAtProvider(paid)).toBe(6_000);
    expect((await refundRows(paid)).map((row) => row.amount)).toEqual([6_000]);
  });

  it('holds a refund above the threshold for a second admin: the requester cannot approve it, another admin can, and only then is it sent', async () => {
    const paid = await paidOrder(provider);
    const asked = await requestRefund(deps, admin, input(paid, 8_000, { reason: 'fraudulent', note: 'Card reported stolen' }));
    expect(asked).toMatchObject({ outcome: 'awaiting_approval', request: { status: 'awaiting_approval', decidedBy: null } });
    expect(await refundedAtProvider(paid)).toBe(0);
    // What awaits approval is promised: a second request cannot take it as well.
    expect((await refundableAmounts(db, paid.paymentId))!).toMatchObject({ awaitingApproval: { amount: 8_000 }, remaining: { amount: 2_000 } });
    expect((await refusal(requestRefund(deps, secondAdmin, input(paid, 3_000)))).message).toMatch(/At most \$20\.00 is left/);

    const own = await refusal(approveRefund(deps, admin, asked.request.id));
    expect(own).toBeInstanceOf(UserFacingError);
    expect(own.message).toBe('You asked for this refund, so another admin must approve it.');
    expect((await refusal(rejectRefund(deps, admin, asked.request.id))).message).toMatch(/another admin must decide/);
    // The database refuses it too, whatever the code above it does.
    await expect(db.update(refundRequests).set({ decidedBy: admin.id }).where(eq(refundRequests.id, asked.request.id))).rejects.toThrow();
    expect(await refundedAtProvider(paid)).toBe(0);

    const approved = await approveRefund(deps, secondAdmin, asked.request.id);
    expect(approved).toMatchObject({ outcome: 'sent', request: { status: 'sent', decidedBy: secondAdmin.id, requestedBy: admin.id } });
    expect(await refundedAtProvider(paid)).toBe(8_000);
    expect((await refusal(approveRefund(deps, secondAdmin, asked.request.id))).message).toBe('This refund request was already approved and sent.');
    expect(await refundedAtProvider(paid)).toBe(8_000);
    const audited = await db.select().from(auditLog).where(and(eq(auditLog.subjectType, 'payment'), eq(auditLog.subjectId, paid.paymentId)));
    expect(audited.map((row) => [row.action, row.actorUserId])).toEqual([
      ['refund.requested', admin.id],
      ['refund.approved', secondAdmin.id],
      ['refund.sent', secondAdmin.id],
    ]);
    expect(audited[2]!.data).toMatchObject({ amount: 8_000, currency: 'USD', before: { refunded: 0, remaining: 10_000 }, after: { refunded: 8_000, remaining: 2_000 } });
  });

  it('lets the admin who asked withdraw a request awaiting approval, and nobody else; what it held back is refundable again', async () => {
    const paid = await paidOrder(provider);
    const asked = await requestRefund(deps, admin, input(paid, 9_000));
    expect((await refusal(withdrawRefund(deps, secondAdmin, asked.request.id))).message).toMatch(/Only the admin who asked for this refund can withdraw it/);
    expect(await withdrawRefund(deps, admin, asked.request.id)).toMatchObject({ outcome: 'withdrawn', request: { status: 'withdrawn', decidedBy: null } });
    expect((await refundableAmounts(db, paid.paymentId))!.remaining.amount).toBe(AMOUNT);
    // Withdrawn is final: nobody can approve it afterwards, and nothing was sent.
    expect((await refusal(approveRefund(deps, secondAdmin, asked.request.id))).message).toBe('This refund request was already withdrawn by the admin who asked for it.');
    expect(await refundedAtProvider(paid)).toBe(0);
    expect(await auditActions(paid)).toEqual(['refund.requested', 'refund.withdrawn']);
  });

  it('sends nothing for a rejected request, and what it held back is refundable again', async () => {
    const paid = await paidOrder(provider);
    const asked = await requestRefund(deps, admin, input(paid, 9_000));
    expect(await rejectRefund(deps, secondAdmin, asked.request.id)).toMatchObject({ outcome: 'rejected', request: { status: 'rejected', decidedBy: secondAdmin.id } });
    expect((await refundableAmounts(db, paid.paymentId))!.remaining.amount).toBe(AMOUNT);
    expect(await refundedAtProvider(paid)).toBe(0);
    expect(await auditActions(paid)).toEqual(['refund.rejected', 'refund.requested']);
  });
});

describe('a refund the provider refuses', () => {
  it('is recorded as failed with the provider’s reason and audited; no refund row, no email', async () => {
    const paid = await paidOrder('stripe');
    // Refunded in full at Stripe's dashboard before its webhook reached Billfold: our books still show it all.
    await t.stripe.refunds.create({ payment_intent: paid.providerPaymentId });
    const outcome = await requestRefund(deps, admin, input(paid, 1_000));
    expect(outcome).toMatchObject({ outcome: 'failed', request: { status: 'failed', lastError: expect.stringContaining('already been refunded') } });
    expect(await refundRows(paid)).toEqual([]);
    expect(await auditActions(paid)).toEqual(['refund.failed', 'refund.requested']);
    expect(await db.select().from(emails).where(and(eq(emails.kind, 'refund'), eq(emails.ref, outcome.request.id)))).toEqual([]);
  });
});

describe('who may refund', () => {
  it('refuses support and customers in the library itself, before anything is read or sent', async () => {
    const paid = await paidOrder('stripe');
    const [customerRow] = await db.insert(users).values({ email: 'customer@example.com' }).returning();
    const spy = vi.spyOn(stripe.payments, 'refundPayment');
    for (const who of [support, toSessionUser(customerRow!)]) {
      expect(await refusal(requestRefund(deps, who, input(paid, 100)))).toBeInstanceOf(AuthorizationError);
      expect(await refusal(approveRefund(deps, who, crypto.randomUUID()))).toBeInstanceOf(AuthorizationError);
      expect(await refusal(rejectRefund(deps, who, crypto.randomUUID()))).toBeInstanceOf(AuthorizationError);
    }
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(await refundRows(paid)).toEqual([]);
    expect(await db.select().from(refundRequests).where(eq(refundRequests.paymentId, paid.paymentId))).toEqual([]);
  });

  it('refuses a staff member’s refunds above their hourly allowance, sending nothing, while a refused request uses none of it and another admin can still refund', async () => {
    const paid = await paidOrder('stripe');
    const refunder = await staffMember(`refund-limit-${crypto.randomUUID()}@example.com`, 'admin');
    const limited: RefundDeps = { ...deps, refundsPerStaff: { limit: 2, windowSeconds: 3600 } };
    // A request refused for its amount is not counted.
    expect(await refusal(requestRefund(limited, refunder, input(paid, AMOUNT + 1)))).toMatchObject({ code: 'over_refund' });
    await requestRefund(limited, refunder, input(paid, 100));
    const second = input(paid, 100);
    await requestRefund(limited, refunder, second);
    // The same form submitted again is its first request, not a third.
    expect((await requestRefund(limited, refunder, second)).outcome).toBe('sent');
    const spy = vi.spyOn(stripe.payments, 'refundPayment');
    const third = await refusal(requestRefund(limited, refunder, input(paid, 100)));
    expect(third).toMatchObject({ code: 'rate_limited', message: 'You have asked for many refunds in a short time. Wait a while, or ask another admin to send this one.' });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(await db.select().from(refundRequests).where(eq(refundRequests.paymentId, paid.paymentId))).toHaveLength(2);
    expect(await refundedAtProvider(paid)).toBe(200);
    // Another admin, who has refunded nothing this hour (the shared secondAdmin may have: the
    // counters live in the database and outlast a test run).
    const another = await staffMember(`refund-limit-other-${crypto.randomUUID()}@example.com`, 'admin');
    expect((await requestRefund(limited, another, input(paid, 100))).outcome).toBe('sent');
  });

  it('refuses an amount that is not a positive whole number of minor units, or in another currency, naming the field, and an id that names nothing', async () => {
    const paid = await paidOrder('stripe');
    for (const amount of [0, -5, 1.5]) {
      const error = await refusal(requestRefund(deps, admin, input(paid, amount)));
      expect(error).toMatchObject({ code: 'invalid_amount', field: 'amount' });
    }
    expect(await refusal(requestRefund(deps, admin, input(paid, 100, { paymentId: 'not-a-payment' })))).toMatchObject({ code: 'not_found' });
    expect(await refusal(approveRefund(deps, secondAdmin, 'not-a-request'))).toMatchObject({ code: 'not_found' });
    const euros = await refusal(requestRefund(deps, admin, input(paid, 100, { amount: money(100, 'EUR') })));
    expect(euros).toMatchObject({ code: 'wrong_currency', message: 'This payment is in USD, not EUR.' });
  });
});
