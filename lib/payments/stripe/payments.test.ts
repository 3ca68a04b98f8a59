import { describe, expect, it } from 'vitest';
import { money } from '@/lib/money';
import { isolatedSandbox } from '@/test/sandbox';
import { stripePayments } from './payments';

/** Stripe's side of the payment interface, against the sandbox through the official SDK. */

const sandbox = isolatedSandbox();

async function paidIntent(amount: number, options: { capture?: 'manual' } = {}) {
  const intent = await sandbox.stripe.paymentIntents.create({
    amount,
    currency: 'eur',
    metadata: { order_id: crypto.randomUUID() },
    ...(options.capture ? { capture_method: options.capture } : {}),
  });
  return sandbox.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
}

describe('Stripe payments in Billfold’s words', () => {
  it('captures an authorized payment and reports the captured amount as money', async () => {
    const payments = stripePayments(sandbox.stripe);
    const authorized = await paidIntent(4200, { capture: 'manual' });
    expect((await payments.retrievePayment(authorized.id)).status).toBe('requires_capture');

    const captured = await payments.capturePayment(authorized.id, `capture:${authorized.id}`);
    expect(captured).toMatchObject({ provider: 'stripe', id: authorized.id, status: 'succeeded', amountCaptured: money(4200, 'EUR'), handoff: expect.objectContaining({ kind: 'client_secret' }) });
  });

  it('refunds part of a payment once per idempotency key, and lists the refund with the payment', async () => {
    const payments = stripePayments(sandbox.stripe);
    const paid = await paidIntent(5000);
    const request = { paymentId: paid.id, amount: money(1200, 'EUR'), reason: 'requested_by_customer' as const, metadata: { requested_by: 'test' } };

    const refund = await payments.refundPayment(request, `refund:${paid.id}:first`);
    const replay = await payments.refundPayment(request, `refund:${paid.id}:first`);
    expect(replay.id).toBe(refund.id);
    expect(refund).toMatchObject({ provider: 'stripe', paymentId: paid.id, status: 'succeeded', amount: money(1200, 'EUR'), reason: 'requested_by_customer' });

    expect(await payments.refundsOf(paid.id)).toEqual([refund]);
    expect(await payments.retrievePayment(paid.id)).toMatchObject({ amountCaptured: money(5000, 'EUR'), amountRefunded: money(1200, 'EUR') });
  });

  it('reports a canceled payment with no hand-off, so no browser can pay it again', async () => {
    const payments = stripePayments(sandbox.stripe);
    const intent = await sandbox.stripe.paymentIntents.create({ amount: 900, currency: 'usd', metadata: { order_id: crypto.randomUUID() } });
    const outcome = await payments.cancelPayment(intent.id, 'abandoned', `abandon:${intent.id}`);
    expect(outcome).toMatchObject({ outcome: 'canceled', payment: { status: 'canceled', handoff: null } });
    expect(await payments.cancelPayment(intent.id, 'abandoned', `abandon:${intent.id}:again`)).toEqual({ outcome: 'refused' });
  });
});
