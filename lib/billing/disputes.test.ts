import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Database } from '@/db/client';
import { auditLog, disputes, orders, payments } from '@/db/schema';
import { AuthorizationError } from '@/lib/auth/errors';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import { money } from '@/lib/money';
import { createPaymentRegistry, type PaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import { openDispute } from '@/sandbox/paypal/tests/hooks-support';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { acceptDispute, evidenceFrom, sniffEvidenceType, submitDisputeEvidence, type DisputeResponseDeps } from './disputes';
import { applyChange } from './payment-events';

/**
 * Answering disputes from the console, against the sandbox's Stripe and PayPal through the
 * provider interface, with real PostgreSQL. The dispute is recorded as the webhook worker records
 * it (the provider's object applied); the bank's side (the test card that disputes, PayPal's
 * buyer opening a case) is the sandbox's.
 */

const t = paypalSandbox();
let db: Database;
let closeDb: () => Promise<void>;
let registry: PaymentRegistry;
let stripe: PaymentProvider;
let paypal: PaymentProvider;
let deps: DisputeResponseDeps;

const ADMIN: SessionUser = { id: '', email: 'admin@example.com', name: null, role: 'admin' };
const SUPPORT: SessionUser = { id: '', email: 'support@example.com', name: null, role: 'support' };
const PDF = new TextEncoder().encode('%PDF-1.4\nreceipt\n%%EOF');

beforeAll(async () => {
  const connection = connect(t.databaseUrl);
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  stripe = stripeThrough(t.stripe);
  paypal = paypalThrough(t.server.url);
  registry = createPaymentRegistry([stripe, paypal]);
  deps = { db, payments: registry };
  // Audit rows name their actor: the admins are real users.
  const { users } = await import('@/db/schema');
  const [admin, support] = await db
    .insert(users)
    .values([
      { email: `admin-${crypto.randomUUID()}@example.com`, role: 'admin' },
      { email: `support-${crypto.randomUUID()}@example.com`, role: 'support' },
    ])
    .returning();
  ADMIN.id = admin!.id;
  SUPPORT.id = support!.id;
});

afterAll(async () => {
  await closeDb?.();
});

async function recorded(provider: PaymentProvider, providerPaymentId: string, providerDisputeId: string) {
  const payment = await provider.payments.retrievePayment(providerPaymentId);
  const [order] = await db
    .insert(orders)
    .values({ email: 'buyer@example.com', currency: payment.amount.currency, amountSubtotal: payment.amount.amount, amountTotal: payment.amount.amount })
    .returning();
  await db.insert(payments).values({
    orderId: order!.id,
    provider: provider.name,
    providerPaymentId,
    status: 'requires_payment_method',
    currency: payment.amount.currency,
    amount: payment.amount.amount,
  });
  await db.transaction(async (tx) => {
    await applyChange(tx, { kind: 'payment', payment });
    await applyChange(tx, { kind: 'dispute', dispute: await provider.payments.retrieveDispute(providerDisputeId) });
  });
  const [row] = await db.select().from(disputes).where(and(eq(disputes.provider, provider.name), eq(disputes.providerDisputeId, providerDisputeId)));
  return row!;
}

/** A card payment its cardholder's bank disputes (Stripe's test card for it), recorded. */
async function stripeDispute() {
  const intent = await t.stripe.paymentIntents.create({ amount: 2600, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true });
  const [dispute] = (await t.stripe.disputes.list({ payment_intent: intent.id })).data;
  return recorded(stripe, intent.id, dispute!.id);
}

const evidence = () => evidenceFrom({ explanation: 'Delivered and signed for on 1 December.', productDescription: 'Field notebook', uploads: [{ kind: 'receipt', filename: 'receipt.pdf', data: PDF }] });

async function auditOf(disputeId: string) {
  return db.select().from(auditLog).where(and(eq(auditLog.subjectType, 'dispute'), eq(auditLog.subjectId, disputeId)));
}

describe('answering a dispute', () => {
  it('submits the evidence with its documents through the provider; the dispute is under review and the admin’s action is in the audit log', async () => {
    const dispute = await stripeDispute();
    expect(dispute.status).toBe('needs_response');

    const after = await submitDisputeEvidence(deps, ADMIN, { disputeId: dispute.id, requestId: crypto.randomUUID(), evidence: evidence() });
    expect(after.status).toBe('under_review');
    const atStripe = await t.stripe.disputes.retrieve(dispute.providerDisputeId);
    expect(atStripe.evidence.uncategorized_text).toBe('Delivered and signed for on 1 December.');
    expect(atStripe.evidence.receipt).toMatch(/^file_/);

    const [entry] = await auditOf(dispute.id);
    expect(entry).toMatchObject({
      actorUserId: ADMIN.id,
      action: 'dispute.evidence_submitted',
      data: { before: { status: 'needs_response' }, after: { status: 'under_review' }, evidence: { documents: [{ kind: 'receipt', filename: 'receipt.pdf', bytes: PDF.byteLength }] } },
    });
  });

  it('sends one submission when two arrive at once (a double click, two admins): the other is told the dispute no longer waits', async () => {
    const dispute = await stripeDispute();
    const requestId = crypto.randomUUID();
    const results = await Promise.allSettled([
      submitDisputeEvidence(deps, ADMIN, { disputeId: dispute.id, requestId, evidence: evidence() }),
      submitDisputeEvidence(deps, ADMIN, { disputeId: dispute.id, requestId: crypto.randomUUID(), evidence: evidence() }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((result) => result.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(UserFacingError);
    expect((refused?.reason as UserFacingError).code).toBe('dispute_not_open');
    expect((await t.stripe.disputes.retrieve(dispute.providerDisputeId)).evidence_details.submission_count).toBe(1);
    expect(await auditOf(dispute.id)).toHaveLength(1);
  });

  it('refuses support, and changes nothing', async () => {
    const dispute = await stripeDispute();
    await expect(submitDisputeEvidence(deps, SUPPORT, { disputeId: dispute.id, requestId: crypto.randomUUID(), evidence: evidence() })).rejects.toBeInstanceOf(AuthorizationError);
    await expect(acceptDispute(deps, SUPPORT, { disputeId: dispute.id, requestId: crypto.randomUUID() })).rejects.toBeInstanceOf(AuthorizationError);
    expect((await t.stripe.disputes.retrieve(dispute.providerDisputeId)).status).toBe('needs_response');
    expect(await auditOf(dispute.id)).toHaveLength(0);
  });

  it('accepts a dispute: lost at the provider and here, audited', async () => {
    const dispute = await stripeDispute();
    const after = await acceptDispute(deps, ADMIN, { disputeId: dispute.id, requestId: crypto.randomUUID() });
    expect(after.status).toBe('lost');
    expect((await auditOf(dispute.id)).map((entry) => entry.action)).toEqual(['dispute.accepted']);
  });

  it('records a dispute answered in the provider’s own dashboard meanwhile, and says so instead of answering again', async () => {
    const dispute = await stripeDispute();
    await t.stripe.disputes.close(dispute.providerDisputeId);
    const refusal = await submitDisputeEvidence(deps, ADMIN, { disputeId: dispute.id, requestId: crypto.randomUUID(), evidence: evidence() }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UserFacingError);
    expect((refusal as UserFacingError).message).toContain('no longer waiting for a response (it is lost)');
    const [row] = await db.select().from(disputes).where(eq(disputes.id, dispute.id));
    expect(row?.status).toBe('lost');
    expect(await auditOf(dispute.id)).toHaveLength(0);
  });

  it('answers a PayPal case the same way, through PayPal’s Disputes API', async () => {
    const created = await paypal.payments.createPayment({ amount: money(3300, 'USD'), customerId: null, receiptEmail: 'buyer@example.com', orderId: crypto.randomUUID(), metadata: {} }, `t:${crypto.randomUUID()}`);
    await decide(`${t.paypalUrl}/checkoutnow?token=${encodeURIComponent(created.id)}`, 'approve', 'buyer@example.com');
    await paypal.payments.capturePayment(created.id, `capture:${created.id}`);
    const order = await t.rest<{ purchase_units: { payments: { captures: { id: string }[] } }[] }>('GET', `/v2/checkout/orders/${created.id}`);
    const captureId = order.body.purchase_units[0]!.payments.captures[0]!.id;
    const { dispute_id: providerDisputeId } = await openDispute(t, { capture_id: captureId, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', stage: 'CHARGEBACK' });
    const dispute = await recorded(paypal, created.id, providerDisputeId);

    const after = await submitDisputeEvidence(deps, ADMIN, { disputeId: dispute.id, requestId: crypto.randomUUID(), evidence: evidence() });
    expect(after).toMatchObject({ provider: 'paypal', status: 'under_review' });
  });
});

describe('the evidence an admin gives', () => {
  it('knows PDF, JPEG and PNG by their first bytes, whatever the file is called', () => {
    expect(sniffEvidenceType(PDF)).toBe('application/pdf');
    expect(sniffEvidenceType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffEvidenceType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffEvidenceType(new TextEncoder().encode('MZ executable'))).toBeNull();
  });

  it('refuses, naming the field: no explanation, a renamed file, two receipts, half of the shipping details, too many megabytes', () => {
    const refusal = (input: Parameters<typeof evidenceFrom>[0]) => {
      try {
        evidenceFrom(input);
      } catch (error) {
        return error instanceof UserFacingError ? { field: error.field, message: error.message } : error;
      }
      return null;
    };
    expect(refusal({ explanation: '  ', uploads: [] })).toMatchObject({ field: 'explanation' });
    expect(refusal({ explanation: 'x'.repeat(2001), uploads: [] })).toMatchObject({ field: 'explanation' });
    expect(refusal({ explanation: 'ok', uploads: [{ kind: 'receipt', filename: 'receipt.pdf', data: new TextEncoder().encode('not a pdf') }] })).toMatchObject({
      field: 'receipt',
      message: 'receipt.pdf is not a PDF, JPEG or PNG file.',
    });
    const twice = { kind: 'receipt' as const, filename: 'a.pdf', data: PDF };
    expect(refusal({ explanation: 'ok', uploads: [twice, twice] })).toMatchObject({ field: 'receipt' });
    expect(refusal({ explanation: 'ok', shippingCarrier: 'UPS', uploads: [] })).toMatchObject({ field: 'shippingTrackingNumber' });
    const big = new Uint8Array(3 * 1024 * 1024);
    big.set(PDF);
    expect(refusal({ explanation: 'ok', uploads: [{ kind: 'receipt', filename: 'a.pdf', data: big }, { kind: 'other', filename: 'b.pdf', data: big }] })).toMatchObject({
      message: expect.stringContaining('at most 4.5 MB'),
    });
  });
});
