import { describe, expect, it } from 'vitest';
import { money } from '@/lib/money';
import { isolatedSandbox } from '@/test/sandbox';
import { DisputeNotOpenError, type DisputeEvidence } from '@/lib/payments/types';
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

  it('reports the charge that took the money and the card it was made on', async () => {
    const payments = stripePayments(sandbox.stripe);
    const paid = await paidIntent(2500);
    const charge = typeof paid.latest_charge === 'string' ? paid.latest_charge : paid.latest_charge?.id;
    expect(charge).toMatch(/^ch_/);
    expect(await payments.retrievePayment(paid.id)).toMatchObject({ chargeId: charge, card: { brand: 'visa', last4: '4242' } });
  });

  it('reports the last card tried on a declined payment, and no charge nor card before any was tried', async () => {
    const payments = stripePayments(sandbox.stripe);
    const intent = await sandbox.stripe.paymentIntents.create({ amount: 700, currency: 'usd', metadata: { order_id: crypto.randomUUID() } });
    expect(await payments.retrievePayment(intent.id)).toMatchObject({ chargeId: null, card: null });
    await sandbox.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa_chargeDeclined' }).catch(() => undefined);
    expect(await payments.retrievePayment(intent.id)).toMatchObject({ status: 'requires_payment_method', chargeId: expect.stringMatching(/^ch_/), card: { brand: 'visa', last4: '0002' } });
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

describe('answering a Stripe dispute', () => {
  async function disputed() {
    const intent = await sandbox.stripe.paymentIntents.create({ amount: 3100, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true, metadata: { order_id: crypto.randomUUID() } });
    const [dispute] = (await sandbox.stripe.disputes.list({ payment_intent: intent.id })).data;
    if (!dispute) throw new Error('no dispute opened');
    return dispute;
  }

  const receipt = { kind: 'receipt' as const, filename: 'receipt.pdf', contentType: 'application/pdf' as const, data: new TextEncoder().encode('%PDF-1.4 receipt') };

  it('uploads each document and submits the evidence in one update, which a retry with the same key repeats rather than doubles', async () => {
    const payments = stripePayments(sandbox.stripe);
    const dispute = await disputed();
    const evidence: DisputeEvidence = { explanation: 'Shipped and delivered.', productDescription: 'Field notebook', shipping: { carrier: 'UPS', trackingNumber: '1Z999' }, documents: [receipt] };
    const submitted = await payments.submitDisputeEvidence(dispute.id, evidence, `dispute:${dispute.id}:evidence:1`);
    expect(submitted).toMatchObject({ provider: 'stripe', id: dispute.id, status: 'under_review', amount: money(3100, 'USD') });
    const atStripe = await sandbox.stripe.disputes.retrieve(dispute.id);
    expect(atStripe.evidence).toMatchObject({ uncategorized_text: 'Shipped and delivered.', product_description: 'Field notebook', shipping_carrier: 'UPS', shipping_tracking_number: '1Z999' });
    expect(await sandbox.stripe.files.retrieve(String(atStripe.evidence.receipt))).toMatchObject({ purpose: 'dispute_evidence', filename: 'receipt.pdf' });

    const again = await payments.submitDisputeEvidence(dispute.id, evidence, `dispute:${dispute.id}:evidence:1`);
    expect(again.status).toBe('under_review');
    expect((await sandbox.stripe.disputes.retrieve(dispute.id)).evidence_details.submission_count).toBe(1);
  });

  it('accepts a dispute, which loses it; answering it after is refused as not open', async () => {
    const payments = stripePayments(sandbox.stripe);
    const dispute = await disputed();
    expect(await payments.acceptDispute(dispute.id, `dispute:${dispute.id}:accept`)).toMatchObject({ status: 'lost' });
    await expect(payments.submitDisputeEvidence(dispute.id, { explanation: 'Too late', productDescription: null, shipping: null, documents: [] }, `dispute:${dispute.id}:evidence:late`)).rejects.toBeInstanceOf(
      DisputeNotOpenError,
    );
  });
});

