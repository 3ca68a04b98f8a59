import { CaptureStatus, CardBrand, Client, Environment, OrdersController, OrderStatus, ResponseValidationError } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { money, type Money } from '@/lib/money';
import type { PaymentRequest } from '@/lib/payments/provider';
import { DisputeNotOpenError, PaymentProviderUnavailableError, type DisputeEvidence, type ProviderPayment } from '@/lib/payments/types';
import { openDispute } from '@/sandbox/paypal/tests/hooks-support';
import { decide, type OrderReply } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { eventually } from '@/test/sandbox';
import { paypalClientFor } from './client';
import { paymentFrom, PaypalCaptureRefusedError, paypalPayments } from './payments';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from './sandbox-credentials';
import { paypalRedirect } from './transport';

/**
 * PayPal's side of the payment interface, against an isolated sandbox through the official
 * server SDK, as the app calls it. The buyer's approval is what a person does on PayPal's page
 * (the approval form posted), never a shortcut into the sandbox's state.
 */

const t = paypalSandbox();

function payments() {
  return paypalPayments(paypalClientFor({ apiBase: t.paypalUrl, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' }));
}

function paymentRequest(amount: Money, orderId: string = crypto.randomUUID()): PaymentRequest {
  return { amount, customerId: null, receiptEmail: 'shopper@example.com', orderId, metadata: {} };
}

/** The order as PayPal's REST API shows it, read beside the SDK. */
async function orderAtPaypal(id: string): Promise<OrderReply> {
  const reply = await t.rest<OrderReply>('GET', `/v2/checkout/orders/${id}`);
  expect(reply.status).toBe(200);
  return reply.body;
}

function approveUrlOf(payment: ProviderPayment): string {
  if (payment.handoff?.kind !== 'approval' || !payment.handoff.approveUrl) throw new Error(`payment ${payment.id} has no approval link`);
  return payment.handoff.approveUrl;
}

/** The buyer approves the order on PayPal's page, as `buyer`. */
async function approve(url: string, buyer = 'buyer@example.com'): Promise<void> {
  const page = await decide(url, 'approve', buyer);
  expect(page.status).toBeLessThan(400);
}

async function approvedPayment(amount: Money, buyer = 'buyer@example.com'): Promise<ProviderPayment> {
  const created = await payments().createPayment(paymentRequest(amount), `checkout:${crypto.randomUUID()}`);
  await approve(approveUrlOf(created), buyer);
  return created;
}

async function refusal(promise: Promise<unknown>): Promise<PaypalCaptureRefusedError> {
  const error = await promise.then(
    () => {
      throw new Error('expected PayPal to refuse');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PaypalCaptureRefusedError);
  return error as PaypalCaptureRefusedError;
}

describe('creating PayPal orders', () => {
  it('makes one PayPal order per idempotency key: the same key answers the same order, a new key a new one', async () => {
    const request = paymentRequest(money(1999, 'USD'));
    const first = await payments().createPayment(request, `checkout:${request.orderId}:attempt:1`);
    const replay = await payments().createPayment(request, `checkout:${request.orderId}:attempt:1`);
    const next = await payments().createPayment(request, `checkout:${request.orderId}:attempt:2`);

    expect(replay.id).toBe(first.id);
    expect(next.id).not.toBe(first.id);
    expect(first).toMatchObject({
      provider: 'paypal',
      status: 'requires_payment_method',
      orderId: request.orderId,
      amount: money(1999, 'USD'),
      amountCaptured: money(0, 'USD'),
      handoff: { kind: 'approval', providerOrderId: first.id, approveUrl: expect.stringContaining(`/checkoutnow?token=${first.id}`) },
    });
  });

  it('makes one PayPal order when the same attempt is created twice at once (a double click)', async () => {
    const request = paymentRequest(money(1999, 'USD'));
    const key = `checkout:${request.orderId}:attempt:1`;
    const made = await Promise.allSettled([payments().createPayment(request, key), payments().createPayment(request, key)]);
    const ids = made.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.id] : []));
    // PayPal may refuse the second of two simultaneous requests with one PayPal-Request-Id; it
    // is then "unavailable", and its retry answers the first order.
    for (const outcome of made) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PaymentProviderUnavailableError);
    const retried = await payments().createPayment(request, key);
    expect(new Set([...ids, retried.id]).size).toBe(1);
  });

  it('sends the server-priced amount as PayPal decimals with our order as custom and invoice id: USD with cents, JPY and HUF in whole units', async () => {
    const orderId = crypto.randomUUID();
    const usd = await payments().createPayment(paymentRequest(money(1999, 'USD'), orderId), `checkout:${orderId}:usd`);
    const jpy = await payments().createPayment(paymentRequest(money(500, 'JPY')), `checkout:${crypto.randomUUID()}`);
    const huf = await payments().createPayment(paymentRequest(money(123_400, 'HUF')), `checkout:${crypto.randomUUID()}`);

    const unit = (await orderAtPaypal(usd.id)).purchase_units?.[0] as unknown as { amount: unknown; custom_id: string; invoice_id: string };
    expect(unit).toMatchObject({ amount: { currency_code: 'USD', value: '19.99' }, custom_id: orderId, invoice_id: orderId });
    expect((await orderAtPaypal(jpy.id)).purchase_units?.[0]).toMatchObject({ amount: { currency_code: 'JPY', value: '500' } });
    expect((await orderAtPaypal(huf.id)).purchase_units?.[0]).toMatchObject({ amount: { currency_code: 'HUF', value: '1234' } });
    expect(jpy.amount).toEqual(money(500, 'JPY'));
    expect(huf.amount).toEqual(money(123_400, 'HUF'));
  });

  it('refuses a currency PayPal does not take before asking PayPal', async () => {
    await expect(payments().createPayment(paymentRequest(money(1500, 'KWD')), `checkout:${crypto.randomUUID()}`)).rejects.toThrow(/PayPal does not take payments in KWD/);
  });
});

