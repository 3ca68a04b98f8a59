import type { RaisedEvent } from './events';
import { disputeId, paypalTime, paypalToken, resourceId, subscriptionId, planId, productId } from './ids';
import type { PaypalEvent } from './events';

/**
 * What simulate-event sends: for each event type a sample resource shaped like the real one
 * (an order, a capture, a refund, an authorization, a subscription, a sale, a plan, a product,
 * a dispute), with fresh ids that name nothing in the sandbox, as PayPal's simulator's samples
 * name nothing in the merchant's account.
 */

type Link = PaypalEvent['links'][number];
const link = (href: string, rel: string, method = 'GET'): Link => ({ href, rel, method });
const usd = (value: string) => ({ currency_code: 'USD', value });

function captureStatusOf(eventType: string): string {
  const last = eventType.split('.').at(-1) ?? 'COMPLETED';
  return { PENDING: 'PENDING', DENIED: 'DECLINED', DECLINED: 'DECLINED', REFUNDED: 'REFUNDED' }[last] ?? 'COMPLETED';
}

function sampleOrder(base: string, time: string, eventType: string) {
  const id = resourceId();
  const captured = eventType === 'CHECKOUT.ORDER.COMPLETED';
  return {
    id,
    intent: 'CAPTURE',
    status: captured ? 'COMPLETED' : eventType === 'CHECKOUT.ORDER.VOIDED' ? 'VOIDED' : 'APPROVED',
    payer: { name: { given_name: 'John', surname: 'Doe' }, email_address: 'buyer@example.com', payer_id: paypalToken(13), address: { country_code: 'US' } },
    purchase_units: [{
      reference_id: 'default',
      amount: usd('100.00'),
      payee: { email_address: 'merchant@example.com', merchant_id: paypalToken(13) },
      ...(captured ? { payments: { captures: [{ id: resourceId(), status: 'COMPLETED', amount: usd('100.00'), final_capture: true, create_time: time, update_time: time }] } } : {}),
    }],
    create_time: time,
    update_time: time,
    links: [link(`${base}/v2/checkout/orders/${id}`, 'self'), link(`${base}/v2/checkout/orders/${id}/capture`, 'capture', 'POST')],
  };
}

function sampleCapture(base: string, time: string, eventType: string) {
  const id = resourceId();
  return {
    id,
    status: captureStatusOf(eventType),
    amount: usd('100.00'),
    final_capture: true,
    seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
    seller_receivable_breakdown: { gross_amount: usd('100.00'), paypal_fee: usd('3.98'), net_amount: usd('96.02') },
    supplementary_data: { related_ids: { order_id: resourceId() } },
    create_time: time,
    update_time: time,
    links: [link(`${base}/v2/payments/captures/${id}`, 'self'), link(`${base}/v2/payments/captures/${id}/refund`, 'refund', 'POST')],
  };
}

function sampleRefund(base: string, time: string, eventType: string) {
  const id = resourceId();
  const status = { 'PAYMENT.REFUND.PENDING': 'PENDING', 'PAYMENT.REFUND.FAILED': 'FAILED' }[eventType] ?? 'COMPLETED';
  return {
    id,
    status,
    amount: usd('100.00'),
    ...(eventType === 'PAYMENT.CAPTURE.REVERSED' ? { note_to_payer: 'Payment reversed' } : {}),
    seller_payable_breakdown: { gross_amount: usd('100.00'), paypal_fee: usd('0.00'), net_amount: usd('100.00'), total_refunded_amount: usd('100.00') },
    create_time: time,
    update_time: time,
    links: [link(`${base}/v2/payments/refunds/${id}`, 'self'), link(`${base}/v2/payments/captures/${resourceId()}`, 'up')],
  };
}

function sampleAuthorization(base: string, time: string, eventType: string) {
  const id = resourceId();
  return {
    id,
    status: eventType === 'PAYMENT.AUTHORIZATION.VOIDED' ? 'VOIDED' : 'CREATED',
    amount: usd('100.00'),
    expiration_time: paypalTime(Date.parse(time) / 1000 + 29 * 86_400),
    create_time: time,
    update_time: time,
    links: [link(`${base}/v2/payments/authorizations/${id}`, 'self')],
  };
}

function sampleSubscription(base: string, time: string, eventType: string) {
  const id = subscriptionId();
  const status = { 'BILLING.SUBSCRIPTION.CREATED': 'APPROVAL_PENDING', 'BILLING.SUBSCRIPTION.EXPIRED': 'EXPIRED', 'BILLING.SUBSCRIPTION.CANCELLED': 'CANCELLED', 'BILLING.SUBSCRIPTION.SUSPENDED': 'SUSPENDED' }[eventType] ?? 'ACTIVE';
  return {
    id,
    plan_id: planId(),
    status,
    status_update_time: time,
    start_time: time,
    quantity: '1',
    subscriber: { name: { given_name: 'John', surname: 'Doe' }, email_address: 'buyer@example.com', payer_id: paypalToken(13) },
    billing_info: { outstanding_balance: usd('0.00'), cycle_executions: [{ tenure_type: 'REGULAR', sequence: 1, cycles_completed: 1, cycles_remaining: 0, total_cycles: 0 }], failed_payments_count: eventType === 'BILLING.SUBSCRIPTION.PAYMENT.FAILED' ? 1 : 0 },
    create_time: time,
    update_time: time,
    links: [link(`${base}/v1/billing/subscriptions/${id}`, 'self')],
  };
}

