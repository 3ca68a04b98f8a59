import { CheckoutPaymentIntent, CustomError, OrdersController, type Order } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { expectMatchesPaypalSpec } from './openapi';
import { approvedOrder, createOrder, decide, linkOf, orderBody, type OrderReply } from './order-support';
import { paypalSandbox } from './support';

const t = paypalSandbox();
const mock = (code: string) => JSON.stringify({ mock_application_codes: code });

/** The PayPal issues of a refusal the SDK threw, with its status. */
async function refusalOf(promise: Promise<unknown>): Promise<{ status: number; issues: string[]; body: { links?: { rel: string; href: string }[] } }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CustomError);
  const { statusCode, result } = error as CustomError;
  const body = result as { details?: { issue: string }[]; links?: { rel: string; href: string }[] };
  return { status: statusCode, issues: (body.details ?? []).map((detail) => detail.issue), body };
}

async function getOrder(id: string) {
  const reply = await t.rest<OrderReply>('GET', `/v2/checkout/orders/${id}`);
  expectMatchesPaypalSpec('GET', `/v2/checkout/orders/${id}`, reply.status, reply.body);
  return reply.body;
}

function captureOf(order: Order | OrderReply) {
  const unit = 'purchaseUnits' in order ? order.purchaseUnits?.[0] : undefined;
  return unit?.payments?.captures?.[0];
}

