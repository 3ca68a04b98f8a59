import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';

const t = isolatedSandbox();


/** A PaymentMethod made from a raw card number with the publishable key, as Stripe.js does. */
async function cardPaymentMethod(number: string) {
  return t.publishable.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: new Date().getFullYear() + 2, cvc: '123' } });
}

async function payWith(number: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  const paymentMethod = await cardPaymentMethod(number);
  return t.stripe.paymentIntents.create({ amount: 1999, currency: 'usd', payment_method: paymentMethod.id, confirm: true, ...extra });
}

describe('test cards', () => {
  it('4242 4242 4242 4242 succeeds with a captured charge', async () => {
    const intent = await payWith('4242424242424242');
    expect(intent.status).toBe('succeeded');
    expect(intent.amount_received).toBe(1999);
    const charge = await t.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ status: 'succeeded', captured: true, amount_captured: 1999, paid: true, payment_intent: intent.id });
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
  });

  const declines: [string, string, string][] = [
    ['4000000000000002', 'card_declined', 'generic_decline'],
    ['4000000000009995', 'card_declined', 'insufficient_funds'],
    ['4000000000000069', 'expired_card', 'expired_card'],
    ['4000000000000127', 'incorrect_cvc', 'incorrect_cvc'],
  ];
  for (const [number, code, declineCode] of declines) {
    it(`${number} is declined with ${code}/${declineCode}, and the intent can be paid with another card`, async () => {
      const intent = await t.stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
      const paymentMethod = await cardPaymentMethod(number);
      const error = await stripeError(t.stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod.id }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error.statusCode).toBe(402);
      expect(error.code).toBe(code);
      expect(error.decline_code).toBe(declineCode);
      expect(error.payment_intent?.id).toBe(intent.id);
      const failed = await t.stripe.paymentIntents.retrieve(intent.id);
      expect(failed.status).toBe('requires_payment_method');
      expect(failed.last_payment_error?.decline_code).toBe(declineCode);
      const charge = await t.stripe.charges.retrieve(String(failed.latest_charge));
      expect(charge.status).toBe('failed');

      const retried = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
      expect(retried.status).toBe('succeeded');
    });
  }

  it('4000 0025 0000 3155 asks for 3-D Secure on-session, then works off-session once authenticated', async () => {
    const customer = await t.stripe.customers.create({ email: 'sca@example.com' });
    const paymentMethod = await cardPaymentMethod('4000002500003155');
    const intent = await t.stripe.paymentIntents.create({ amount: 2500, currency: 'eur', customer: customer.id, payment_method: paymentMethod.id, setup_future_usage: 'off_session', confirm: true });
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action?.type).toBe('use_stripe_sdk');
    await completeChallenge(intent, 'complete');
    const paid = await t.stripe.paymentIntents.retrieve(intent.id);
    expect(paid.status).toBe('succeeded');

    const later = await t.stripe.paymentIntents.create({ amount: 2500, currency: 'eur', customer: customer.id, payment_method: paymentMethod.id, off_session: true, confirm: true });
    expect(later.status).toBe('succeeded');
  });

  it('4000 0027 6000 3184 always needs 3-D Secure: failing it asks for another card, and off-session it is declined', async () => {
    const customer = await t.stripe.customers.create({ email: 'always@example.com' });
    const paymentMethod = await cardPaymentMethod('4000002760003184');
    await t.stripe.paymentMethods.attach(paymentMethod.id, { customer: customer.id });
    const intent = await t.stripe.paymentIntents.create({ amount: 900, currency: 'eur', customer: customer.id, payment_method: paymentMethod.id, confirm: true });
    expect(intent.status).toBe('requires_action');
    await completeChallenge(intent, 'fail');
    const failed = await t.stripe.paymentIntents.retrieve(intent.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.code).toBe('payment_intent_authentication_failure');

    const error = await stripeError(
      t.stripe.paymentIntents.create({ amount: 900, currency: 'eur', customer: customer.id, payment_method: paymentMethod.id, off_session: true, confirm: true }),
    );
    expect(error.code).toBe('authentication_required');
  });

  it('4000 0000 0000 0341 attaches to a customer, then every charge is declined', async () => {
    const customer = await t.stripe.customers.create({ email: 'fails@example.com' });
    const paymentMethod = await cardPaymentMethod('4000000000000341');
    const attached = await t.stripe.paymentMethods.attach(paymentMethod.id, { customer: customer.id });
    expect(attached.customer).toBe(customer.id);
    const error = await stripeError(t.stripe.paymentIntents.create({ amount: 700, currency: 'usd', customer: customer.id, payment_method: paymentMethod.id, off_session: true, confirm: true }));
    expect(error.code).toBe('card_declined');
  });

  it('4000 0000 0000 0259 succeeds, then the charge is disputed', async () => {
    const intent = await payWith('4000000000000259');
    expect(intent.status).toBe('succeeded');
    const disputes = await t.stripe.disputes.list({ payment_intent: intent.id });
    expect(disputes.data).toHaveLength(1);
    expect(disputes.data[0]).toMatchObject({ status: 'needs_response', amount: 1999, charge: intent.latest_charge });
    const charge = await t.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge.disputed).toBe(true);
  });

  it('pm_card_* test payment methods work from the server without card numbers', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 1000, currency: 'jpy', payment_method: 'pm_card_visa', confirm: true });
    expect(intent.status).toBe('succeeded');
    expect(intent.currency).toBe('jpy');
    const error = await stripeError(t.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclinedInsufficientFunds', confirm: true }));
    expect(error.decline_code).toBe('insufficient_funds');
  });
});

