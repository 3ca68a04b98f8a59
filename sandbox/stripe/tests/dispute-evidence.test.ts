import { describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';

const t = isolatedSandbox();

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function disputedPayment() {
  const intent = await t.stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true });
  const [dispute] = (await t.stripe.disputes.list({ payment_intent: intent.id })).data;
  if (!dispute) throw new Error('the dispute test card opened no dispute');
  return dispute;
}

describe('dispute evidence files', () => {
  it('takes a PDF uploaded through the SDK as dispute evidence and returns the file object Stripe would', async () => {
    const file = await t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: PDF, name: 'receipt.pdf', type: 'application/pdf' } });
    expect(file).toMatchObject({ object: 'file', purpose: 'dispute_evidence', type: 'pdf', size: PDF.length, filename: 'receipt.pdf' });
    expect(await t.stripe.files.retrieve(file.id)).toMatchObject({ id: file.id, size: PDF.length });
  });

  it('refuses evidence that is not a PDF, JPEG or PNG, and an empty file', async () => {
    const text = await stripeError(t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: Buffer.from('hello'), name: 'note.txt', type: 'text/plain' } }));
    expect(text.message).toContain('PDF, JPEG or PNG');
    const empty = await stripeError(t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: Buffer.alloc(0), name: 'empty.pdf', type: 'application/pdf' } }));
    expect(empty.message).toContain('empty');
  });

  it('submits evidence naming an uploaded file, and refuses a file id that was never uploaded', async () => {
    const dispute = await disputedPayment();
    const refused = await stripeError(t.stripe.disputes.update(dispute.id, { evidence: { receipt: 'file_NeverUploaded' }, submit: true }));
    expect(refused.message).toContain('No such file upload');
    expect((await t.stripe.disputes.retrieve(dispute.id)).status).toBe('needs_response');

    const file = await t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: PDF, name: 'receipt.pdf', type: 'application/pdf' } });
    const submitted = await t.stripe.disputes.update(dispute.id, { evidence: { receipt: file.id, product_description: 'A notebook' }, submit: true });
    expect(submitted).toMatchObject({ status: 'under_review', evidence: { receipt: file.id, product_description: 'A notebook' } });
    expect(submitted.evidence_details.submission_count).toBe(1);
  });

  it('replays an upload retried with the same idempotency key as the one file', async () => {
    const upload = () => t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: PDF, name: 'r.pdf', type: 'application/pdf' } }, { idempotencyKey: `upload-${crypto.randomUUID()}` });
    const key = `upload-${crypto.randomUUID()}`;
    const first = await t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: PDF, name: 'r.pdf', type: 'application/pdf' } }, { idempotencyKey: key });
    const again = await t.stripe.files.create({ purpose: 'dispute_evidence', file: { data: PDF, name: 'r.pdf', type: 'application/pdf' } }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect((await upload()).id).not.toBe(first.id);
  });
});