describe('an order from creation to capture', () => {
  it('creates, is approved on the checkout page by a test buyer, and captures: the order COMPLETED with a COMPLETED capture and its fee', async () => {
    const orders = new OrdersController(t.client);
    const created = await orders.createOrder({ body: { intent: CheckoutPaymentIntent.Capture, purchaseUnits: [{ amount: { currencyCode: 'USD', value: '19.99' } }] } });
    expect(created.statusCode).toBe(201);
    const order = created.result;
    expect(order.status).toBe('CREATED');
    const approveUrl = linkOf(order as OrderReply, 'approve');
    expect(approveUrl).toBe(`${t.paypalUrl}/checkoutnow?token=${order.id}`);
    const page = await fetch(approveUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Total: 19.99 USD');
    await decide(approveUrl, 'approve');
    expect(await getOrder(order.id ?? '')).toMatchObject({ status: 'APPROVED', payer: { email_address: 'buyer@example.com' }, payment_source: { paypal: { email_address: 'buyer@example.com' } } });
    const captured = await orders.captureOrder({ id: order.id ?? '' });
    expect(captured.statusCode).toBe(201);
    expect(captured.result.status).toBe('COMPLETED');
    const capture = captureOf(captured.result);
    expect(capture).toMatchObject({ status: 'COMPLETED', amount: { currencyCode: 'USD', value: '19.99' }, finalCapture: true });
    // 3.49% of 19.99 is 0.6977 → 0.70, plus the fixed 0.49: 1.19.
    expect(capture?.sellerReceivableBreakdown).toMatchObject({ grossAmount: { value: '19.99' }, paypalFee: { value: '1.19' }, netAmount: { value: '18.80' } });
    const types = (await t.events()).filter((event) => JSON.stringify(event.resource).includes(order.id ?? '')).map((event) => event.event_type);
    expect(types).toEqual(['CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'CHECKOUT.ORDER.COMPLETED']);
  });

  it('takes JPY without decimals and writes every amount of the capture without decimals', async () => {
    const created = await t.rest<OrderReply>('POST', '/v2/checkout/orders', orderBody('1500', 'JPY'), { Prefer: 'return=representation' });
    expectMatchesPaypalSpec('POST', '/v2/checkout/orders', created.status, created.body);
    await decide(linkOf(created.body, 'approve'), 'approve');
    const captured = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${created.body.id}/capture`, {});
    expectMatchesPaypalSpec('POST', `/v2/checkout/orders/${created.body.id}/capture`, captured.status, captured.body);
    // 3.49% of 1500 is 52.35 → 52, plus the fixed 40.
    expect(captured.body.purchase_units?.[0]?.payments?.captures?.[0]).toMatchObject({
      status: 'COMPLETED',
      amount: { currency_code: 'JPY', value: '1500' },
      seller_receivable_breakdown: { gross_amount: { value: '1500' }, paypal_fee: { value: '92' }, net_amount: { value: '1408' } },
    });
  });

  it('refuses 10.001 USD and 100.5 JPY with PayPal’s decimal issues, storing nothing', async () => {
    const usd = await t.rest('POST', '/v2/checkout/orders', orderBody('10.001'));
    expect(usd.status).toBe(422);
    expectMatchesPaypalSpec('POST', '/v2/checkout/orders', 422, usd.body);
    expect(usd.body).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'DECIMAL_PRECISION', field: '/purchase_units/0/amount/value' }] });
    const jpy = await t.rest('POST', '/v2/checkout/orders', orderBody('100.5', 'JPY'));
    expect(jpy.status).toBe(422);
    expect(jpy.body).toMatchObject({ details: [{ issue: 'DECIMALS_NOT_SUPPORTED', field: '/purchase_units/0/amount/value' }] });
    const [row] = await t.server.store.sql<{ count: string }[]>`select count(*) from sandbox.objects where type = 'paypal_order' and data->'resource'->'purchase_units'->0->'amount'->>'value' in ('10.001', '100.5')`;
    expect(Number(row?.count)).toBe(0);
  });

  it('answers a capture under return=minimal with the payer and each unit’s payments, and the whole order under return=representation', async () => {
    const minimal = await approvedOrder(t);
    const captured = await t.rest<Record<string, unknown>>('POST', `/v2/checkout/orders/${minimal.id}/capture`, {});
    expect(Object.keys(captured.body).sort()).toEqual(['id', 'links', 'payer', 'payment_source', 'purchase_units', 'status']);
    expect(captured.body.purchase_units).toEqual([{ reference_id: 'default', payments: { captures: [expect.objectContaining({ status: 'COMPLETED' })] } }]);
    const full = await approvedOrder(t);
    const represented = await t.rest<Record<string, unknown>>('POST', `/v2/checkout/orders/${full.id}/capture`, {}, { Prefer: 'return=representation' });
    expect(represented.body).toMatchObject({ intent: 'CAPTURE', create_time: expect.any(String), purchase_units: [{ amount: { value: '19.99' }, payee: expect.any(Object) }] });
  });

  it('answers PayPal’s default return=minimal (id, status, links) unless return=representation is preferred', async () => {
    const minimal = await createOrder(t, orderBody('5.00', 'USD', { purchase_units: [{ amount: { currency_code: 'USD', value: '5.00' }, custom_id: 'cart-1' }] }));
    expect(Object.keys(minimal).sort()).toEqual(['id', 'links', 'status']);
    expect(minimal.links.map((link) => link.rel)).toEqual(['self', 'approve', 'update', 'capture']);
    const full = await createOrder(t, orderBody('5.00'), { Prefer: 'return=representation' });
    expect(full).toMatchObject({ intent: 'CAPTURE', purchase_units: [{ reference_id: 'default', amount: { value: '5.00' }, payee: { merchant_id: expect.any(String) } }], create_time: expect.any(String) });
  });

  it('gives an order made with payment_source.paypal a payer-action link, returns the buyer to return_url with token and PayerID, and a cancel to cancel_url with the order unchanged', async () => {
    const experience = { return_url: 'https://shop.example/paypal/return', cancel_url: 'https://shop.example/paypal/cancel', brand_name: 'Billfold <Shop>', user_action: 'PAY_NOW' };
    const order = await createOrder(t, orderBody('12.00', 'USD', { payment_source: { paypal: { experience_context: experience } } }));
    expect(order.status).toBe('PAYER_ACTION_REQUIRED');
    expect(order.links.map((link) => link.rel)).toEqual(['self', 'payer-action']);
    const page = await (await fetch(linkOf(order, 'payer-action'))).text();
    expect(page).toContain('Billfold &lt;Shop&gt;');
    expect(page).toContain('Pay 12.00 USD');
    const cancelled = await decide(linkOf(order, 'payer-action'), 'cancel');
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get('location')).toBe(`https://shop.example/paypal/cancel?token=${order.id}`);
    expect((await getOrder(order.id)).status).toBe('PAYER_ACTION_REQUIRED');
    const approved = await decide(linkOf(order, 'payer-action'), 'approve', 'pending@example.com');
    const back = new URL(approved.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe('https://shop.example/paypal/return');
    expect(back.searchParams.get('token')).toBe(order.id);
    expect(back.searchParams.get('PayerID')).toBe((await getOrder(order.id)).payer?.payer_id);
  });

  it('refuses on the page to approve an order again once approved, and an order that was not approved within three hours', async () => {
    const order = await approvedOrder(t);
    const again = await decide(linkOf(order, 'approve'), 'approve');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already been approved');
    const stale = await createOrder(t);
    await t.server.store.sql`update sandbox.objects set data = jsonb_set(data, '{created}', to_jsonb((data->>'created')::bigint - 3 * 3600 - 1)) where id = ${stale.id}`;
    const page = await (await fetch(linkOf(stale, 'approve'))).text();
    expect(page).toContain('expired');
    expect((await decide(linkOf(stale, 'approve'), 'approve')).status).toBe(409);
    expect((await getOrder(stale.id)).status).toBe('CREATED');
  });
});

describe('order amounts are checked as PayPal checks them', () => {
  const items = [{ name: 'Mug', quantity: '2', unit_amount: { currency_code: 'USD', value: '7.50' } }];

  it('accepts items and a breakdown that add up, and shows them on the approval page', async () => {
    const order = await createOrder(t, { intent: 'CAPTURE', purchase_units: [{ items, amount: { currency_code: 'USD', value: '19.00', breakdown: { item_total: { currency_code: 'USD', value: '15.00' }, shipping: { currency_code: 'USD', value: '5.00' }, discount: { currency_code: 'USD', value: '1.00' } } } }] });
    expect(await (await fetch(linkOf(order, 'approve'))).text()).toContain('2 × Mug: 7.50 USD');
  });

  it.each([
    ['ITEM_TOTAL_MISMATCH', { items, amount: { currency_code: 'USD', value: '16.00', breakdown: { item_total: { currency_code: 'USD', value: '16.00' } } } }],
    ['AMOUNT_MISMATCH', { items, amount: { currency_code: 'USD', value: '20.00', breakdown: { item_total: { currency_code: 'USD', value: '15.00' } } } }],
    ['ITEM_TOTAL_REQUIRED', { items, amount: { currency_code: 'USD', value: '15.00' } }],
    ['CANNOT_BE_ZERO_OR_NEGATIVE', { amount: { currency_code: 'USD', value: '0.00' } }],
    ['INVALID_CURRENCY_CODE', { amount: { currency_code: 'USD', value: '15.00', breakdown: { item_total: { currency_code: 'EUR', value: '15.00' } } } }],
  ])('refuses %s with a 422', async (issue, unit) => {
    const reply = await t.rest('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit] });
    expect(reply.status).toBe(422);
    expectMatchesPaypalSpec('POST', '/v2/checkout/orders', 422, reply.body);
    expect(reply.body).toMatchObject({ details: [{ issue }] });
  });

  it('needs unique reference ids when there are several purchase units, and refuses a missing intent with a 400 naming the field', async () => {
    const unit = { amount: { currency_code: 'USD', value: '1.00' } };
    const unnamed = await t.rest('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [unit, unit] });
    expect(unnamed.body).toMatchObject({ details: [{ issue: 'REFERENCE_ID_REQUIRED' }, { issue: 'DUPLICATE_REFERENCE_ID' }] });
    const twins = await t.rest('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [{ ...unit, reference_id: 'a' }, { ...unit, reference_id: 'a' }] });
    expect(twins.body).toMatchObject({ details: [{ issue: 'DUPLICATE_REFERENCE_ID' }] });
    const noIntent = await t.rest('POST', '/v2/checkout/orders', { purchase_units: [unit] });
    expect(noIntent.status).toBe(400);
    expectMatchesPaypalSpec('POST', '/v2/checkout/orders', 400, noIntent.body);
    expect(noIntent.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/intent' }] });
  });
});

describe('updating an order', () => {
  it('patches the amount and invoice id of a purchase unit by reference id, and refuses a patch once the order is completed', async () => {
    const order = await createOrder(t);
    const path = "/purchase_units/@reference_id=='default'";
    const patched = await t.rest('PATCH', `/v2/checkout/orders/${order.id}`, [
      { op: 'replace', path: `${path}/amount`, value: { currency_code: 'USD', value: '25.00' } },
      { op: 'add', path: `${path}/invoice_id`, value: 'INV-PATCH-1' },
    ]);
    expect(patched.status).toBe(204);
    expect((await getOrder(order.id)).purchase_units?.[0]).toMatchObject({ amount: { value: '25.00' }, invoice_id: 'INV-PATCH-1' });
    const unknownUnit = await t.rest('PATCH', `/v2/checkout/orders/${order.id}`, [{ op: 'replace', path: "/purchase_units/@reference_id=='nope'/amount", value: { currency_code: 'USD', value: '1.00' } }]);
    expect(unknownUnit.body).toMatchObject({ details: [{ issue: 'REFERENCE_ID_NOT_FOUND' }] });
    const badDecimals = await t.rest('PATCH', `/v2/checkout/orders/${order.id}`, [{ op: 'replace', path: `${path}/amount`, value: { currency_code: 'USD', value: '1.001' } }]);
    expect(badDecimals.status).toBe(422);
    expect(badDecimals.body).toMatchObject({ details: [{ issue: 'DECIMAL_PRECISION' }] });
    await decide(linkOf(order, 'approve'), 'approve');
    await t.rest('POST', `/v2/checkout/orders/${order.id}/capture`, {});
    const late = await t.rest('PATCH', `/v2/checkout/orders/${order.id}`, [{ op: 'replace', path: `${path}/description`, value: 'late' }]);
    expect(late.status).toBe(422);
    expectMatchesPaypalSpec('PATCH', `/v2/checkout/orders/${order.id}`, 422, late.body);
    expect(late.body).toMatchObject({ details: [{ issue: 'ORDER_ALREADY_COMPLETED' }] });
  });
});

describe('capture refusals', () => {
  const orders = () => new OrdersController(t.client);

  it('refuses to capture an order the buyer has not approved (ORDER_NOT_APPROVED), surfaced by the SDK as CustomError with details[].issue', async () => {
    const order = await createOrder(t);
    const refusal = await refusalOf(orders().captureOrder({ id: order.id }));
    expect(refusal).toMatchObject({ status: 422, issues: ['ORDER_NOT_APPROVED'] });
    const raw = await t.rest('POST', `/v2/checkout/orders/${order.id}/capture`, {});
    expectMatchesPaypalSpec('POST', `/v2/checkout/orders/${order.id}/capture`, 422, raw.body);
  });

  it('captures an order once: a second capture is ORDER_ALREADY_CAPTURED', async () => {
    const order = await approvedOrder(t);
    await orders().captureOrder({ id: order.id });
    expect(await refusalOf(orders().captureOrder({ id: order.id }))).toMatchObject({ status: 422, issues: ['ORDER_ALREADY_CAPTURED'] });
  });

  it('refuses to capture an order approved more than three hours ago (ORDER_EXPIRED)', async () => {
    const order = await approvedOrder(t);
    await t.server.store.sql`update sandbox.objects set data = jsonb_set(data, '{internal,approvedAt}', to_jsonb((data->'internal'->>'approvedAt')::bigint - 3 * 3600 - 1)) where id = ${order.id}`;
    expect(await refusalOf(orders().captureOrder({ id: order.id }))).toMatchObject({ status: 422, issues: ['ORDER_EXPIRED'] });
  });

  it('answers 404 with INVALID_RESOURCE_ID for an order nobody made', async () => {
    const reply = await t.rest('GET', '/v2/checkout/orders/NOSUCHORDER12345');
    expect(reply.status).toBe(404);
    expectMatchesPaypalSpec('GET', '/v2/checkout/orders/NOSUCHORDER12345', 404, reply.body);
    expect(await refusalOf(orders().captureOrder({ id: 'NOSUCHORDER12345' }))).toMatchObject({ status: 404, issues: ['INVALID_RESOURCE_ID'] });
  });

  it('refuses to capture an AUTHORIZE order (ACTION_DOES_NOT_MATCH_INTENT) and to authorize one twice (ORDER_ALREADY_AUTHORIZED)', async () => {
    const order = await approvedOrder(t, { body: { ...orderBody('30.00'), intent: 'AUTHORIZE' } });
    expect(await refusalOf(orders().captureOrder({ id: order.id }))).toMatchObject({ issues: ['ACTION_DOES_NOT_MATCH_INTENT'] });
    const authorized = await orders().authorizeOrder({ id: order.id });
    expect(authorized.result.purchaseUnits?.[0]?.payments?.authorizations?.[0]?.status).toBe('CREATED');
    expect(await refusalOf(orders().authorizeOrder({ id: order.id }))).toMatchObject({ issues: ['ORDER_ALREADY_AUTHORIZED'] });
  });

  it('refuses an invoice id another order’s capture already used (DUPLICATE_INVOICE_ID), at create and at capture', async () => {
    const withInvoice = { intent: 'CAPTURE', purchase_units: [{ invoice_id: 'INV-DUP-1', amount: { currency_code: 'USD', value: '3.00' } }] };
    const first = await approvedOrder(t, { body: withInvoice });
    const second = await approvedOrder(t, { body: withInvoice });
    await orders().captureOrder({ id: first.id });
    expect(await refusalOf(orders().captureOrder({ id: second.id }))).toMatchObject({ status: 422, issues: ['DUPLICATE_INVOICE_ID'] });
    expect((await getOrder(second.id)).status).toBe('APPROVED');
    const third = await t.rest('POST', '/v2/checkout/orders', withInvoice);
    expect(third.body).toMatchObject({ details: [{ issue: 'DUPLICATE_INVOICE_ID' }] });
  });
});

describe('PayPal-Request-Id on orders', () => {
  it('answers a repeated create with the order it made, and two creates without the header make two orders', async () => {
    const orders = new OrdersController(t.client);
    const body = { intent: CheckoutPaymentIntent.Capture, purchaseUnits: [{ amount: { currencyCode: 'USD', value: '9.00' } }] };
    const first = await orders.createOrder({ body, paypalRequestId: 'create-once-1' });
    const again = await orders.createOrder({ body, paypalRequestId: 'create-once-1' });
    expect(again.result.id).toBe(first.result.id);
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    const one = await orders.createOrder({ body });
    const two = await orders.createOrder({ body });
    expect(one.result.id).not.toBe(two.result.id);
  });

  it('replays a capture with the order’s latest state, and eight concurrent captures with one id make exactly one capture', async () => {
    const order = await approvedOrder(t);
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => t.rest<OrderReply & { details?: { issue: string }[] }>('POST', `/v2/checkout/orders/${order.id}/capture`, {}, { 'PayPal-Request-Id': `capture-${order.id}` })),
    );
    for (const attempt of attempts) {
      if (attempt.status === 201 || attempt.status === 200) expect(attempt.body.status).toBe('COMPLETED');
      else expect([attempt.status, attempt.body.details?.[0]?.issue]).toEqual([409, 'PREVIOUS_REQUEST_IN_PROGRESS']);
    }
    expect(attempts.filter((attempt) => attempt.status === 201)).toHaveLength(1);
    const stored = await getOrder(order.id);
    expect(stored.purchase_units?.[0]?.payments?.captures).toHaveLength(1);
    const replay = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${order.id}/capture`, {}, { 'PayPal-Request-Id': `capture-${order.id}` });
    // PayPal answers a repeated request 200 OK (201 was the first answer).
    expect(replay.status).toBe(200);
    expectMatchesPaypalSpec('POST', `/v2/checkout/orders/${order.id}/capture`, 200, replay.body);
    expect(replay.body.purchase_units?.[0]?.payments?.captures?.[0]?.id).toBe(stored.purchase_units?.[0]?.payments?.captures?.[0]?.id);
  });
});

describe('what the buyer’s funding does at capture', () => {
  const orders = () => new OrdersController(t.client);

  it('declined@: INSTRUMENT_DECLINED with a redirect to the approval page; the order stays APPROVED until the buyer approves again with other funding, then captures', async () => {
    const order = await approvedOrder(t, { buyer: 'declined@example.com' });
    const refusal = await refusalOf(orders().captureOrder({ id: order.id }));
    expect(refusal).toMatchObject({ status: 422, issues: ['INSTRUMENT_DECLINED'] });
    expect(refusal.body.links?.find((link) => link.rel === 'redirect')?.href).toBe(`${t.paypalUrl}/checkoutnow?token=${order.id}`);
    expect((await getOrder(order.id)).status).toBe('APPROVED');
    // What actions.restart() leads to: the same order approved again, then captured.
    expect(await refusalOf(orders().captureOrder({ id: order.id }))).toMatchObject({ issues: ['INSTRUMENT_DECLINED'] });
    expect((await decide(`${t.paypalUrl}/checkoutnow?token=${order.id}`, 'approve', 'buyer@example.com')).status).toBeLessThan(400);
    const captured = await orders().captureOrder({ id: order.id });
    expect(captureOf(captured.result)?.status).toBe('COMPLETED');
  });

  it('stops after three refused attempts with MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED', async () => {
    const order = await approvedOrder(t, { buyer: 'declined@example.com' });
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await refusalOf(orders().captureOrder({ id: order.id }))).issues).toEqual(['INSTRUMENT_DECLINED']);
    expect((await refusalOf(orders().captureOrder({ id: order.id }))).issues).toEqual(['MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED']);
  });

  it('refused@: TRANSACTION_REFUSED, with a DECLINED capture on the order and PAYMENT.CAPTURE.DECLINED', async () => {
    const order = await approvedOrder(t, { buyer: 'refused@example.com' });
    expect(await refusalOf(orders().captureOrder({ id: order.id }))).toMatchObject({ status: 422, issues: ['TRANSACTION_REFUSED'] });
    const stored = await getOrder(order.id);
    expect(stored.status).toBe('APPROVED');
    expect(stored.purchase_units?.[0]?.payments?.captures?.[0]?.status).toBe('DECLINED');
    expect((await t.events('PAYMENT.CAPTURE.DECLINED')).some((event) => (event.resource as { id: string }).id === stored.purchase_units?.[0]?.payments?.captures?.[0]?.id)).toBe(true);
  });

  it('pending@: the order COMPLETED with a PENDING (ECHECK) capture and PAYMENT.CAPTURE.PENDING', async () => {
    const order = await approvedOrder(t, { buyer: 'pending@example.com' });
    const captured = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${order.id}/capture`, {});
    expect(captured.body.status).toBe('COMPLETED');
    expect(captured.body.purchase_units?.[0]?.payments?.captures?.[0]).toMatchObject({ status: 'PENDING', status_details: { reason: 'ECHECK' } });
    const capture = captured.body.purchase_units?.[0]?.payments?.captures?.[0];
    expect((await t.events('PAYMENT.CAPTURE.PENDING')).map((event) => (event.resource as { id: string }).id)).toContain(capture?.id);
  });
});

describe('negative testing with PayPal-Mock-Response', () => {
  const orders = () => new OrdersController(t.client);

  it.each(['INSTRUMENT_DECLINED', 'TRANSACTION_REFUSED', 'DUPLICATE_INVOICE_ID', 'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED', 'ORDER_NOT_APPROVED', 'PAYER_CANNOT_PAY', 'COMPLIANCE_VIOLATION'])(
    'answers %s on capture for an approved order that would otherwise pay',
    async (code) => {
      const order = await approvedOrder(t);
      const refusal = await refusalOf(orders().captureOrder({ id: order.id, paypalMockResponse: mock(code) }));
      expect(refusal).toMatchObject({ status: 422, issues: [code] });
      const raw = await t.rest('POST', `/v2/checkout/orders/${order.id}/capture`, {}, { 'PayPal-Mock-Response': mock(code) });
      expectMatchesPaypalSpec('POST', `/v2/checkout/orders/${order.id}/capture`, 422, raw.body);
    },
  );

  it('PAYER_ACTION_REQUIRED: the order waits for the buyer with a payer-action link, and captures once approved again', async () => {
    const order = await approvedOrder(t);
    const refusal = await refusalOf(orders().captureOrder({ id: order.id, paypalMockResponse: mock('PAYER_ACTION_REQUIRED') }));
    expect(refusal).toMatchObject({ status: 422, issues: ['PAYER_ACTION_REQUIRED'] });
    const waiting = await getOrder(order.id);
    expect(waiting.status).toBe('PAYER_ACTION_REQUIRED');
    await decide(linkOf(waiting, 'payer-action'), 'approve');
    expect((await orders().captureOrder({ id: order.id })).result.status).toBe('COMPLETED');
  });
});
