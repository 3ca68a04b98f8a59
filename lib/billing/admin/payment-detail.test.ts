import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, disputes, orders, payments, refundRequests, refunds, users, webhookEvents } from '@/db/schema';
import { isolatedDatabase } from '@/test/database';
import { paymentDetail, providerLinks, type PaymentDetailOptions } from './payment-detail';

const OPTIONS: PaymentDetailOptions = { mode: 'test', sandboxUrl: 'http://127.0.0.1:4242', capturesOnServer: (provider) => provider === 'paypal' };

describe("a payment's page", () => {
  const t = isolatedDatabase();

  it('is null for an unknown id and for one that is not a uuid, so the page answers 404 rather than failing', async () => {
    expect(await paymentDetail(t.db, crypto.randomUUID(), OPTIONS)).toBeNull();
    expect(await paymentDetail(t.db, 'not-a-uuid', OPTIONS)).toBeNull();
    expect(await paymentDetail(t.db, "1' or '1'='1", OPTIONS)).toBeNull();
  });

  it('shows amounts, the buyer, the card, the provider links (the capture among them), the idempotency keys and a timeline of events, refunds, disputes and admin actions, newest first', async () => {
    const [admin] = await t.db.insert(users).values({ email: 'ops@example.com', role: 'admin' }).returning();
    const [order] = await t.db.insert(orders).values({ email: 'ada@example.com', currency: 'USD', amountSubtotal: 10_000, amountTotal: 10_000, status: 'partially_refunded' }).returning();
    const [payment] = await t.db
      .insert(payments)
      .values({
        orderId: order!.id,
        provider: 'paypal',
        providerPaymentId: '5O190127TN364715T',
        providerChargeId: '3C679366HH908993F',
        cardBrand: 'amex',
        cardLast4: '0005',
        status: 'succeeded',
        currency: 'USD',
        amount: 10_000,
        amountCaptured: 10_000,
        amountRefunded: 1_000,
        idempotencyKey: `checkout:${order!.id}:intent:0:abc`,
        createdAt: sql`'2026-06-01T10:00:00Z'::timestamptz`,
      })
      .returning();
    const paymentId = payment!.id;
    await t.db.insert(refunds).values([
      { paymentId, provider: 'paypal', providerRefundId: 'REFUND1', status: 'succeeded', amount: 1_000, currency: 'USD', requestedBy: admin!.id, createdAt: sql`'2026-06-02T10:00:00Z'::timestamptz` },
      { paymentId, provider: 'paypal', providerRefundId: 'REFUND2', status: 'pending', amount: 2_000, currency: 'USD', requestedBy: admin!.id, createdAt: sql`'2026-06-03T10:00:00Z'::timestamptz` },
    ]);
    await t.db.insert(refundRequests).values([
      { paymentId, amount: 1_000, currency: 'USD', reason: 'requested_by_customer', requestedBy: admin!.id, status: 'sent', idempotencyKey: `refund:${paymentId}:one`, providerRefundId: 'REFUND1', createdAt: sql`'2026-06-02T10:00:00Z'::timestamptz` },
      { paymentId, amount: 3_000, currency: 'USD', reason: 'fraudulent', requestedBy: admin!.id, status: 'awaiting_approval', idempotencyKey: `refund:${paymentId}:two`, createdAt: sql`'2026-06-04T10:00:00Z'::timestamptz` },
    ]);
    await t.db.insert(disputes).values({ paymentId, provider: 'paypal', providerDisputeId: 'PP-D-1', status: 'needs_response', amount: 500, currency: 'USD', createdAt: sql`'2026-06-05T10:00:00Z'::timestamptz` });
    await t.db.insert(webhookEvents).values([
      { provider: 'paypal', eventId: 'WH-1', type: 'PAYMENT.CAPTURE.REFUNDED', payload: {}, status: 'processed', attempts: 1, providerPaymentId: '5O190127TN364715T', receivedAt: sql`'2026-06-02T10:00:01Z'::timestamptz` },
      { provider: 'paypal', eventId: 'WH-2', type: 'CUSTOMER.DISPUTE.CREATED', payload: {}, status: 'failed', attempts: 2, lastError: 'provider unavailable', providerPaymentId: '5O190127TN364715T', receivedAt: sql`'2026-06-05T10:00:01Z'::timestamptz` },
      // Another payment's event, and one of the same id at another provider: neither is this payment's.
      { provider: 'paypal', eventId: 'WH-3', type: 'PAYMENT.CAPTURE.COMPLETED', payload: {}, providerPaymentId: 'OTHERORDER', receivedAt: sql`'2026-06-02T10:00:00Z'::timestamptz` },
      { provider: 'stripe', eventId: 'evt_1', type: 'charge.refunded', payload: {}, providerPaymentId: '5O190127TN364715T', receivedAt: sql`'2026-06-02T10:00:00Z'::timestamptz` },
    ]);
    await t.db.insert(auditLog).values({ actorKind: 'user', actorUserId: admin!.id, action: 'refund.requested', subjectType: 'payment', subjectId: paymentId, data: { amount: 3_000 }, createdAt: sql`'2026-06-04T10:00:00Z'::timestamptz` });

    const detail = (await paymentDetail(t.db, paymentId, OPTIONS))!;
    expect(detail.amounts).toEqual({
      captured: { amount: 10_000, currency: 'USD' },
      refunded: { amount: 1_000, currency: 'USD' },
      pending: { amount: 2_000, currency: 'USD' },
      awaitingApproval: { amount: 3_000, currency: 'USD' },
      remaining: { amount: 4_000, currency: 'USD' },
      disputed: { amount: 500, currency: 'USD' },
    });
    expect(detail.customer).toEqual({ email: 'ada@example.com', customerId: null });
    expect(detail.order).toMatchObject({ number: order!.number, status: 'partially_refunded', total: { amount: 10_000, currency: 'USD' }, lines: [] });
    expect(detail.timeline.map((entry) => entry.key.split(':')[0] + ':' + ('type' in entry ? entry.type : 'action' in entry ? entry.action : entry.kind))).toEqual([
      'webhook:CUSTOMER.DISPUTE.CREATED',
      'dispute:dispute',
      'audit:refund.requested',
      'refund:refund',
      'webhook:PAYMENT.CAPTURE.REFUNDED',
      'refund:refund',
      'created:created',
    ]);
    expect(detail.timeline[0]).toMatchObject({ kind: 'webhook', status: 'failed', attempts: 2, lastError: 'provider unavailable' });
    expect(detail.timeline.find((entry) => entry.kind === 'refund')).toMatchObject({ requestedBy: 'ops@example.com' });
    expect(detail.idempotencyKeys.map((each) => each.key)).toEqual([`checkout:${order!.id}:intent:0:abc`, `checkout:${order!.id}:capture:5O190127TN364715T`, `refund:${paymentId}:one`, `refund:${paymentId}:two`]);
    expect(detail.refundRequests.map((request) => [request.status, request.requesterEmail])).toEqual([
      ['awaiting_approval', 'ops@example.com'],
      ['sent', 'ops@example.com'],
    ]);
    expect(detail.card).toEqual({ brand: 'amex', last4: '0005' });
    expect(detail.links.map((link) => `${link.label}:${link.id}`)).toEqual(['Order:5O190127TN364715T', 'Capture:3C679366HH908993F', 'Refund:REFUND1', 'Refund:REFUND2', 'Dispute:PP-D-1']);
  });
});

