import crypto from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeDb } from '@/db/client';
import { orders, payments, prices, webhookEvents } from '@/db/schema';
import { seedCatalog } from '@/db/seed';
import { startCheckout } from '@/lib/billing/checkout';
import { createBoss, startBoss } from '@/lib/jobs/boss';
import { webhookEndpoint } from '@/lib/jobs/webhook-endpoint';
import { processWebhookEvents } from '@/lib/jobs/webhook-worker';
import { money } from '@/lib/money';
import { isolatedDatabase } from '@/test/database';
import { registryThrough } from '@/test/payments';
import type { PaymentRegistry } from '.';
import type { PaymentProvider, PaymentsApi, StoredWebhookEvent } from './provider';
import type { PaymentProviderName, ProviderPayment, WebhookAction } from './types';

/**
 * Adding a payment provider is a folder in lib/payments/ and one registry entry: nothing in the
 * webhook route, the worker or lib/billing names a provider. This file proves it with a provider
 * that exists only here, registered beside Stripe, paid for from checkout to the paid order.
 */

const t = isolatedDatabase();

// Rows name their provider with the `payment_provider` enum, so the type of a name is the enum's
// values. A real provider adds its name there with one migration; this one is added to the test's
// own database below, and its name is cast to the type that migration would have widened.
const FAKEPAY = 'fakepay' as PaymentProviderName;
const SIGNING_KEY = 'fakepay-test-signing-key';

interface FakepayEvent {
  id: string;
  type: 'payment.updated' | 'account.updated';
  payment_id?: string;
}

function signature(rawBody: string): string {
  return crypto.createHmac('sha256', SIGNING_KEY).update(rawBody).digest('hex');
}

/** Fakepay as its folder would build it: payments held in memory, webhooks signed with a shared key. */
function fakepay() {
  const held = new Map<string, ProviderPayment>();
  const notUsedHere = (what: string) => () => Promise.reject(new Error(`fakepay: ${what} is not used by this test`));

  const retrievePayment = vi.fn(async (id: string) => {
    const payment = held.get(id);
    if (!payment) throw new Error(`fakepay: no payment ${id}`);
    return payment;
  });
  const refundsOf = vi.fn(async () => []);
  const classify = vi.fn((event: StoredWebhookEvent): WebhookAction | null => {
    const payload = event.payload as FakepayEvent;
    return payload.type === 'payment.updated' && payload.payment_id ? { kind: 'payment', paymentId: payload.payment_id } : null;
  });

  const paymentsApi: PaymentsApi = {
    name: FAKEPAY,
    async createPayment(request) {
      const payment: ProviderPayment = {
        provider: FAKEPAY,
        id: `fppay_${held.size + 1}`,
        status: 'requires_payment_method',
        orderId: request.orderId,
        amount: request.amount,
        amountCaptured: money(0, request.amount.currency),
        amountRefunded: money(0, request.amount.currency),
        customerId: null,
        receiptEmail: request.receiptEmail,
        failureCode: null,
        failureMessage: null,
        chargeId: null,
        card: null,
        handoff: { kind: 'token', tokenizationKey: 'fp_tok_test' },
      };
      held.set(payment.id, payment);
      return payment;
    },
    retrievePayment,
    refundsOf,
    updatePayment: notUsedHere('updatePayment'),
    cancelPayment: notUsedHere('cancelPayment'),
    capturePayment: notUsedHere('capturePayment'),
    refundPayment: notUsedHere('refundPayment'),
    retrieveDispute: notUsedHere('retrieveDispute'),
    submitDisputeEvidence: notUsedHere('submitDisputeEvidence'),
    acceptDispute: notUsedHere('acceptDispute'),
    paymentsForOrder: notUsedHere('paymentsForOrder'),
  };

  const provider: PaymentProvider = {
    name: FAKEPAY,
    takesCards: false,
    capturesApprovedPayments: false,
    payments: paymentsApi,
    subscriptions: null,
    webhooks: {
      async verify(rawBody, headers) {
        const given = headers.get('fakepay-signature');
        if (!given || given !== signature(rawBody)) return null;
        const event = JSON.parse(rawBody) as FakepayEvent;
        return { provider: FAKEPAY, eventId: event.id, type: event.type, payloadJson: rawBody };
      },
      classify,
    },
  };

  return {
    provider,
    spies: { classify, retrievePayment, refundsOf },
    /** The buyer pays at Fakepay: its side of the payment changes, and it sends a webhook. */
    pay(id: string) {
      const payment = held.get(id)!;
      held.set(id, { ...payment, status: 'succeeded', amountCaptured: payment.amount, chargeId: `fpch_${id}`, card: { brand: 'visa', last4: '4242' }, handoff: null });
    },
  };
}