describe('when PayPal cannot be reached', () => {
  it('says PayPal is unavailable (safe to retry with the same key), not that the payment failed', async () => {
    const unreachable = paypalPayments(paypalClientFor({ apiBase: 'http://127.0.0.1:9/paypal', clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' }));
    await expect(unreachable.createPayment(paymentRequest(money(1999, 'USD')), `checkout:${crypto.randomUUID()}`)).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    await expect(unreachable.retrieveDispute('PP-D-1')).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
  });
});

describe('capturing an approved order', () => {
  it('captures an approved order: succeeded, with the amount captured', async () => {
    const created = await approvedPayment(money(1999, 'USD'));
    expect((await payments().retrievePayment(created.id)).status).toBe('requires_capture');

    const captured = await payments().capturePayment(created.id, `capture:${created.id}:1`);
    expect(captured).toMatchObject({ id: created.id, status: 'succeeded', amountCaptured: money(1999, 'USD'), amountRefunded: money(0, 'USD'), handoff: null, receiptEmail: null });
    expect(await payments().retrievePayment(created.id)).toEqual(captured);
  });

  it('reports the capture that took the money as its charge, and no card when the buyer paid from a PayPal account', async () => {
    const created = await approvedPayment(money(1250, 'USD'));
    expect(created).toMatchObject({ chargeId: null, card: null });
    const captured = await payments().capturePayment(created.id, `capture:${created.id}:1`);
    const capture = (await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures?.[0];
    expect(capture?.id).toBeTruthy();
    expect(captured).toMatchObject({ chargeId: capture!.id, card: null });
    expect(await payments().retrievePayment(created.id)).toMatchObject({ chargeId: capture!.id, card: null });
  });

  it('reads the card of an order paid by card (PayPal card fields), in Billfold’s brand names', () => {
    const order = (brand: CardBrand, lastDigits: string) =>
      paymentFrom({
        id: '7CARDPAID0000001X',
        status: OrderStatus.Completed,
        paymentSource: { card: { lastDigits, brand } },
        purchaseUnits: [{ customId: 'order-1', amount: { currencyCode: 'USD', value: '10.00' }, payments: { captures: [{ id: '2CAPTURE00000001Y', status: CaptureStatus.Completed, amount: { currencyCode: 'USD', value: '10.00' } }] } }],
      });
    expect(order(CardBrand.Visa, '1111')).toMatchObject({ status: 'succeeded', chargeId: '2CAPTURE00000001Y', card: { brand: 'visa', last4: '1111' } });
    expect(order(CardBrand.Amex, '8431').card).toEqual({ brand: 'amex', last4: '8431' });
    expect(order(CardBrand.ChinaUnionPay, '0005').card).toEqual({ brand: 'unionpay', last4: '0005' });
  });

  it('captures once however often the capture is repeated with the same key (a double click, a retried request)', async () => {
    const created = await approvedPayment(money(4200, 'JPY'));
    const first = await payments().capturePayment(created.id, `capture:${created.id}:1`);
    const again = await payments().capturePayment(created.id, `capture:${created.id}:1`);
    expect(again).toEqual(first);
    expect((await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures).toHaveLength(1);
    expect(again.amountCaptured).toEqual(money(4200, 'JPY'));
  });

  it('captures once when two captures of one order race with one key (a double click); the loser is told to retry, and its retry answers the capture', async () => {
    const created = await approvedPayment(money(3300, 'USD'));
    const key = `capture:${created.id}:1`;
    const raced = await Promise.allSettled([payments().capturePayment(created.id, key), payments().capturePayment(created.id, key)]);
    // PayPal answers the second of two simultaneous requests with one PayPal-Request-Id
    // 409 PREVIOUS_REQUEST_IN_PROGRESS: "unavailable", never "declined".
    for (const outcome of raced) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PaymentProviderUnavailableError);
    expect(raced.some((outcome) => outcome.status === 'fulfilled')).toBe(true);

    const retried = await payments().capturePayment(created.id, key);
    expect(retried).toMatchObject({ status: 'succeeded', amountCaptured: money(3300, 'USD') });
    for (const outcome of raced) if (outcome.status === 'fulfilled') expect(outcome.value).toEqual(retried);
    expect((await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures).toHaveLength(1);
  });

  it('reports a capture already made under another key as the captured order, not as a failure', async () => {
    const created = await approvedPayment(money(700, 'USD'));
    const first = await payments().capturePayment(created.id, `capture:${created.id}:browser`);
    // The webhook's capture after the browser's: PayPal answers ORDER_ALREADY_CAPTURED, and the
    // re-read order says it is paid.
    expect(await payments().capturePayment(created.id, `capture:${created.id}:webhook`)).toEqual(first);
    expect((await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures).toHaveLength(1);
  });

  it('trusts the re-read order when the SDK throws while reading a successful capture (PayPal server SDK issues #16, #47)', async () => {
    // PayPal's answer to the capture arrives without a field the SDK's schema insists on, as
    // PayPal's own answers have: the SDK throws although the money was taken.
    const redirect = paypalRedirect(t.paypalUrl);
    const lossy = async (config: Parameters<typeof redirect>[0]) => {
      const response = await redirect(config);
      if (!/\/capture$/.test(config.url ?? '') || response.status !== 201) return response;
      const order = JSON.parse(response.data) as { purchase_units: { payments?: { captures?: { seller_receivable_breakdown?: Record<string, unknown> }[] } }[] };
      for (const capture of order.purchase_units.flatMap((unit) => unit.payments?.captures ?? [])) delete capture.seller_receivable_breakdown?.gross_amount;
      return { ...response, data: JSON.stringify(order) };
    };
    const sdk = new Client({
      clientCredentialsAuthCredentials: { oAuthClientId: SANDBOX_CLIENT_ID, oAuthClientSecret: SANDBOX_CLIENT_SECRET },
      environment: Environment.Sandbox,
      unstable_httpClientOptions: { adapter: lossy },
    });
    const { rest, webBase } = paypalClientFor({ apiBase: t.paypalUrl, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });

    const witness = await approvedPayment(money(1500, 'USD'));
    await expect(new OrdersController(sdk).captureOrder({ id: witness.id, paypalRequestId: `capture:${witness.id}`, prefer: 'return=representation' })).rejects.toBeInstanceOf(ResponseValidationError);

    const created = await approvedPayment(money(1500, 'USD'));
    const captured = await paypalPayments({ sdk, rest, webBase }).capturePayment(created.id, `capture:${created.id}`);
    expect(captured).toMatchObject({ id: created.id, status: 'succeeded', amountCaptured: money(1500, 'USD') });
    expect((await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures).toHaveLength(1);
  });

  it('refuses to capture an order the buyer has not approved, with a clear error, and takes nothing', async () => {
    const created = await payments().createPayment(paymentRequest(money(1999, 'USD')), `checkout:${crypto.randomUUID()}`);
    const error = await refusal(payments().capturePayment(created.id, `capture:${created.id}:1`));
    expect(error).toMatchObject({ issue: 'ORDER_NOT_APPROVED', code: 'order_not_approved', restart: true, payment: { status: 'requires_payment_method' } });
    expect((await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures ?? []).toHaveLength(0);
  });

  it('asks the buyer to choose another funding source after INSTRUMENT_DECLINED, then captures once they approve again', async () => {
    const created = await approvedPayment(money(1999, 'USD'), 'declined@example.com');
    const error = await refusal(payments().capturePayment(created.id, `capture:${created.id}:1`));
    expect(error).toMatchObject({ issue: 'INSTRUMENT_DECLINED', code: 'instrument_declined', restart: true, actionUrl: expect.stringContaining(`token=${created.id}`) });
    expect(error.payment.status).toBe('requires_capture');
    expect((await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures ?? []).toHaveLength(0);

    // What the JS SDK's actions.restart() leads to: the same order approved with other funding.
    await approve(error.actionUrl ?? '', 'buyer@example.com');
    const captured = await payments().capturePayment(created.id, `capture:${created.id}:2`);
    expect(captured).toMatchObject({ status: 'succeeded', amountCaptured: money(1999, 'USD') });
  });

  it('reports a PENDING capture (an eCheck) as processing, then succeeded once PayPal completes it', async () => {
    const created = await approvedPayment(money(2500, 'USD'), 'pending@example.com');
    const captured = await payments().capturePayment(created.id, `capture:${created.id}:1`);
    // The pending capture is the payment's charge already: PayPal's support knows it by that id.
    expect(captured).toMatchObject({ status: 'processing', amountCaptured: money(0, 'USD'), handoff: null, chargeId: expect.any(String) });
    const settled = await eventually(async () => {
      const payment = await payments().retrievePayment(created.id);
      return payment.status === 'succeeded' && payment;
    }, 15_000);
    expect(settled.amountCaptured).toEqual(money(2500, 'USD'));
  });

  it('reports an eCheck that bounces (PENDING, then DENIED) as a failed payment nobody can pay again', async () => {
    const created = await approvedPayment(money(2500, 'USD'), 'denied@example.com');
    expect((await payments().capturePayment(created.id, `capture:${created.id}:1`)).status).toBe('processing');
    const failed = await eventually(async () => {
      const payment = await payments().retrievePayment(created.id);
      return payment.status !== 'processing' && payment;
    }, 15_000);
    expect(failed).toMatchObject({ status: 'requires_payment_method', failureCode: 'declined', amountCaptured: money(0, 'USD'), handoff: null });
  });

  it('refuses with TRANSACTION_REFUSED when PayPal refuses the buyer, recording the declined attempt on the payment', async () => {
    const created = await approvedPayment(money(1200, 'USD'), 'refused@example.com');
    const error = await refusal(payments().capturePayment(created.id, `capture:${created.id}:1`));
    expect(error).toMatchObject({ issue: 'TRANSACTION_REFUSED', code: 'transaction_refused', restart: false });
    expect(error.payment).toMatchObject({ status: 'requires_payment_method', failureCode: 'declined', amountCaptured: money(0, 'USD'), handoff: null });
  });

  it('lets PayPal refuse a second capture for the same Billfold order from another PayPal order (DUPLICATE_INVOICE_ID)', async () => {
    const orderId = crypto.randomUUID();
    const tabOne = await payments().createPayment(paymentRequest(money(1000, 'USD'), orderId), `checkout:${orderId}:attempt:1`);
    const tabTwo = await payments().createPayment(paymentRequest(money(1000, 'USD'), orderId), `checkout:${orderId}:attempt:2`);
    await approve(approveUrlOf(tabOne));
    await approve(approveUrlOf(tabTwo));
    expect((await payments().capturePayment(tabOne.id, `capture:${tabOne.id}`)).status).toBe('succeeded');

    const error = await refusal(payments().capturePayment(tabTwo.id, `capture:${tabTwo.id}`));
    expect(error).toMatchObject({ issue: 'DUPLICATE_INVOICE_ID', restart: false });
    expect((await orderAtPaypal(tabTwo.id)).purchase_units?.[0]?.payments?.captures ?? []).toHaveLength(0);
  });
});

describe('changing, canceling and refunding', () => {
  it('offers no way to change an order\'s amount, so nothing approved for one amount is captured for another', () => {
    expect(payments().updatePayment).toBeUndefined();
  });

  it('takes the currencies PayPal takes, in the decimals PayPal takes them in', () => {
    expect(payments().accepts?.(money(1999, 'USD'))).toBe(true);
    expect(payments().accepts?.(money(1980, 'JPY'))).toBe(true);
    expect(payments().accepts?.(money(100000, 'HUF'))).toBe(true);
    // 1,000.50 forints: PayPal takes forints in whole units only.
    expect(payments().accepts?.(money(100050, 'HUF'))).toBe(false);
    expect(payments().accepts?.(money(1500, 'KWD'))).toBe(false);
  });

  it('cancels an order nobody paid (Billfold will never capture it) and refuses to cancel a captured one', async () => {
    const unpaid = await payments().createPayment(paymentRequest(money(900, 'USD')), `checkout:${crypto.randomUUID()}`);
    expect(await payments().cancelPayment(unpaid.id, 'abandoned', `abandon:${unpaid.id}`)).toMatchObject({ outcome: 'canceled', payment: { id: unpaid.id, status: 'canceled', handoff: null } });

    const paid = await approvedPayment(money(900, 'USD'));
    await payments().capturePayment(paid.id, `capture:${paid.id}`);
    expect(await payments().cancelPayment(paid.id, 'abandoned', `abandon:${paid.id}`)).toEqual({ outcome: 'refused' });
  });

  it('refunds part then the rest of a capture, once per idempotency key, and lists the refunds with the order', async () => {
    const created = await approvedPayment(money(5000, 'USD'));
    await payments().capturePayment(created.id, `capture:${created.id}`);
    const partial = { paymentId: created.id, amount: money(1200, 'USD'), reason: 'requested_by_customer' as const, metadata: {} };

    const first = await payments().refundPayment(partial, `refund:${created.id}:1`);
    const replay = await payments().refundPayment(partial, `refund:${created.id}:1`);
    expect(replay.id).toBe(first.id);
    expect(first).toMatchObject({ provider: 'paypal', paymentId: created.id, status: 'succeeded', amount: money(1200, 'USD') });
    expect(await payments().retrievePayment(created.id)).toMatchObject({ status: 'succeeded', amountCaptured: money(5000, 'USD'), amountRefunded: money(1200, 'USD') });

    const rest = await payments().refundPayment({ ...partial, amount: money(3800, 'USD') }, `refund:${created.id}:2`);
    // A retry of the refund that emptied the capture (its answer lost) is answered with that refund.
    expect((await payments().refundPayment({ ...partial, amount: money(3800, 'USD') }, `refund:${created.id}:2`)).id).toBe(rest.id);
    expect(await payments().retrievePayment(created.id)).toMatchObject({ status: 'succeeded', amountCaptured: money(5000, 'USD'), amountRefunded: money(5000, 'USD') });
    expect(await payments().refundsOf(created.id)).toEqual([first, rest]);
  });

  it('reads a dispute and traces it to the PayPal order through its capture', async () => {
    const created = await approvedPayment(money(3000, 'USD'));
    await payments().capturePayment(created.id, `capture:${created.id}`);
    const captureId = (await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures?.[0]?.id ?? '';
    // The buyer opens an inquiry in PayPal's Resolution Center.
    const { dispute_id: disputeId } = await openDispute(t, { capture_id: captureId, reason: 'UNAUTHORISED' });

    expect(await payments().retrieveDispute(disputeId)).toMatchObject({
      provider: 'paypal',
      id: disputeId,
      paymentId: created.id,
      status: 'warning_needs_response',
      amount: money(3000, 'USD'),
      reason: 'UNAUTHORISED',
    });
  });

  async function disputedPayment(amount: Money, stage?: string) {
    const created = await approvedPayment(amount);
    await payments().capturePayment(created.id, `capture:${created.id}`);
    const captureId = (await orderAtPaypal(created.id)).purchase_units?.[0]?.payments?.captures?.[0]?.id ?? '';
    const { dispute_id: disputeId } = await openDispute(t, { capture_id: captureId, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', ...(stage ? { stage } : {}) });
    return { paymentId: created.id, disputeId };
  }

  it('sends evidence as PayPal takes it (multipart, with the file) and the dispute goes under review; a second answer is refused as not open', async () => {
    const { disputeId } = await disputedPayment(money(4200, 'USD'), 'CHARGEBACK');
    const evidence: DisputeEvidence = {
      explanation: 'Delivered on 1 December, signed for.',
      productDescription: 'A field notebook',
      shipping: { carrier: 'Postal service', trackingNumber: 'TRACK-123' },
      documents: [{ kind: 'receipt', filename: 'receipt.pdf', contentType: 'application/pdf', data: new TextEncoder().encode('%PDF-1.4 receipt') }],
    };
    const submitted = await payments().submitDisputeEvidence(disputeId, evidence, `dispute:${disputeId}:evidence:1`);
    expect(submitted).toMatchObject({ id: disputeId, status: 'under_review' });
    const atPaypal = await t.rest<{ evidences: { evidence_type: string; notes?: string; documents?: { name: string }[] }[] }>('GET', `/v1/customer/disputes/${disputeId}`);
    expect(atPaypal.body.evidences.map((each) => each.evidence_type)).toEqual(['OTHER', 'ITEM_DESCRIPTION', 'PROOF_OF_FULFILLMENT']);
    expect(atPaypal.body.evidences[0]).toMatchObject({ notes: evidence.explanation, documents: [{ name: 'receipt.pdf' }] });

    await expect(payments().submitDisputeEvidence(disputeId, evidence, `dispute:${disputeId}:evidence:2`)).rejects.toBeInstanceOf(DisputeNotOpenError);
  });

  it('accepts a claim: PayPal decides for the buyer and the dispute is lost', async () => {
    const { disputeId } = await disputedPayment(money(1500, 'USD'), 'CHARGEBACK');
    expect(await payments().acceptDispute(disputeId, `dispute:${disputeId}:accept`)).toMatchObject({ id: disputeId, status: 'lost' });
    await expect(payments().acceptDispute(disputeId, `dispute:${disputeId}:accept:again`)).rejects.toBeInstanceOf(DisputeNotOpenError);
  });
});