describe("links to the provider's dashboard", () => {
  const ids = { payment: 'pi_123', charge: 'ch_9', refunds: ['re_1'], disputes: ['dp_1'] };

  it('point at Stripe test mode under /test and at live mode without it', () => {
    expect(providerLinks({ mode: 'test', sandboxUrl: '' }, 'stripe', ids).map((link) => link.url)).toEqual([
      'https://dashboard.stripe.com/test/payments/pi_123',
      'https://dashboard.stripe.com/test/payments/ch_9',
      'https://dashboard.stripe.com/test/payments/pi_123',
      'https://dashboard.stripe.com/test/disputes/dp_1',
    ]);
    expect(providerLinks({ mode: 'live', sandboxUrl: '' }, 'stripe', ids)[0]!.url).toBe('https://dashboard.stripe.com/payments/pi_123');
  });

  it("point at PayPal's sandbox site in test mode and its live site in live mode", () => {
    expect(providerLinks({ mode: 'test', sandboxUrl: '' }, 'paypal', ids).map((link) => link.url)).toEqual([
      'https://www.sandbox.paypal.com/activities',
      'https://www.sandbox.paypal.com/activity/payment/ch_9',
      'https://www.sandbox.paypal.com/activity/payment/re_1',
      'https://www.sandbox.paypal.com/resolutioncenter/dp_1',
    ]);
    expect(providerLinks({ mode: 'live', sandboxUrl: '' }, 'paypal', ids)[2]!.url).toBe('https://www.paypal.com/activity/payment/re_1');
  });

  it("point at the local sandbox's dashboard in sandbox mode, for every provider", () => {
    for (const provider of ['stripe', 'paypal'] as const) {
      expect(new Set(providerLinks({ mode: 'sandbox', sandboxUrl: 'http://127.0.0.1:4543' }, provider, ids).map((link) => link.url))).toEqual(new Set(['http://127.0.0.1:4543/']));
    }
  });
});
