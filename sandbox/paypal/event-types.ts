/**
 * The webhook event types the stand-in raises, with PayPal's descriptions
 * (developer.paypal.com/api/rest/webhooks/event-names, December 2026). A webhook may listen to
 * these or to `*`; registering any other name is refused, as PayPal refuses an unknown one.
 */
export const PAYPAL_EVENT_TYPES = {
  'CHECKOUT.ORDER.APPROVED': 'An order has been approved by buyer.',
  'CHECKOUT.ORDER.COMPLETED': 'Checkout Order Completed.',
  'CHECKOUT.ORDER.VOIDED': 'Checkout Order Voided.',
  'CHECKOUT.PAYMENT-APPROVAL.REVERSED': 'A problem occurred after the buyer approved the order but before you captured the payment.',
  'PAYMENT.AUTHORIZATION.CREATED': 'A payment authorization is created, approved, executed, or a future payment authorization is created.',
  'PAYMENT.AUTHORIZATION.VOIDED': 'A payment authorization is voided.',
  'PAYMENT.CAPTURE.COMPLETED': 'A payment capture completes.',
  'PAYMENT.CAPTURE.PENDING': 'The state of a payment capture changes to pending.',
  'PAYMENT.CAPTURE.DENIED': 'A payment capture is denied.',
  'PAYMENT.CAPTURE.DECLINED': 'A payment capture is declined.',
  'PAYMENT.CAPTURE.REFUNDED': 'A merchant refunds a payment capture.',
  'PAYMENT.CAPTURE.REVERSED': 'PayPal reverses a payment capture.',
  'PAYMENT.REFUND.PENDING': 'A refund is pending.',
  'PAYMENT.REFUND.FAILED': 'A refund failed.',
  'CUSTOMER.DISPUTE.CREATED': 'A dispute is created.',
  'CUSTOMER.DISPUTE.UPDATED': 'A dispute is updated.',
  'CUSTOMER.DISPUTE.RESOLVED': 'A dispute is resolved.',
  'CATALOG.PRODUCT.CREATED': 'A product is created.',
  'CATALOG.PRODUCT.UPDATED': 'A product is updated.',
  'BILLING.PLAN.CREATED': 'A billing plan is created.',
  'BILLING.PLAN.UPDATED': 'A billing plan is updated.',
  'BILLING.PLAN.ACTIVATED': 'A billing plan is activated.',
  'BILLING.PLAN.DEACTIVATED': 'A billing plan is deactivated.',
  'BILLING.PLAN.PRICING-CHANGE.ACTIVATED': 'A price change for the plan is activated.',
  'BILLING.SUBSCRIPTION.CREATED': 'A billing subscription is created.',
  'BILLING.SUBSCRIPTION.ACTIVATED': 'A billing subscription is activated.',
  'BILLING.SUBSCRIPTION.UPDATED': 'A billing subscription is updated.',
  'BILLING.SUBSCRIPTION.EXPIRED': 'A billing subscription expires.',
  'BILLING.SUBSCRIPTION.CANCELLED': 'A billing subscription is cancelled.',
  'BILLING.SUBSCRIPTION.SUSPENDED': 'A billing subscription is suspended.',
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': 'Payment failed on subscription.',
  // PayPal's name for a suspended subscription made active again. The stand-in's subscriptions
  // raise ACTIVATED then; this one is registered and simulated, as PayPal lets an app do.
  'BILLING.SUBSCRIPTION.RE-ACTIVATED': 'A billing subscription is re-activated.',
  'PAYMENT.SALE.COMPLETED': 'A payment is made on a subscription.',
  'PAYMENT.SALE.PENDING': 'The state of a sale changes to pending.',
  'PAYMENT.SALE.DENIED': 'The state of a sale changes from pending to denied.',
  'PAYMENT.SALE.REFUNDED': 'A merchant refunds a sale.',
  'PAYMENT.SALE.REVERSED': 'PayPal reverses a sale.',
} as const;

export type PaypalEventType = keyof typeof PAYPAL_EVENT_TYPES;

export function isPaypalEventType(name: string): name is PaypalEventType {
  return Object.hasOwn(PAYPAL_EVENT_TYPES, name);
}

/** The resource version PayPal sends a type with: 1.0 for the v1 APIs (subscriptions and sales, disputes, catalog), 2.0 for Orders and Payments v2. */
export function resourceVersionOf(name: string): '1.0' | '2.0' {
  return /^(BILLING\.|PAYMENT\.SALE|CUSTOMER\.|CATALOG\.)/.test(name) ? '1.0' : '2.0';
}
