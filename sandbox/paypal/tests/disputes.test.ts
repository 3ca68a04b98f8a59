import { describe, expect, it } from 'vitest';
import type { PaypalEvent } from '../events';
import { captureOf, insertCapture, openDispute, sandboxPost } from './hooks-support';
import { expectMatchesPaypalSpec } from './openapi';
import { paypalSandbox } from './support';

const t = paypalSandbox();

interface Dispute {
  dispute_id: string;
  status: string;
  dispute_state: string;
  dispute_life_cycle_stage: string;
  dispute_channel: string;
  dispute_amount: { currency_code: string; value: string };
  disputed_transactions: { seller_transaction_id: string }[];
  evidences: { evidence_type: string; notes?: string; documents?: { name: string }[]; source: string }[];
  messages: { posted_by: string; content: string }[];
  money_movements: { type: string; amount: { value: string } }[];
  dispute_outcome?: { outcome_code: string; amount_refunded?: { value: string } };
  links: { href: string; rel: string; method: string }[];
}

async function show(id: string): Promise<Dispute> {
  const reply = await t.rest<Dispute>('GET', `/v1/customer/disputes/${id}`);
  expect(reply.status).toBe(200);
  expectMatchesPaypalSpec('GET', `/v1/customer/disputes/${id}`, reply.status, reply.body);
  return reply.body;
}

/** The events about one dispute, oldest first. */
async function disputeEvents(id: string): Promise<PaypalEvent[]> {
  return (await t.events()).filter((e) => (e.resource as { dispute_id?: string }).dispute_id === id);
}

async function reversalsOf(captureId: string): Promise<PaypalEvent[]> {
  return (await t.events('PAYMENT.CAPTURE.REVERSED')).filter((e) => (e.resource as { links: { rel: string; href: string }[] }).links.some((l) => l.rel === 'up' && l.href.endsWith(`/v2/payments/captures/${captureId}`)));
}

/** PayPal's multipart/form-data: the JSON in a part named `input`, files in parts of their own. */
function evidenceForm(input: unknown, files: { field: string; name: string; type: string }[] = []): FormData {
  const form = new FormData();
  form.append('input', new Blob([JSON.stringify(input)], { type: 'application/json' }));
  for (const file of files) form.append(file.field, new Blob(['%PDF-1.4 sandbox'], { type: file.type }), file.name);
  return form;
}

