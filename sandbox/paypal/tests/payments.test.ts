import { CustomError, OrdersController, PaymentsController } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { reverseCapture } from '../capture-reversal';
import { expectMatchesPaypalSpec } from './openapi';
import { approvedOrder, orderBody, type OrderReply } from './order-support';
import { paypalSandbox } from './support';

// Pending eCheck captures settle one second after capture here (five by default).
process.env.PAYPAL_SANDBOX_PENDING_SECONDS = '1';
const t = paypalSandbox();

async function issuesOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CustomError);
  if (!(error as CustomError).result) throw new Error(`no result: ${(error as CustomError).statusCode} ${(error as CustomError).body as string}`);
  return (((error as CustomError).result as { details?: { issue: string }[] }).details ?? []).map((detail) => detail.issue);
}

/** An order approved by `buyer` and captured; the capture's id. */
async function capturedOrder(value = '100.00', buyer = 'buyer@example.com', currency = 'USD'): Promise<{ orderId: string; captureId: string }> {
  const order = await approvedOrder(t, { buyer, body: orderBody(value, currency) });
  const captured = await new OrdersController(t.client).captureOrder({ id: order.id });
  return { orderId: order.id, captureId: captured.result.purchaseUnits?.[0]?.payments?.captures?.[0]?.id ?? '' };
}

/** A capture that stays PENDING for a minute, so the background work cannot settle it before the test does. */
async function heldPending<T>(work: () => Promise<T>): Promise<T> {
  process.env.PAYPAL_SANDBOX_PENDING_SECONDS = '60';
  try {
    return await work();
  } finally {
    process.env.PAYPAL_SANDBOX_PENDING_SECONDS = '1';
  }
}

