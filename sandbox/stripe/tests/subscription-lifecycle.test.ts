import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';
import { APRIL_1, billingFixtures, DAY, periodOf } from './billing-fixtures';

/**
 * The subscriber's billing life as Billfold's portal drives it (issue 5): upgrades charged at
 * once, and what happens when that charge fails; a renewal on a card that fails or needs
 * 3-D Secure; paying the open invoice with a new card.
 */

const t = isolatedSandbox();
const f = billingFixtures(t);
const HOUR = 3600;

async function setBillingSettings(settings: Record<string, unknown>) {
  const response = await fetch(`${t.server.url}/_sandbox/billing`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(settings) });
  expect(response.status).toBe(200);
}

async function advanceCustomer(customerId: string, body: { days: number } | { to: number }): Promise<Stripe.TestHelpers.TestClock> {
  const response = await fetch(`${t.server.url}/_sandbox/customers/${customerId}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as Stripe.TestHelpers.TestClock;
}

/** The invoice's PaymentIntent, paid in the browser as Stripe.js would: publishable key and client secret. */
async function payInvoiceInBrowser(invoiceId: string, card: Stripe.PaymentMethod, extra: Partial<Stripe.PaymentIntentConfirmParams> = {}) {
  const invoice = await t.stripe.invoices.retrieve(invoiceId, { expand: ['confirmation_secret'] });
  const clientSecret = String(invoice.confirmation_secret?.client_secret);
  const intentId = clientSecret.split('_secret_')[0] as string;
  return t.publishable.paymentIntents.confirm(intentId, { payment_method: card.id, client_secret: clientSecret, ...extra } as Stripe.PaymentIntentConfirmParams);
}

/**
 * A $10/month Basic subscription on a clock, paid with 4242, ten days into April; then the
 * customer's default card becomes one that attaches but fails every charge.
 */
async function basicThenFailingCard() {
  const clock = await f.clock();
  const basic = await f.price(1000, { name: 'Basic' });
  const team = await f.price(3000, { name: 'Team' });
  const { customer } = await f.customerWithCard('4242424242424242', { clock });
  const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
  await f.advance(clock, APRIL_1 + 10 * DAY);
  const failing = await t.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
  await t.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
  const item = subscription.items.data[0] as Stripe.SubscriptionItem;
  return { clock, customer, subscription, basic, team, item };
}

describe('upgrading with proration_behavior=always_invoice when the charge fails', () => {
  it('pending_if_incomplete keeps the old plan, shows the change as pending_update, and applies it once the invoice is paid', async () => {
    const { subscription, basic, team, item } = await basicThenFailingCard();
    const answered = await t.stripe.subscriptions.update(subscription.id, {
      items: [{ id: item.id, price: team.id }],
      proration_behavior: 'always_invoice',
      payment_behavior: 'pending_if_incomplete',
      expand: ['latest_invoice'],
    });
    expect(answered.status).toBe('active');
    expect(answered.items.data.map((current) => current.price.id)).toEqual([basic.id]);
    expect(answered.pending_update).toMatchObject({ expires_at: APRIL_1 + 10 * DAY + 23 * HOUR, billing_cycle_anchor: null });
    expect(answered.pending_update?.subscription_items?.map((pending) => pending.price.id)).toEqual([team.id]);
    const invoice = answered.latest_invoice as Stripe.Invoice;
    // 20 of 30 days: $6.67 back on Basic, $20.00 due on Team.
    expect(invoice).toMatchObject({ status: 'open', amount_due: 1333, billing_reason: 'subscription_update', attempt_count: 1 });
    expect(await f.eventsFor(invoice.id, 'invoice.payment_failed')).toHaveLength(1);

    const card = await f.card('4242424242424242');
    expect((await payInvoiceInBrowser(invoice.id, card)).status).toBe('succeeded');
    const upgraded = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(upgraded).toMatchObject({ status: 'active', pending_update: null, latest_invoice: invoice.id });
    expect(upgraded.items.data.map((current) => current.price.id)).toEqual([team.id]);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.pending_update_applied')).toHaveLength(1);
  });

  it('a pending update nobody pays expires after 23 hours: the invoice is voided and the plan stays', async () => {
    const { clock, subscription, basic, team, item } = await basicThenFailingCard();
    const answered = await t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: team.id }], proration_behavior: 'always_invoice', payment_behavior: 'pending_if_incomplete' });
    await f.advance(clock, APRIL_1 + 11 * DAY);
    const after = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(after).toMatchObject({ status: 'active', pending_update: null });
    expect(after.items.data.map((current) => current.price.id)).toEqual([basic.id]);
    expect((await t.stripe.invoices.retrieve(String(answered.latest_invoice))).status).toBe('void');
    expect(await f.eventsFor(subscription.id, 'customer.subscription.pending_update_expired')).toHaveLength(1);
  });

  it('pending_if_incomplete takes only what a pending update may change', async () => {
    const { subscription, team, item } = await basicThenFailingCard();
    const error = await stripeError(
      t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: team.id }], payment_behavior: 'pending_if_incomplete', metadata: { plan: 'team' } }),
    );
    expect(error).toMatchObject({ statusCode: 400, param: 'metadata' });
    const create = await stripeError(t.stripe.subscriptions.create({ customer: String(subscription.customer), items: [{ price: team.id }], payment_behavior: 'pending_if_incomplete' }));
    expect(create).toMatchObject({ statusCode: 400, param: 'payment_behavior' });
  });

  it('error_if_incomplete refuses the upgrade with the card error and changes nothing', async () => {
    const { subscription, basic, team, item } = await basicThenFailingCard();
    const error = await stripeError(t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: team.id }], proration_behavior: 'always_invoice', payment_behavior: 'error_if_incomplete' }));
    expect(error).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined' });
    const unchanged = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(unchanged.items.data.map((current) => current.price.id)).toEqual([basic.id]);
    expect(unchanged.status).toBe('active');
    expect(await f.invoicesOf(subscription)).toHaveLength(1);
  });

  it('allow_incomplete (the default) applies the upgrade and leaves the subscription past_due with the open invoice', async () => {
    const { subscription, team, item } = await basicThenFailingCard();
    const upgraded = await t.stripe.subscriptions.update(subscription.id, { items: [{ id: item.id, price: team.id }], proration_behavior: 'always_invoice', expand: ['latest_invoice'] });
    expect(upgraded.items.data.map((current) => current.price.id)).toEqual([team.id]);
    expect(upgraded.status).toBe('past_due');
    expect(upgraded.latest_invoice).toMatchObject({ status: 'open', amount_due: 1333 });
  });
});

describe('a renewal on a card that fails (pm_card_chargeCustomerFail as the default payment method)', () => {
  afterEach(async () => {
    await setBillingSettings({ retryDays: [3, 5, 7], afterFinalFailure: 'cancel' });
  });

  /** A wall-clock subscriber, as the app creates them, whose default card then starts failing. */
  async function subscriberWithFailingCard() {
    const price = await f.price(1900, { name: 'Pro' });
    const { customer } = await f.customerWithCard('4242424242424242', { email: 'dunning@example.com' });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const failing = await t.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await t.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    return { customer, subscription };
  }

  it('goes past_due, and paying the open invoice through its confirmation secret with a new card (saved for later) makes it active again', async () => {
    const { customer, subscription } = await subscriberWithFailingCard();
    const { end } = periodOf(subscription);
    await advanceCustomer(customer.id, { to: end + 2 * HOUR });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const open = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(open).toMatchObject({ status: 'open', billing_reason: 'subscription_cycle', attempt_count: 1, next_payment_attempt: end + HOUR + 3 * DAY });
    expect(await f.eventsFor(open.id, 'invoice.payment_failed')).toHaveLength(1);

    const card = await f.card('5555555555554444');
    const paid = await payInvoiceInBrowser(open.id, card, { setup_future_usage: 'off_session' });
    expect(paid).toMatchObject({ status: 'succeeded', amount_received: 1900 });
    expect(await t.stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'paid', amount_paid: 1900, next_payment_attempt: null });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    // The card is the customer's now, ready to become the default for the next renewals.
    expect((await t.stripe.paymentMethods.retrieve(card.id)).customer).toBe(customer.id);
    const update = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).at(-1);
    expect(update?.data.previous_attributes).toMatchObject({ status: 'past_due' });
  });

  it('retries on the account’s schedule and ends as its settings say', async () => {
    await setBillingSettings({ retryDays: [1, 2], afterFinalFailure: 'unpaid' });
    const { customer, subscription } = await subscriberWithFailingCard();
    const { end } = periodOf(subscription);
    await advanceCustomer(customer.id, { to: end + 2 * HOUR });
    await advanceCustomer(customer.id, { days: 1 });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    await advanceCustomer(customer.id, { days: 1 });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('unpaid');
    const open = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(await t.stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'open', attempt_count: 3, next_payment_attempt: null });
    expect(await f.eventsFor(open.id, 'invoice.payment_failed')).toHaveLength(3);
  });
});

describe('a renewal on a card that needs 3-D Secure', () => {
  it('waits in requires_action with invoice.payment_action_required; authenticating pays it', async () => {
    const clock = await f.clock();
    const price = await f.price(2500);
    const { customer } = await f.customerWithCard('4000002760003184', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 7 });
    await f.advance(clock, APRIL_1 + 7 * DAY + 2 * HOUR);

    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const invoice = (await f.invoicesOf(subscription))[1] as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'open', amount_due: 2500, attempt_count: 1, next_payment_attempt: APRIL_1 + 7 * DAY + HOUR + 3 * DAY });
    expect(await f.eventsFor(invoice.id, 'invoice.payment_action_required')).toHaveLength(1);
    expect(await f.eventsFor(invoice.id, 'invoice.payment_failed')).toHaveLength(1);

    // The customer comes back on-session and authenticates the invoice's PaymentIntent.
    const withSecret = await t.stripe.invoices.retrieve(invoice.id, { expand: ['confirmation_secret'] });
    const clientSecret = String(withSecret.confirmation_secret?.client_secret);
    const intentId = clientSecret.split('_secret_')[0] as string;
    const intent = await t.publishable.paymentIntents.retrieve(intentId, { client_secret: clientSecret } as Stripe.PaymentIntentRetrieveParams);
    expect(intent).toMatchObject({ status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
    const challenge = await fetch(`${t.server.url}/3ds/challenge/${intentId}/complete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_secret: clientSecret }),
    });
    expect(challenge.status).toBe(200);
    expect(await t.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_paid: 2500 });
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });
});
