import { describe, expect, it } from 'vitest';
import { approvedOrder, createOrder, orderBody, type OrderReply } from './order-support';
import { paypalSandbox } from './support';

/**
 * PayPal-Request-Id across the APIs: how long each remembers an id (orders 6 hours, payments 45
 * days, subscriptions and catalog 72 hours), what an id means on another resource, and that
 * without one a repeat is a new request. Time is moved by ageing the stored id, as only the
 * sandbox's clock can be moved.
 */

const t = paypalSandbox();
const HOUR = 3600;

async function age(requestId: string, seconds: number): Promise<void> {
  const rows = await t.server.store.sql`update sandbox.idempotency_keys set created_at = created_at - make_interval(secs => ${seconds}) where key = ${requestId} returning key`;
  expect(rows).toHaveLength(1);
}

describe('how long PayPal remembers a PayPal-Request-Id', () => {
  it('orders: the same create within 6 hours is the same order, after 6 hours a new one', async () => {
    const headers = { 'PayPal-Request-Id': 'create-retention-1' };
    const first = await createOrder(t, orderBody('5.00'), headers);
    await age('create-retention-1', 5 * HOUR);
    const replayed = await t.rest<OrderReply>('POST', '/v2/checkout/orders', orderBody('5.00'), headers);
    expect([replayed.status, replayed.body.id]).toEqual([200, first.id]);
    await age('create-retention-1', 1 * HOUR + 1);
    expect((await createOrder(t, orderBody('5.00'), headers)).id).not.toBe(first.id);
  });

  it('payments: a refund repeated a week later is still the same refund (45 days), and a new one after 45 days', async () => {
    const order = await approvedOrder(t);
    const captured = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${order.id}/capture`, {});
    const captureId = captured.body.purchase_units?.[0]?.payments?.captures?.[0]?.id ?? '';
    const headers = { 'PayPal-Request-Id': `refund-retention-${captureId}` };
    const refund = await t.rest<{ id: string }>('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '1.00' } }, headers);
    expect(refund.status).toBe(201);
    await age(headers['PayPal-Request-Id'], 7 * 24 * HOUR);
    const again = await t.rest<{ id: string }>('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '1.00' } }, headers);
    expect(again.body.id).toBe(refund.body.id);
    await age(headers['PayPal-Request-Id'], 38 * 24 * HOUR + 1);
    const later = await t.rest<{ id: string }>('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '1.00' } }, headers);
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(refund.body.id);
  });

  it('catalog: a product create is replayed within 72 hours and made anew after', async () => {
    const headers = { 'PayPal-Request-Id': 'product-retention-1' };
    const product = { name: 'Retention', type: 'SERVICE' };
    const first = await t.rest<{ id: string }>('POST', '/v1/catalogs/products', product, headers);
    await age('product-retention-1', 71 * HOUR);
    expect((await t.rest<{ id: string }>('POST', '/v1/catalogs/products', product, headers)).body.id).toBe(first.body.id);
    await age('product-retention-1', 1 * HOUR + 1);
    expect((await t.rest<{ id: string }>('POST', '/v1/catalogs/products', product, headers)).body.id).not.toBe(first.body.id);
  });
});

describe('what a PayPal-Request-Id belongs to', () => {
  it('refuses an id used to capture one order when it comes with another (DUPLICATE_REQUEST_ID), capturing nothing', async () => {
    const [a, b] = [await approvedOrder(t), await approvedOrder(t)];
    const headers = { 'PayPal-Request-Id': `capture-shared-${a.id}` };
    expect((await t.rest('POST', `/v2/checkout/orders/${a.id}/capture`, {}, headers)).status).toBe(201);
    const other = await t.rest<{ details: { issue: string }[] }>('POST', `/v2/checkout/orders/${b.id}/capture`, {}, headers);
    expect([other.status, other.body.details[0]?.issue]).toEqual([422, 'DUPLICATE_REQUEST_ID']);
    expect((await t.rest<OrderReply>('GET', `/v2/checkout/orders/${b.id}`)).body.status).toBe('APPROVED');
  });

  it('frees the id of a request that was refused, so a corrected retry with it is a first attempt', async () => {
    const headers = { 'PayPal-Request-Id': 'create-refused-then-fixed' };
    const refused = await t.rest('POST', '/v2/checkout/orders', orderBody('10.001'), headers);
    expect(refused.status).toBe(422);
    expect((await t.rest('POST', '/v2/checkout/orders', orderBody('10.00'), headers)).status).toBe(201);
  });
});
