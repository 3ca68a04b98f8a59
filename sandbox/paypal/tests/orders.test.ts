import { CheckoutPaymentIntent, CustomError, OrdersController } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { expectMatchesPaypalSpec } from './openapi';
import { approvedOrder, createOrder, decide, linkOf, orderBody, type OrderReply } from './order-support';
import { paypalSandbox } from './support';

const t = paypalSandbox();

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
    const approved = await t.rest<OrderReply>('GET', `/v2/checkout/orders/${order.id}`);
    expectMatchesPaypalSpec('GET', `/v2/checkout/orders/${order.id}`, 200, approved.body);
    expect(approved.body).toMatchObject({ status: 'APPROVED', payer: { email_address: 'buyer@example.com' } });
    const captured = await orders.captureOrder({ id: order.id ?? '' });
    expect(captured.statusCode).toBe(201);
    expect(captured.result.status).toBe('COMPLETED');
    const capture = captured.result.purchaseUnits?.[0]?.payments?.captures?.[0];
    expect(capture).toMatchObject({ status: 'COMPLETED', amount: { currencyCode: 'USD', value: '19.99' }, finalCapture: true });
    // 3.49% of 19.99 is 0.697… → 0.70, plus 0.49: 1.19.
    expect(capture?.sellerReceivableBreakdown).toMatchObject({ grossAmount: { value: '19.99' }, paypalFee: { value: '1.19' }, netAmount: { value: '18.80' } });
    const events = await t.events();
    expect(events.map((event) => event.event_type)).toEqual(expect.arrayContaining(['CHECKOUT.ORDER.APPROVED', 'PAYMENT.CAPTURE.COMPLETED', 'CHECKOUT.ORDER.COMPLETED']));
  });
});