async function completeChallenge(intent: Stripe.PaymentIntent, outcome: 'complete' | 'fail') {
  const response = await fetch(`${t.server.url}/3ds/challenge/${intent.id}/${outcome}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_secret: String(intent.client_secret) }),
  });
  expect(response.status).toBe(200);
}

describe('payment intent lifecycle', () => {
  it('moves through requires_payment_method → requires_confirmation → succeeded', async () => {
    const created = await t.stripe.paymentIntents.create({ amount: 1200, currency: 'usd', automatic_payment_methods: { enabled: true }, metadata: { order: 'o_1' } });
    expect(created.status).toBe('requires_payment_method');
    expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_`));
    expect(created.metadata).toEqual({ order: 'o_1' });
    const updated = await t.stripe.paymentIntents.update(created.id, { amount: 1500, payment_method: 'pm_card_visa' });
    expect(updated).toMatchObject({ amount: 1500, status: 'requires_confirmation' });
    const confirmed = await t.stripe.paymentIntents.confirm(created.id);
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 1500 });
  });

  it('authorises with capture_method=manual and captures part of it', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 5000, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true });
    expect(intent).toMatchObject({ status: 'requires_capture', amount_capturable: 5000 });
    const captured = await t.stripe.paymentIntents.capture(intent.id, { amount_to_capture: 4000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 4000 });
  });

  it('cancels an unpaid intent and refuses to cancel a paid one', async () => {
    const open = await t.stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    const canceled = await t.stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const paid = await t.stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const error = await stripeError(t.stripe.paymentIntents.cancel(paid.id));
    expect(error.code).toBe('payment_intent_unexpected_state');
    expect(error.statusCode).toBe(400);
  });

  it('refuses to cancel a card payment that is processing, or an intent canceled already, as Stripe does', async () => {
    const inFlight = await t.stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    // No sandbox card stays in `processing` (Stripe's cards do not either, but for a moment):
    // the state is set directly, as a bank would leave it.
    await t.server.store.sql`update sandbox.objects set data = jsonb_set(data, '{status}', '"processing"') where id = ${inFlight.id}`;
    const processing = await stripeError(t.stripe.paymentIntents.cancel(inFlight.id, { cancellation_reason: 'abandoned' }));
    expect({ status: processing.statusCode, type: processing.type, code: processing.code }).toEqual({ status: 400, type: 'StripeInvalidRequestError', code: 'payment_intent_unexpected_state' });
    expect(await t.stripe.paymentIntents.retrieve(inFlight.id)).toMatchObject({ status: 'processing', canceled_at: null });

    const open = await t.stripe.paymentIntents.create({ amount: 100, currency: 'usd' });
    await t.stripe.paymentIntents.cancel(open.id);
    const again = await stripeError(t.stripe.paymentIntents.cancel(open.id));
    expect({ status: again.statusCode, code: again.code }).toEqual({ status: 400, code: 'payment_intent_unexpected_state' });
  });

  it('refuses to confirm a paid intent again', async () => {
    const paid = await t.stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const error = await stripeError(t.stripe.paymentIntents.confirm(paid.id, { payment_method: 'pm_card_visa' }));
    expect(error.code).toBe('payment_intent_unexpected_state');
  });

  it('lets Stripe.js read and confirm an intent with the publishable key and client secret, but nothing else', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 300, currency: 'usd' });
    const read = await t.publishable.paymentIntents.retrieve(intent.id, { client_secret: String(intent.client_secret) });
    expect(read.id).toBe(intent.id);
    const wrongSecret = await stripeError(t.publishable.paymentIntents.retrieve(intent.id, { client_secret: `${intent.id}_secret_wrong` }));
    expect(wrongSecret.statusCode).toBe(404);
    const notAllowed = await stripeError(t.publishable.customers.list());
    expect(notAllowed.statusCode).toBe(401);
    const paymentMethod = await cardPaymentMethod('4242424242424242');
    const confirmed = await t.publishable.paymentIntents.confirm(intent.id, { payment_method: paymentMethod.id, client_secret: String(intent.client_secret) } as Stripe.PaymentIntentConfirmParams);
    expect(confirmed.status).toBe('succeeded');
  });

  it('sends a 3-D Secure redirect to the return_url with Stripe’s query parameters', async () => {
    const paymentMethod = await cardPaymentMethod('4000002760003184');
    const intent = await t.stripe.paymentIntents.create({ amount: 800, currency: 'eur', payment_method: paymentMethod.id, confirm: true, return_url: 'https://shop.example/checkout/complete' });
    expect(intent.next_action?.type).toBe('redirect_to_url');
    const page = await fetch(String(intent.next_action?.redirect_to_url?.url));
    expect(await page.text()).toContain('Complete');
    const response = await fetch(`${t.server.url}/3ds/challenge/${intent.id}/complete`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_secret: String(intent.client_secret), return_url: 'https://shop.example/checkout/complete' }),
    });
    expect(response.status).toBe(303);
    const location = new URL(String(response.headers.get('location')));
    expect(location.searchParams.get('payment_intent')).toBe(intent.id);
    expect(location.searchParams.get('payment_intent_client_secret')).toBe(intent.client_secret);
    expect(location.searchParams.get('redirect_status')).toBe('succeeded');
  });
});