let boss: PgBoss;
let fake: ReturnType<typeof fakepay>;
let registry: PaymentRegistry;

beforeAll(async () => {
  // What the real provider's migration would do (ADD VALUE cannot run in a transaction block).
  await t.db.execute(sql`alter type payment_provider add value if not exists 'fakepay'`);
  // The webhook endpoint writes through the process's database client, configured from the environment.
  process.env.DATABASE_URL = t.url;
  boss = await startBoss(createBoss(t.url, 'producer'));
  await seedCatalog(t.db);
  fake = fakepay();
  // Stripe stays registered (and is never called here): the new provider sits beside it.
  registry = registryThrough(new Stripe('sk_test_unused_by_this_test'), { others: [fake.provider] });
});

afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
  await closeDb();
});

function deliver(body: string, headers: Record<string, string>): Promise<Response> {
  return webhookEndpoint(FAKEPAY, () => registry)(new Request('http://localhost/api/webhooks/fakepay', { method: 'POST', body, headers }));
}

describe('a third payment provider, registered in a test only', () => {
  it('is reached by checkout, the webhook route and the worker without edits elsewhere', async () => {
    // Checkout makes the order's payment at Fakepay (which has no customers) and hands the browser Fakepay's handoff.
    const [notebook] = await t.db.select().from(prices).where(eq(prices.lookupKey, 'field-notebook-usd'));
    const session = await startCheckout(
      { db: t.db, payments: fake.provider.payments },
      { buyer: { userId: null, email: 'buyer@example.com' }, items: [{ priceId: notebook!.id, quantity: 2 }], currentOrderId: null },
    );
    expect(session.handoff).toEqual({ kind: 'token', tokenizationKey: 'fp_tok_test' });
    const { order, paymentId } = session;
    const [attempt] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, paymentId));
    expect(attempt).toMatchObject({ provider: FAKEPAY, orderId: order.id, status: 'requires_payment_method', amount: 3600, currency: 'USD' });
    fake.pay(paymentId);

    // The route checks Fakepay's signature with Fakepay's verifier, and stores the event as Fakepay's.
    const body = JSON.stringify({ id: 'fpevt_1', type: 'payment.updated', payment_id: paymentId } satisfies FakepayEvent);
    expect((await deliver(body, { 'content-type': 'application/json', 'fakepay-signature': 'forged' })).status).toBe(400);
    const response = await deliver(body, { 'content-type': 'application/json', 'fakepay-signature': signature(body) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false });
    const [stored] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, 'fpevt_1'));
    expect(stored).toMatchObject({ provider: FAKEPAY, type: 'payment.updated', status: 'pending' });

    // The worker asks Fakepay to classify it and re-fetches the payment from Fakepay; lib/billing records it.
    expect((await processWebhookEvents({ db: t.db, payments: registry }, [stored!.id])).size).toBe(0);
    expect(fake.spies.classify).toHaveBeenCalledWith({ type: 'payment.updated', payload: JSON.parse(body) });
    expect(fake.spies.retrievePayment).toHaveBeenCalledWith(paymentId);
    // Nothing was refunded, so the refunds are not asked for.
    expect(fake.spies.refundsOf).not.toHaveBeenCalled();

    const [recorded] = await t.db.select().from(payments).where(eq(payments.providerPaymentId, paymentId));
    expect(recorded).toMatchObject({ provider: FAKEPAY, orderId: order.id, status: 'succeeded', amount: 3600, amountCaptured: 3600, amountRefunded: 0, currency: 'USD' });
    const [paid] = await t.db.select().from(orders).where(eq(orders.id, order.id));
    expect(paid?.status).toBe('paid');
    const [processed] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, stored!.id));
    expect(processed?.status).toBe('processed');
  });

  it('has its event types that Billfold does not act on stored and ignored, like any provider’s', async () => {
    const body = JSON.stringify({ id: 'fpevt_2', type: 'account.updated' } satisfies FakepayEvent);
    expect((await deliver(body, { 'content-type': 'application/json', 'fakepay-signature': signature(body) })).status).toBe(200);
    const [stored] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.eventId, 'fpevt_2'));
    await processWebhookEvents({ db: t.db, payments: registry }, [stored!.id]);
    const [after] = await t.db.select().from(webhookEvents).where(eq(webhookEvents.id, stored!.id));
    expect(after).toMatchObject({ provider: FAKEPAY, status: 'ignored' });
  });
});