function sampleSale(base: string, time: string, eventType: string) {
  const id = resourceId();
  const state = { 'PAYMENT.SALE.PENDING': 'pending', 'PAYMENT.SALE.DENIED': 'denied', 'PAYMENT.SALE.REFUNDED': 'refunded', 'PAYMENT.SALE.REVERSED': 'reversed' }[eventType] ?? 'completed';
  return {
    id,
    state,
    amount: { total: '100.00', currency: 'USD', details: { subtotal: '100.00' } },
    payment_mode: 'INSTANT_TRANSFER',
    protection_eligibility: 'ELIGIBLE',
    transaction_fee: { value: '3.98', currency: 'USD' },
    billing_agreement_id: subscriptionId(),
    create_time: time,
    update_time: time,
    links: [link(`${base}/v1/payments/sale/${id}`, 'self'), link(`${base}/v1/payments/sale/${id}/refund`, 'refund', 'POST')],
  };
}

function samplePlan(base: string, time: string, eventType: string) {
  const id = planId();
  return {
    id,
    product_id: productId(),
    name: 'Sample plan',
    status: eventType === 'BILLING.PLAN.DEACTIVATED' ? 'INACTIVE' : 'ACTIVE',
    billing_cycles: [{ frequency: { interval_unit: 'MONTH', interval_count: 1 }, tenure_type: 'REGULAR', sequence: 1, total_cycles: 0, pricing_scheme: { fixed_price: usd('10.00') } }],
    payment_preferences: { auto_bill_outstanding: true, payment_failure_threshold: 3 },
    create_time: time,
    update_time: time,
    links: [link(`${base}/v1/billing/plans/${id}`, 'self')],
  };
}

function sampleProduct(base: string, time: string) {
  const id = productId();
  return { id, name: 'Sample product', type: 'SERVICE', create_time: time, update_time: time, links: [link(`${base}/v1/catalogs/products/${id}`, 'self')] };
}

function sampleDispute(base: string, time: string, eventType: string) {
  const id = disputeId();
  const resolved = eventType === 'CUSTOMER.DISPUTE.RESOLVED';
  return {
    dispute_id: id,
    create_time: time,
    update_time: time,
    disputed_transactions: [{ seller_transaction_id: resourceId(), transaction_status: 'COMPLETED', gross_amount: usd('100.00'), seller: { merchant_id: paypalToken(13) } }],
    reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
    status: resolved ? 'RESOLVED' : 'WAITING_FOR_SELLER_RESPONSE',
    dispute_amount: usd('100.00'),
    dispute_life_cycle_stage: 'INQUIRY',
    dispute_channel: 'INTERNAL',
    ...(resolved ? { dispute_outcome: { outcome_code: 'RESOLVED_SELLER_FAVOUR' } } : { seller_response_due_date: paypalTime(Date.parse(time) / 1000 + 20 * 86_400) }),
    messages: [],
    links: [link(`${base}/v1/customer/disputes/${id}`, 'self')],
  };
}

/** The resource type and sample resource simulate-event sends for `eventType` (one of PAYPAL_EVENT_TYPES). */
export function sampleEvent(eventType: string, base: string, now: number): Pick<RaisedEvent, 'resourceType' | 'resource' | 'summary'> {
  const time = paypalTime(now);
  if (eventType.startsWith('CHECKOUT.')) return { resourceType: 'checkout-order', resource: sampleOrder(base, time, eventType), summary: `Checkout order event ${eventType}` };
  if (eventType === 'PAYMENT.CAPTURE.REVERSED' || eventType.startsWith('PAYMENT.REFUND.')) return { resourceType: 'refund', resource: sampleRefund(base, time, eventType), summary: 'A $ 100.00 USD capture payment was reversed' };
  if (eventType.startsWith('PAYMENT.CAPTURE.')) return { resourceType: 'capture', resource: sampleCapture(base, time, eventType), summary: 'Payment completed for $ 100.00 USD' };
  if (eventType.startsWith('PAYMENT.AUTHORIZATION.')) return { resourceType: 'authorization', resource: sampleAuthorization(base, time, eventType), summary: 'A payment authorization was created' };
  if (eventType.startsWith('PAYMENT.SALE.')) return { resourceType: 'sale', resource: sampleSale(base, time, eventType), summary: 'Payment completed for $ 100.0 USD' };
  if (eventType.startsWith('BILLING.SUBSCRIPTION.')) return { resourceType: 'subscription', resource: sampleSubscription(base, time, eventType), summary: 'A billing subscription event' };
  if (eventType.startsWith('BILLING.PLAN.')) return { resourceType: 'plan', resource: samplePlan(base, time, eventType), summary: 'A billing plan event' };
  if (eventType.startsWith('CATALOG.PRODUCT.')) return { resourceType: 'product', resource: sampleProduct(base, time), summary: 'A catalog product event' };
  return { resourceType: 'dispute', resource: sampleDispute(base, time, eventType), summary: `A dispute event with case # ${paypalToken(8)}` };
}