async function getCapture(id: string) {
  const reply = await t.rest<{ id: string; status: string; status_details?: { reason: string } }>('GET', `/v2/payments/captures/${id}`);
  expectMatchesPaypalSpec('GET', `/v2/payments/captures/${id}`, reply.status, reply.body);
  return reply.body;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('refunds', () => {
  const payments = () => new PaymentsController(t.client);

  it('refunds part of a capture, then the rest: PARTIALLY_REFUNDED, then REFUNDED, with the percentage fee returned pro rata and the order listing both refunds', async () => {
    const { orderId, captureId } = await capturedOrder('100.00');
    const partial = await t.rest<{ id: string; status: string; seller_payable_breakdown: unknown }>('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '40.00' }, note_to_payer: 'Sorry', invoice_id: 'REFUND-1' }, { Prefer: 'return=representation' });
    expect(partial.status).toBe(201);
    expectMatchesPaypalSpec('POST', `/v2/payments/captures/${captureId}/refund`, 201, partial.body);
    // The capture's 3.49% of 100.00 is 3.49; 40% of it comes back: 1.396 → 1.40.
    expect(partial.body).toMatchObject({
      status: 'COMPLETED',
      note_to_payer: 'Sorry',
      seller_payable_breakdown: { gross_amount: { value: '40.00' }, paypal_fee: { value: '1.40' }, net_amount: { value: '38.60' }, total_refunded_amount: { value: '40.00' } },
    });
    expect((await getCapture(captureId)).status).toBe('PARTIALLY_REFUNDED');
    const rest = await payments().refundCapturedPayment({ captureId, prefer: 'return=representation' });
    expect(rest.result).toMatchObject({ status: 'COMPLETED', amount: { value: '60.00' }, sellerPayableBreakdown: { totalRefundedAmount: { value: '100.00' } } });
    expect((await getCapture(captureId)).status).toBe('REFUNDED');
    const refund = await t.rest('GET', `/v2/payments/refunds/${partial.body.id}`);
    expectMatchesPaypalSpec('GET', `/v2/payments/refunds/${partial.body.id}`, 200, refund.body);
    const order = await t.rest<OrderReply>('GET', `/v2/checkout/orders/${orderId}`);
    expect(order.body.purchase_units?.[0]?.payments?.refunds?.map((each) => each.id)).toEqual([partial.body.id, rest.result.id]);
    expect((await t.events('PAYMENT.CAPTURE.REFUNDED')).filter((event) => [partial.body.id, rest.result.id].includes((event.resource as { id: string }).id))).toHaveLength(2);
  });

  it('never refunds more than remains (REFUND_AMOUNT_EXCEEDED) and refuses a fully refunded capture (CAPTURE_FULLY_REFUNDED)', async () => {
    const { captureId } = await capturedOrder('10.00');
    const over = await t.rest('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '10.01' } });
    expect(over.status).toBe(422);
    expectMatchesPaypalSpec('POST', `/v2/payments/captures/${captureId}/refund`, 422, over.body);
    expect(over.body).toMatchObject({ details: [{ issue: 'REFUND_AMOUNT_EXCEEDED' }] });
    await payments().refundCapturedPayment({ captureId, body: { amount: { currencyCode: 'USD', value: '10.00' } } });
    expect(await issuesOf(payments().refundCapturedPayment({ captureId, body: { amount: { currencyCode: 'USD', value: '0.01' } } }))).toEqual(['CAPTURE_FULLY_REFUNDED']);
    expect(await issuesOf(payments().refundCapturedPayment({ captureId, body: { amount: { currencyCode: 'EUR', value: '1.00' } } }))).toEqual(['CAPTURE_FULLY_REFUNDED']);
  });

  it('lets two admins refund at once only up to the captured amount', async () => {
    const { captureId } = await capturedOrder('10.00');
    const replies = await Promise.all(Array.from({ length: 4 }, () => t.rest('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '4.00' } })));
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 201, 422, 422]);
  });

  it('answers a repeated PayPal-Request-Id with the refund it made, not a second refund', async () => {
    const { captureId } = await capturedOrder('10.00');
    const first = await payments().refundCapturedPayment({ captureId, paypalRequestId: `refund-${captureId}`, body: { amount: { currencyCode: 'USD', value: '1.00' } } });
    const again = await payments().refundCapturedPayment({ captureId, paypalRequestId: `refund-${captureId}`, body: { amount: { currencyCode: 'USD', value: '1.00' } } });
    expect(again.result.id).toBe(first.result.id);
    expect((await getCapture(captureId)).status).toBe('PARTIALLY_REFUNDED');
    const capture = await payments().getCapturedPayment({ captureId });
    expect(capture.result.status).toBe('PARTIALLY_REFUNDED');
  });

  it('refuses to refund a PENDING capture (PENDING_CAPTURE)', async () => {
    const { captureId } = await heldPending(() => capturedOrder('10.00', 'denied@example.com'));
    expect(await issuesOf(payments().refundCapturedPayment({ captureId }))).toEqual(['PENDING_CAPTURE']);
  });
});

describe('reversals (for disputes)', () => {
  it('reverseCapture takes money back from a capture, which then refunds only what remains, and raises PAYMENT.CAPTURE.REVERSED', async () => {
    const { captureId } = await capturedOrder('30.00');
    const reversal = await t.transaction((ctx) => reverseCapture(ctx, captureId, { currency_code: 'USD', value: '10.00' }));
    expect(reversal).toMatchObject({ status: 'COMPLETED', note_to_payer: 'Payment reversed', amount: { value: '10.00' } });
    expect(await getCapture(captureId)).toMatchObject({ status: 'PARTIALLY_REFUNDED' });
    expect((await t.events('PAYMENT.CAPTURE.REVERSED')).map((event) => (event.resource as { id: string }).id)).toContain(reversal.id);
    expect(await issuesOf(new PaymentsController(t.client).refundCapturedPayment({ captureId, body: { amount: { currencyCode: 'USD', value: '20.01' } } }))).toEqual(['REFUND_AMOUNT_EXCEEDED']);
  });
});

describe('pending captures', () => {
  it('pending@: PENDING with reason ECHECK, then COMPLETED a moment later by itself, with PAYMENT.CAPTURE.PENDING then PAYMENT.CAPTURE.COMPLETED', async () => {
    const { captureId } = await capturedOrder('25.00', 'pending@example.com');
    expect(await getCapture(captureId)).toMatchObject({ status: 'PENDING', status_details: { reason: 'ECHECK' } });
    const settled = await until(() => getCapture(captureId), (capture) => capture.status !== 'PENDING');
    expect(settled.status).toBe('COMPLETED');
    expect(settled.status_details).toBeUndefined();
    const events = (await t.events()).filter((event) => (event.resource as { id?: string }).id === captureId).map((event) => event.event_type);
    expect(events).toEqual(['PAYMENT.CAPTURE.PENDING', 'PAYMENT.CAPTURE.COMPLETED']);
  });

  it('denied@: PENDING, then DENIED at once through the sandbox endpoint, raising PAYMENT.CAPTURE.DENIED; settling twice is refused', async () => {
    const { captureId } = await heldPending(() => capturedOrder('25.00', 'denied@example.com'));
    const denied = await fetch(`${t.paypalUrl}/_sandbox/captures/${captureId}/deny`, { method: 'POST' });
    expect(denied.status).toBe(200);
    expect(await denied.json()).toMatchObject({ id: captureId, status: 'DECLINED', seller_receivable_breakdown: { paypal_fee: { value: '0.00' } } });
    expect((await t.events('PAYMENT.CAPTURE.DENIED')).map((event) => (event.resource as { id: string }).id)).toContain(captureId);
    const again = await fetch(`${t.paypalUrl}/_sandbox/captures/${captureId}/complete`, { method: 'POST' });
    expect(again.status).toBe(422);
  });
});

describe('the dashboard', () => {
  it('lists orders and captures, escaped, and completes a pending capture with its button', async () => {
    const { orderId, captureId } = await heldPending(() => capturedOrder('7.00', 'denied@example.com'));
    const page = await (await fetch(`${t.server.url}/`)).text();
    expect(page).toContain(orderId);
    expect(page).toContain('denied@example.com');
    expect(page).toContain(`value="${captureId}"`);
    const action = /action="([^"]*paypal-capture-complete)"/.exec(page)?.[1] ?? '';
    const pressed = await fetch(action, { method: 'POST', body: new URLSearchParams({ capture: captureId }), redirect: 'manual' });
    expect(pressed.status).toBe(303);
    expect(decodeURIComponent(pressed.headers.get('location') ?? '')).toContain(`${captureId} is now COMPLETED`);
    expect((await getCapture(captureId)).status).toBe('COMPLETED');
  });
});

describe('authorizations', () => {
  const orders = () => new OrdersController(t.client);
  const payments = () => new PaymentsController(t.client);

  async function authorized(value = '50.00') {
    const order = await approvedOrder(t, { body: { ...orderBody(value), intent: 'AUTHORIZE' } });
    const reply = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${order.id}/authorize`, {});
    expectMatchesPaypalSpec('POST', `/v2/checkout/orders/${order.id}/authorize`, reply.status, reply.body);
    return { orderId: order.id, authorizationId: reply.body.purchase_units?.[0]?.payments?.authorizations?.[0]?.id ?? '' };
  }

  it('captures an authorization in parts up to the authorized amount, then refuses more (MAX_CAPTURE_AMOUNT_EXCEEDED)', async () => {
    const { orderId, authorizationId } = await authorized('50.00');
    const fetched = await t.rest('GET', `/v2/payments/authorizations/${authorizationId}`);
    expectMatchesPaypalSpec('GET', `/v2/payments/authorizations/${authorizationId}`, 200, fetched.body);
    expect(fetched.body).toMatchObject({ status: 'CREATED', amount: { value: '50.00' }, expiration_time: expect.any(String) });
    const first = await t.rest('POST', `/v2/payments/authorizations/${authorizationId}/capture`, { amount: { currency_code: 'USD', value: '20.00' }, final_capture: false }, { Prefer: 'return=representation' });
    expect(first.status).toBe(201);
    expectMatchesPaypalSpec('POST', `/v2/payments/authorizations/${authorizationId}/capture`, 201, first.body);
    expect((await payments().getAuthorizedPayment({ authorizationId })).result.status).toBe('PARTIALLY_CAPTURED');
    const over = await issuesOf(payments().captureAuthorizedPayment({ authorizationId, body: { amount: { currencyCode: 'USD', value: '30.01' } } }));
    expect(over).toEqual(['MAX_CAPTURE_AMOUNT_EXCEEDED']);
    const rest = await payments().captureAuthorizedPayment({ authorizationId, body: { amount: { currencyCode: 'USD', value: '30.00' }, finalCapture: true } });
    expect(rest.result.status).toBe('COMPLETED');
    expect((await payments().getAuthorizedPayment({ authorizationId })).result.status).toBe('CAPTURED');
    const order = await orders().getOrder({ id: orderId });
    expect(order.result.purchaseUnits?.[0]?.payments?.captures?.map((capture) => capture.amount?.value)).toEqual(['20.00', '30.00']);
    expect((await t.events('PAYMENT.AUTHORIZATION.CREATED')).map((event) => (event.resource as { id: string }).id)).toContain(authorizationId);
  });

  it('voids an authorization (PAYMENT.AUTHORIZATION.VOIDED), after which it cannot be captured or voided again', async () => {
    const { authorizationId } = await authorized();
    const voided = await t.rest('POST', `/v2/payments/authorizations/${authorizationId}/void`, undefined);
    expect(voided.status).toBe(204);
    expect((await payments().getAuthorizedPayment({ authorizationId })).result.status).toBe('VOIDED');
    expect(await issuesOf(payments().captureAuthorizedPayment({ authorizationId }))).toEqual(['AUTHORIZATION_VOIDED']);
    const again = await t.rest('POST', `/v2/payments/authorizations/${authorizationId}/void`, undefined);
    expectMatchesPaypalSpec('POST', `/v2/payments/authorizations/${authorizationId}/void`, 422, again.body);
    expect(again.body).toMatchObject({ details: [{ issue: 'PREVIOUSLY_VOIDED' }] });
    expect((await t.events('PAYMENT.AUTHORIZATION.VOIDED')).map((event) => (event.resource as { id: string }).id)).toContain(authorizationId);
  });

  it('refuses to void a captured authorization (PREVIOUSLY_CAPTURED) and reauthorizes an open one as a new authorization', async () => {
    const captured = await authorized();
    await payments().captureAuthorizedPayment({ authorizationId: captured.authorizationId });
    expect(await issuesOf(payments().voidPayment({ authorizationId: captured.authorizationId }))).toEqual(['PREVIOUSLY_CAPTURED']);
    const open = await authorized('40.00');
    const reauthorized = await t.rest<{ id: string; status: string }>('POST', `/v2/payments/authorizations/${open.authorizationId}/reauthorize`, { amount: { currency_code: 'USD', value: '35.00' } });
    expect(reauthorized.status).toBe(201);
    expectMatchesPaypalSpec('POST', `/v2/payments/authorizations/${open.authorizationId}/reauthorize`, 201, reauthorized.body);
    expect(reauthorized.body).toMatchObject({ status: 'CREATED', amount: { value: '35.00' } });
    expect(reauthorized.body.id).not.toBe(open.authorizationId);
  });
});