async function postForm(path: string, form: FormData) {
  const token = await (await import('./support')).accessToken(t.paypalUrl);
  const response = await fetch(`${t.paypalUrl}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('opening a dispute (the buyer’s side)', () => {
  it('opens an inquiry on a completed capture: the dispute as the spec shows it, and CUSTOMER.DISPUTE.CREATED', async () => {
    const capture = await insertCapture(t, { value: '40.00' });
    const opened = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', message: 'It never arrived.' });
    const dispute = await show(opened.dispute_id);
    expect(dispute).toMatchObject({
      dispute_id: expect.stringMatching(/^PP-D-\d+$/),
      status: 'WAITING_FOR_SELLER_RESPONSE',
      dispute_state: 'REQUIRED_ACTION',
      dispute_life_cycle_stage: 'INQUIRY',
      dispute_channel: 'INTERNAL',
      reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
      dispute_amount: { currency_code: 'USD', value: '40.00' },
      disputed_transactions: [{ seller_transaction_id: capture.id, gross_amount: { value: '40.00' }, custom: 'billfold-order-1' }],
      messages: [{ posted_by: 'BUYER', content: 'It never arrived.' }],
      seller_response_due_date: expect.any(String),
    });
    expect(dispute.links.map((l) => l.rel)).toEqual(['self', 'provide_evidence', 'accept_claim', 'send_message']);
    const [created] = await disputeEvents(dispute.dispute_id);
    expect(created).toMatchObject({ event_type: 'CUSTOMER.DISPUTE.CREATED', resource_type: 'dispute', resource_version: '1.0', resource: { dispute_id: dispute.dispute_id, status: 'WAITING_FOR_SELLER_RESPONSE' } });
    // An inquiry takes no money yet.
    expect((await captureOf(t, capture.id)).status).toBe('COMPLETED');
  });

  it('refuses an unknown capture, a capture not completed, a second open dispute, an amount above the capture and an unknown reason', async () => {
    const capture = await insertCapture(t, { value: '10.00' });
    expect((await sandboxPost(t, '/_sandbox/disputes', { capture_id: 'NOSUCHCAPTURE', reason: 'UNAUTHORISED' })).status).toBe(404);
    const pending = await insertCapture(t, { buyer: 'pending@example.com' });
    expect((await sandboxPost(t, '/_sandbox/disputes', { capture_id: pending.id, reason: 'UNAUTHORISED' })).status).toBe(409);
    expect((await sandboxPost(t, '/_sandbox/disputes', { capture_id: capture.id, reason: 'UNAUTHORISED', amount: { currency_code: 'USD', value: '10.01' } })).status).toBe(400);
    expect((await sandboxPost(t, '/_sandbox/disputes', { capture_id: capture.id, reason: 'BORED' })).status).toBe(400);
    await openDispute(t, { capture_id: capture.id, reason: 'UNAUTHORISED' });
    const second = await sandboxPost<{ error: string }>(t, '/_sandbox/disputes', { capture_id: capture.id, reason: 'UNAUTHORISED' });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatch(/already has an open dispute/);
  });
});

describe('at the same time', () => {
  it('opens one dispute when the buyer’s two clicks arrive together, and reverses the money once when PayPal decides while the merchant accepts', async () => {
    const capture = await insertCapture(t);
    const opens = await Promise.all([1, 2, 3].map(() => sandboxPost(t, '/_sandbox/disputes', { capture_id: capture.id, reason: 'UNAUTHORISED' })));
    expect(opens.map((reply) => reply.status).sort()).toEqual([201, 409, 409]);
    const id = String(opens.find((reply) => reply.status === 201)?.body.dispute_id);
    const [accepted, decided] = await Promise.all([
      t.rest('POST', `/v1/customer/disputes/${id}/accept-claim`, { note: 'Refunding.' }),
      sandboxPost(t, `/_sandbox/disputes/${id}/resolve`, { outcome: 'buyer' }),
    ]);
    // Whichever came second found the dispute resolved: accept-claim is refused with PayPal's 422, the decision with 409.
    expect([accepted.status, decided.status]).toContain(200);
    expect(accepted.status === 200 ? decided.status : accepted.status).toBe(accepted.status === 200 ? 409 : 422);
    expect(await reversalsOf(capture.id)).toHaveLength(1);
    expect((await captureOf(t, capture.id)).status).toBe('REFUNDED');
  });
});

describe('the merchant’s answers', () => {
  it('provide-evidence as multipart/form-data (input part and a file) puts the dispute under review; PayPal deciding for the seller leaves the capture alone', async () => {
    const capture = await insertCapture(t);
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
    const form = evidenceForm({ evidences: [{ evidence_type: 'PROOF_OF_FULFILLMENT', evidence_info: { tracking_info: [{ carrier_name: 'UPS', tracking_number: '1Z999' }] }, notes: 'Delivered on Monday.' }] }, [{ field: 'evidence-file', name: 'receipt.pdf', type: 'application/pdf' }]);
    const reply = await postForm(`/v1/customer/disputes/${id}/provide-evidence`, form);
    expect(reply.status).toBe(200);
    expectMatchesPaypalSpec('POST', `/v1/customer/disputes/${id}/provide-evidence`, reply.status, reply.body);
    expect(reply.body).toEqual({ links: [{ href: `${t.paypalUrl}/v1/customer/disputes/${id}`, rel: 'self', method: 'GET' }] });
    const reviewed = await show(id);
    expect(reviewed).toMatchObject({ status: 'UNDER_REVIEW', dispute_state: 'UNDER_PAYPAL_REVIEW', evidences: [{ evidence_type: 'PROOF_OF_FULFILLMENT', notes: 'Delivered on Monday.', documents: [{ name: 'receipt.pdf' }], source: 'SUBMITTED_BY_SELLER' }] });
    expect(reviewed.links.map((l) => l.rel)).not.toContain('provide_evidence');

    const again = await t.rest<{ name: string; details: { issue: string }[] }>('POST', `/v1/customer/disputes/${id}/provide-evidence`, { evidences: [{ evidence_type: 'OTHER', notes: 'more' }] });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ACTION_NOT_ALLOWED_IN_CURRENT_DISPUTE_STATE' }] });

    const resolved = await sandboxPost<Dispute>(t, `/_sandbox/disputes/${id}/resolve`, { outcome: 'seller' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'RESOLVED', dispute_state: 'RESOLVED', dispute_outcome: { outcome_code: 'RESOLVED_SELLER_FAVOUR' } });
    expect((await captureOf(t, capture.id)).status).toBe('COMPLETED');
    expect(await reversalsOf(capture.id)).toEqual([]);
    expect((await disputeEvents(id)).map((e) => e.event_type)).toEqual(['CUSTOMER.DISPUTE.CREATED', 'CUSTOMER.DISPUTE.UPDATED', 'CUSTOMER.DISPUTE.RESOLVED']);
    expect((await sandboxPost(t, `/_sandbox/disputes/${id}/resolve`, { outcome: 'buyer' })).status).toBe(409);
  });

  it('takes evidence as plain JSON too, and refuses an empty answer, a file PayPal does not take and a malformed multipart body', async () => {
    const capture = await insertCapture(t);
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED' });
    const empty = await t.rest('POST', `/v1/customer/disputes/${id}/provide-evidence`, {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/evidences' }] });
    const exe = await postForm(`/v1/customer/disputes/${id}/provide-evidence`, evidenceForm({}, [{ field: 'evidence-file', name: 'virus.exe', type: 'application/octet-stream' }]));
    expect(exe.status).toBe(400);
    const token = await (await import('./support')).accessToken(t.paypalUrl);
    const broken = await fetch(`${t.paypalUrl}/v1/customer/disputes/${id}/provide-evidence`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nno headers here' });
    expect(broken.status).toBe(400);
    expect((await show(id)).status).toBe('WAITING_FOR_SELLER_RESPONSE');
    const json = await t.rest('POST', `/v1/customer/disputes/${id}/provide-evidence`, { evidences: [{ evidence_type: 'ITEM_DESCRIPTION', notes: 'As listed.' }] });
    expect(json.status).toBe(200);
    expect((await show(id)).evidences).toMatchObject([{ evidence_type: 'ITEM_DESCRIPTION', notes: 'As listed.' }]);
  });

  it('send-message adds the merchant’s message during the inquiry', async () => {
    const capture = await insertCapture(t);
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
    const reply = await postForm(`/v1/customer/disputes/${id}/send-message`, evidenceForm({ message: 'It ships tomorrow.' }));
    expect(reply.status).toBe(200);
    expectMatchesPaypalSpec('POST', `/v1/customer/disputes/${id}/send-message`, reply.status, reply.body);
    expect((await show(id)).messages).toMatchObject([{ posted_by: 'SELLER', content: 'It ships tomorrow.' }]);
    const blank = await t.rest('POST', `/v1/customer/disputes/${id}/send-message`, { message: '' });
    expect(blank.status).toBe(400);
  });

  it('accept-claim resolves in the buyer’s favour and reverses the refunded part of the capture (PARTIALLY_REFUNDED)', async () => {
    const capture = await insertCapture(t, { value: '30.00' });
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'INCORRECT_AMOUNT', amount: { currency_code: 'USD', value: '12.00' } });
    const noNote = await t.rest('POST', `/v1/customer/disputes/${id}/accept-claim`, {});
    expect(noNote.status).toBe(400);
    expect(noNote.body).toMatchObject({ details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/note' }] });
    expectMatchesPaypalSpec('POST', `/v1/customer/disputes/${id}/accept-claim`, noNote.status, noNote.body);
    const tooMuch = await t.rest('POST', `/v1/customer/disputes/${id}/accept-claim`, { note: 'Sorry', refund_amount: { currency_code: 'USD', value: '12.01' } });
    expect(tooMuch.status).toBe(400);
    const reply = await t.rest('POST', `/v1/customer/disputes/${id}/accept-claim`, { note: 'Sorry about that.', accept_claim_type: 'PARTIAL_REFUND', refund_amount: { currency_code: 'USD', value: '10.00' } });
    expect(reply.status).toBe(200);
    expectMatchesPaypalSpec('POST', `/v1/customer/disputes/${id}/accept-claim`, reply.status, reply.body);
    const dispute = await show(id);
    expect(dispute).toMatchObject({ status: 'RESOLVED', dispute_outcome: { outcome_code: 'RESOLVED_BUYER_FAVOUR', amount_refunded: { value: '10.00' } }, money_movements: [{ type: 'DEBIT', amount: { value: '10.00' } }] });
    // Accepted claims cannot be appealed.
    expect(dispute.links.map((l) => l.rel)).toEqual(['self']);
    expect((await captureOf(t, capture.id)).status).toBe('PARTIALLY_REFUNDED');
    const [reversal] = await reversalsOf(capture.id);
    expect(reversal).toMatchObject({ resource_type: 'refund', resource_version: '2.0', resource: { status: 'COMPLETED', amount: { value: '10.00' }, note_to_payer: 'Payment reversed' } });
    const again = await t.rest('POST', `/v1/customer/disputes/${id}/accept-claim`, { note: 'again' });
    expect(again.status).toBe(422);
    expectMatchesPaypalSpec('POST', `/v1/customer/disputes/${id}/accept-claim`, again.status, again.body);
  });

  it('a dispute PayPal decides for the buyer reverses the money and can be appealed once', async () => {
    const capture = await insertCapture(t, { value: '15.00' });
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });
    await sandboxPost(t, `/_sandbox/disputes/${id}/resolve`, { outcome: 'buyer' });
    expect((await captureOf(t, capture.id)).status).toBe('REFUNDED');
    expect(await reversalsOf(capture.id)).toHaveLength(1);
    const decided = await show(id);
    expect(decided).toMatchObject({ dispute_state: 'APPEALABLE', dispute_outcome: { outcome_code: 'RESOLVED_BUYER_FAVOUR', amount_refunded: { value: '15.00' } } });
    expect(decided.links.map((l) => l.rel)).toEqual(['self', 'appeal']);
    const appeal = await t.rest('POST', `/v1/customer/disputes/${id}/appeal`, { evidences: [{ evidence_type: 'PROOF_OF_FULFILLMENT', notes: 'Signed for.' }] });
    expect(appeal.status).toBe(200);
    expectMatchesPaypalSpec('POST', `/v1/customer/disputes/${id}/appeal`, appeal.status, appeal.body);
    expect(await show(id)).toMatchObject({ status: 'UNDER_REVIEW', dispute_state: 'UNDER_PAYPAL_REVIEW' });
    await sandboxPost(t, `/_sandbox/disputes/${id}/resolve`, { outcome: 'buyer' });
    expect((await t.rest('POST', `/v1/customer/disputes/${id}/appeal`, { evidences: [{ evidence_type: 'OTHER' }] })).status).toBe(422);
    // The money went back once.
    expect(await reversalsOf(capture.id)).toHaveLength(1);
  });
});

describe('chargebacks', () => {
  it('a chargeback takes the money back as it opens: PAYMENT.CAPTURE.REVERSED with a refund resource, the capture REFUNDED', async () => {
    const capture = await insertCapture(t, { value: '20.00' });
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'UNAUTHORISED', stage: 'CHARGEBACK' });
    const dispute = await show(id);
    expect(dispute).toMatchObject({ dispute_life_cycle_stage: 'CHARGEBACK', dispute_channel: 'EXTERNAL', status: 'WAITING_FOR_SELLER_RESPONSE', money_movements: [{ type: 'DEBIT', amount: { value: '20.00' } }] });
    expect(dispute.links.map((l) => l.rel)).not.toContain('send_message');
    const capturedNow = await captureOf(t, capture.id);
    expect(capturedNow.status).toBe('REFUNDED');
    const [reversal] = await reversalsOf(capture.id);
    expect(reversal).toMatchObject({
      event_type: 'PAYMENT.CAPTURE.REVERSED',
      resource_type: 'refund',
      summary: 'A 20.00 USD capture payment was reversed',
      resource: {
        id: expect.stringMatching(/^[A-Z0-9]{17}$/),
        status: 'COMPLETED',
        amount: { currency_code: 'USD', value: '20.00' },
        note_to_payer: 'Payment reversed',
        seller_payable_breakdown: { gross_amount: { value: '20.00' }, total_refunded_amount: { value: '20.00' } },
      },
    });
    // PayPal deciding for the seller credits the merchant on the dispute; no second reversal.
    const won = await sandboxPost<Dispute>(t, `/_sandbox/disputes/${id}/resolve`, { outcome: 'seller' });
    expect(won.body.money_movements.map((m) => m.type)).toEqual(['DEBIT', 'CREDIT']);
    expect(await reversalsOf(capture.id)).toHaveLength(1);
  });
});

describe('listing disputes', () => {
  it('lists summaries newest first, filtered by state and transaction, in pages with next_page_token; refuses bad parameters', async () => {
    const a = await insertCapture(t);
    const b = await insertCapture(t);
    const first = await openDispute(t, { capture_id: a.id, reason: 'DUPLICATE_TRANSACTION' });
    const second = await openDispute(t, { capture_id: b.id, reason: 'CREDIT_NOT_PROCESSED' });
    await sandboxPost(t, `/_sandbox/disputes/${first.dispute_id}/resolve`, { outcome: 'seller' });
    const list = await t.rest<{ items: Record<string, unknown>[]; links: { rel: string; href: string }[] }>('GET', '/v1/customer/disputes?page_size=50');
    expect(list.status).toBe(200);
    expectMatchesPaypalSpec('GET', '/v1/customer/disputes', list.status, list.body);
    const ids = list.body.items.map((item) => item.dispute_id);
    expect(ids.indexOf(second.dispute_id)).toBeLessThan(ids.indexOf(first.dispute_id));
    expect(Object.keys(list.body.items[0] ?? {})).not.toContain('evidences');
    const byTransaction = await t.rest<{ items: { dispute_id: string }[] }>('GET', `/v1/customer/disputes?disputed_transaction_id=${b.id}`);
    expect(byTransaction.body.items.map((item) => item.dispute_id)).toEqual([second.dispute_id]);
    const resolved = await t.rest<{ items: { dispute_id: string; dispute_state: string }[] }>('GET', '/v1/customer/disputes?dispute_state=RESOLVED&page_size=50');
    expect(resolved.body.items.map((item) => item.dispute_id)).toContain(first.dispute_id);
    expect(resolved.body.items.every((item) => item.dispute_state === 'RESOLVED')).toBe(true);
    const pageOne = await t.rest<{ items: { dispute_id: string }[]; links: { rel: string; href: string }[] }>('GET', '/v1/customer/disputes?page_size=1');
    const next = pageOne.body.links.find((l) => l.rel === 'next');
    expect(next?.href).toMatch(/next_page_token=/);
    const pageTwo = await t.rest<{ items: { dispute_id: string }[] }>('GET', next!.href.slice(t.paypalUrl.length));
    expect(pageTwo.body.items[0]?.dispute_id).toBe(ids[1]);
    expect((await t.rest('GET', '/v1/customer/disputes?page_size=51')).status).toBe(400);
    expect((await t.rest('GET', '/v1/customer/disputes?dispute_state=LOST')).status).toBe(400);
    const unknown = await t.rest('GET', '/v1/customer/disputes/PP-D-1');
    expect(unknown.status).toBe(404);
    expectMatchesPaypalSpec('GET', '/v1/customer/disputes/PP-D-1', unknown.status, unknown.body);
  });
});
