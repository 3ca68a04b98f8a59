import { describe, expect, it } from 'vitest';
import { pathTemplate } from './provider-spans';

describe('naming a provider call by its path', () => {
  it('replaces object ids and keeps resource names, so every payment intent call is not "/v1/{id}"', () => {
    expect(pathTemplate('/v1/payment_intents')).toBe('/v1/payment_intents');
    expect(pathTemplate('/v1/payment_intents/pi_3Qx9ZfLkdIwHu7ix1cD6bXoa/confirm?expand[]=latest_charge')).toBe('/v1/payment_intents/{id}/confirm');
    expect(pathTemplate('/v1/customers/cus_P4xkq2TT7mJf0a')).toBe('/v1/customers/{id}');
    expect(pathTemplate('/v1/test_helpers/test_clocks/clock_1NsQ2W/advance')).toBe('/v1/test_helpers/test_clocks/{id}/advance');
    expect(pathTemplate('/v1/subscription_items/si_9ZfA1')).toBe('/v1/subscription_items/{id}');
    expect(pathTemplate('/v2/checkout/orders/5O190127TN364715T/capture')).toBe('/v2/checkout/orders/{id}/capture');
    expect(pathTemplate('/v1/billing/subscriptions/I-BW452GLLEP1G/cancel')).toBe('/v1/billing/subscriptions/{id}/cancel');
    expect(pathTemplate('/v1/customer/disputes/PP-D-1234')).toBe('/v1/customer/disputes/{id}');
    expect(pathTemplate('/v1/reporting/transactions?start_date=2026-12-01T00:00:00Z')).toBe('/v1/reporting/transactions');
  });
});
