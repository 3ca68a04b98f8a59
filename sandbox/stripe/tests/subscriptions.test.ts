import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { eventually, isolatedSandbox, stripeError, webhookReceiver } from '@/test/sandbox';
import { APRIL_1, billingFixtures, DAY, periodOf } from './billing-fixtures';

const t = isolatedSandbox();
const f = billingFixtures(t);

function latestInvoice(subscription: Stripe.Subscription): Stripe.Invoice {
  const invoice = subscription.latest_invoice;
  if (!invoice || typeof invoice === 'string') throw new Error('latest_invoice was not expanded');
  return invoice;
}

describe('subscribing', () => {
  it('default_incomplete: confirming the first invoice’s PaymentIntent makes the subscription active and the invoice paid', async () => {
    const price = await f.price(1500);
    const { customer } = await f.customerWithCard(null, { email: 'first@example.com' });
    const subscription = await t.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice.confirmation_secret'],
    });
    expect(subscription.status).toBe('incomplete');
    const invoice = latestInvoice(subscription);
    expect(invoice).toMatchObject({ status: 'open', amount_due: 1500, billing_reason: 'subscription_create', collection_method: 'charge_automatically' });
    expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
    expect(invoice.number).toMatch(new RegExp(`^${customer.invoice_prefix}-0001$`));
    const clientSecret = String(invoice.confirmation_secret?.client_secret);
    expect(invoice.confirmation_secret?.type).toBe('payment_intent');

    // Without expand, the confirmation secret is not part of the invoice, as at Stripe.
    const plain = await t.stripe.invoices.retrieve(invoice.id);
    expect(plain).not.toHaveProperty('confirmation_secret');

    // The browser confirms the PaymentIntent with the publishable key, as Stripe.js would.
    const intentId = clientSecret.split('_secret_')[0] as string;
    const card = await f.card('4242424242424242');
    const confirmed = await t.publishable.paymentIntents.confirm(intentId, { payment_method: card.id, client_secret: clientSecret } as Stripe.PaymentIntentConfirmParams);
    expect(confirmed.status).toBe('succeeded');

    const active = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(active.status).toBe('active');
    expect(active.default_payment_method).toBe(card.id);
    const paid = await t.stripe.invoices.retrieve(invoice.id, { expand: ['payments'] });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1500, amount_remaining: 0 });
    expect(paid.payments?.data[0]?.payment).toMatchObject({ type: 'payment_intent', payment_intent: intentId });
    expect((await t.stripe.paymentMethods.retrieve(card.id)).customer).toBe(customer.id);

    const updates = await f.eventsFor(subscription.id, 'customer.subscription.updated');
    expect(updates.some((event) => (event.data.previous_attributes as Partial<Stripe.Subscription>).status === 'incomplete')).toBe(true);
    expect(await f.eventsFor(invoice.id, 'invoice.paid')).toHaveLength(1);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.created')).toHaveLength(1);
    const payments = await t.stripe.invoicePayments.list({ invoice: invoice.id });
    expect(payments.data[0]).toMatchObject({ status: 'paid', amount_paid: 1500 });
    expect(await f.eventsFor(String(payments.data[0]?.id), 'invoice_payment.paid')).toHaveLength(1);
  });

  it('a first payment that needs 3-D Secure activates the subscription once the challenge is completed', async () => {
    const price = await f.price(2900, { currency: 'eur' });
    const { customer } = await f.customerWithCard(null);
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete', expand: ['latest_invoice.confirmation_secret'] });
    const invoice = latestInvoice(subscription);
    const clientSecret = String(invoice.confirmation_secret?.client_secret);
    const intentId = clientSecret.split('_secret_')[0] as string;
    const card = await f.card('4000002500003155');
    const challenge = async (outcome: 'complete' | 'fail') =>
      fetch(`${t.server.url}/3ds/challenge/${intentId}/${outcome}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_secret: clientSecret }) });

    const first = await t.publishable.paymentIntents.confirm(intentId, { payment_method: card.id, client_secret: clientSecret } as Stripe.PaymentIntentConfirmParams);
    expect(first.status).toBe('requires_action');
    expect(await f.eventsFor(invoice.id, 'invoice.payment_action_required')).toHaveLength(1);
    expect((await challenge('fail')).status).toBe(200);
    expect(await f.eventsFor(invoice.id, 'invoice.payment_failed')).toHaveLength(1);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('incomplete');

    const second = await t.publishable.paymentIntents.confirm(intentId, { payment_method: card.id, client_secret: clientSecret } as Stripe.PaymentIntentConfirmParams);
    expect(second.status).toBe('requires_action');
    expect((await challenge('complete')).status).toBe(200);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
    expect(await t.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_paid: 2900, attempt_count: 2 });
  });

  it('allow_incomplete charges the customer’s default card at once', async () => {
    const price = await f.price(900);
    const { customer } = await f.customerWithCard('4242424242424242');
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }], expand: ['latest_invoice'] });
    expect(subscription.status).toBe('active');
    expect(latestInvoice(subscription)).toMatchObject({ status: 'paid', amount_paid: 1800, total: 1800 });
    expect(subscription.items.data[0]).toMatchObject({ quantity: 2, price: { id: price.id }, plan: { id: price.id, interval: 'month' } });
    const period = periodOf(subscription);
    expect(period.start).toBe(subscription.start_date);
    expect(subscription.billing_cycle_anchor).toBe(period.start);
  });

  it('allow_incomplete with a declined card leaves the subscription incomplete with an open invoice', async () => {
    const price = await f.price(900);
    const { customer } = await f.customerWithCard('4000000000000341');
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
    expect(subscription.status).toBe('incomplete');
    expect(latestInvoice(subscription)).toMatchObject({ status: 'open', attempt_count: 1, attempted: true });
    expect(await f.eventsFor(latestInvoice(subscription).id, 'invoice.payment_failed')).toHaveLength(1);
  });

  it('error_if_incomplete refuses a declined first payment with a card error and creates nothing', async () => {
    const price = await f.price(900);
    const { customer } = await f.customerWithCard('4000000000000341');
    const error = await stripeError(t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'error_if_incomplete' }));
    expect(error.statusCode).toBe(402);
    expect(error.type).toBe('StripeCardError');
    expect(error.code).toBe('card_declined');
    const all = await t.stripe.subscriptions.list({ customer: customer.id, status: 'all' });
    expect(all.data).toHaveLength(0);
  });

  it('refuses to charge automatically when the customer has no payment method', async () => {
    const price = await f.price(900);
    const { customer } = await f.customerWithCard(null);
    const error = await stripeError(t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }));
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('no attached payment source or default payment method');
  });

  it('an incomplete subscription expires 23 hours later and its invoice is voided', async () => {
    const clock = await f.clock();
    const price = await f.price(1500);
    const { customer } = await f.customerWithCard(null, { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete' });
    expect(subscription.created).toBe(APRIL_1);
    await f.advance(clock, APRIL_1 + 22 * 3600);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('incomplete');
    await f.advance(clock, APRIL_1 + 24 * 3600);
    const expired = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(expired).toMatchObject({ status: 'incomplete_expired', ended_at: APRIL_1 + 23 * 3600 });
    expect((await t.stripe.invoices.retrieve(String(subscription.latest_invoice))).status).toBe('void');
    const updated = await f.eventsFor(subscription.id, 'customer.subscription.updated');
    expect(updated.at(-1)?.data.previous_attributes).toMatchObject({ status: 'incomplete' });
  });

  it('refuses bad input with Stripe-shaped errors', async () => {
    const price = await f.price(900);
    const { customer } = await f.customerWithCard('4242424242424242');

    const unknownPrice = await stripeError(t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_doesnotexist' }] }));
    expect(unknownPrice).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'items[0][price]' });
    expect(unknownPrice.message).toBe("No such price: 'price_doesnotexist'");

    const unknownParam = await stripeError(t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], colour: 'blue' } as Stripe.SubscriptionCreateParams));
    expect(unknownParam).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'colour', message: 'Received unknown parameter: colour' });

    const wrongType = await stripeError(t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 'two' as unknown as number }] }));
    expect(wrongType).toMatchObject({ statusCode: 400, param: 'items[0][quantity]', message: 'Invalid integer: two' });

    const oneTime = await t.stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Sticker' } });
    const notRecurring = await stripeError(t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: oneTime.id }] }));
    expect(notRecurring).toMatchObject({ statusCode: 400, param: 'items[0][price]' });

    const unknownCustomer = await stripeError(t.stripe.subscriptions.create({ customer: 'cus_nope', items: [{ price: price.id }] }));
    expect(unknownCustomer).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'customer' });

    const missing = await stripeError(t.stripe.subscriptions.retrieve('sub_missing'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('trials', () => {
  it('a trial starts trialing with a $0 paid invoice and a pending SetupIntent for default_incomplete', async () => {
    const price = await f.price(2000);
    const { customer } = await f.customerWithCard(null);
    const subscription = await t.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['latest_invoice', 'pending_setup_intent'],
    });
    expect(subscription.status).toBe('trialing');
    expect(subscription.trial_end).toBe(Number(subscription.trial_start) + 14 * DAY);
    expect(periodOf(subscription).end).toBe(subscription.trial_end);
    expect(latestInvoice(subscription)).toMatchObject({ status: 'paid', total: 0, amount_due: 0 });
    expect(latestInvoice(subscription).lines.data[0]?.description).toBe('Trial period for Pro plan');

    const setupIntent = subscription.pending_setup_intent as Stripe.SetupIntent;
    const card = await f.card('4242424242424242');
    const confirmed = await t.publishable.setupIntents.confirm(setupIntent.id, { payment_method: card.id, client_secret: String(setupIntent.client_secret) } as Stripe.SetupIntentConfirmParams);
    expect(confirmed.status).toBe('succeeded');
    const after = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(after).toMatchObject({ pending_setup_intent: null, default_payment_method: card.id, status: 'trialing' });
  });
});

describe('ending a trial early', () => {
  it('trial_end=now starts the first paid period at once, with nothing credited for the trial', async () => {
    const clock = await f.clock();
    const price = await f.price(2000);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14 });
    await f.advance(clock, APRIL_1 + 4 * DAY);
    const ended = await t.stripe.subscriptions.update(subscription.id, { trial_end: 'now', expand: ['latest_invoice'] });
    expect(ended).toMatchObject({ status: 'active', trial_end: APRIL_1 + 4 * DAY, billing_cycle_anchor: APRIL_1 + 4 * DAY });
    expect(periodOf(ended)).toEqual({ start: APRIL_1 + 4 * DAY, end: Date.UTC(2026, 4, 5) / 1000 });
    const invoice = ended.latest_invoice as Stripe.Invoice;
    expect(invoice.lines.data.map((line) => line.amount)).toEqual([2000]);
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 2000 });
  });
});

describe('changing and ending', () => {
  it('cancel_at_period_end, then past the period end: canceled with customer.subscription.deleted', async () => {
    const clock = await f.clock();
    const price = await f.price(1000);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const { end } = periodOf(subscription);
    await f.advance(clock, APRIL_1 + 5 * DAY);
    const canceling = await t.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: end, canceled_at: APRIL_1 + 5 * DAY });
    expect(canceling.cancellation_details?.reason).toBe('cancellation_requested');
    const update = (await f.eventsFor(subscription.id, 'customer.subscription.updated')).at(-1);
    expect(update?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null });

    await f.advance(clock, end + DAY);
    const canceled = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: end });
    expect(await f.eventsFor(subscription.id, 'customer.subscription.deleted')).toHaveLength(1);
    expect(await f.invoicesOf(subscription)).toHaveLength(1);
  });

  it('resuming before the end (cancel_at_period_end=false) keeps the subscription renewing', async () => {
    const clock = await f.clock();
    const price = await f.price(1000);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await t.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    const resumed = await t.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    const { end } = periodOf(subscription);
    await f.advance(clock, end + 2 * 3600);
    const renewed = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.status).toBe('active');
    expect(periodOf(renewed).start).toBe(end);
    expect(await f.eventsFor(subscription.id, 'customer.subscription.deleted')).toHaveLength(0);
  });

  it('cancels now with DELETE, crediting unused time with prorate and invoice_now', async () => {
    const clock = await f.clock();
    const price = await f.price(3000);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    await f.advance(clock, APRIL_1 + 10 * DAY);
    const canceled = await t.stripe.subscriptions.cancel(subscription.id, { prorate: true, invoice_now: true, cancellation_details: { comment: 'too pricey', feedback: 'too_expensive' } });
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: APRIL_1 + 10 * DAY, ended_at: APRIL_1 + 10 * DAY });
    expect(canceled.cancellation_details).toMatchObject({ reason: 'cancellation_requested', feedback: 'too_expensive', comment: 'too pricey' });
    const final = await t.stripe.invoices.retrieve(String(canceled.latest_invoice));
    // 20 of April's 30 days unused: a 2000 credit, kept on the customer's balance.
    expect(final).toMatchObject({ total: -2000, amount_due: 0, status: 'paid', ending_balance: -2000 });
    expect((await t.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ balance: -2000 });
    expect(await f.eventsFor(subscription.id, 'customer.subscription.deleted')).toHaveLength(1);
    const again = await stripeError(t.stripe.subscriptions.cancel(subscription.id));
    expect(again.statusCode).toBe(400);
  });

  it('pauses and resumes, billing a fresh period on resumption', async () => {
    const clock = await f.clock();
    const price = await f.price(1200);
    const { customer } = await f.customerWithCard('4242424242424242', { clock });
    const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const paused = await t.stripe.subscriptions.pause(subscription.id, { type: 'subscription' });
    expect(paused.status).toBe('paused');
    expect(await f.eventsFor(subscription.id, 'customer.subscription.paused')).toHaveLength(1);
    await f.advance(clock, APRIL_1 + 45 * DAY);
    expect((await t.stripe.subscriptions.retrieve(subscription.id)).status).toBe('paused');
    expect(await f.invoicesOf(subscription)).toHaveLength(1);

    const resumed = await t.stripe.subscriptions.resume(subscription.id, { billing_cycle_anchor: { type: 'now' } });
    expect(resumed.status).toBe('active');
    expect(periodOf(resumed).start).toBe(APRIL_1 + 45 * DAY);
    expect(resumed.billing_cycle_anchor).toBe(APRIL_1 + 45 * DAY);
    expect((await t.stripe.invoices.retrieve(String(resumed.latest_invoice))).status).toBe('paid');
    expect(await f.eventsFor(subscription.id, 'customer.subscription.resumed')).toHaveLength(1);
    const notPaused = await stripeError(t.stripe.subscriptions.resume(subscription.id));
    expect(notPaused.statusCode).toBe(400);
  });

  it('lists subscriptions by customer, status and price, leaving canceled ones out unless asked', async () => {
    const basic = await f.price(500, { name: 'Basic' });
    const pro = await f.price(1500, { name: 'Pro' });
    const { customer } = await f.customerWithCard('4242424242424242');
    const first = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const second = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: pro.id }] });
    await t.stripe.subscriptions.cancel(first.id);
    const current = await t.stripe.subscriptions.list({ customer: customer.id });
    expect(current.data.map((s) => s.id)).toEqual([second.id]);
    const all = await t.stripe.subscriptions.list({ customer: customer.id, status: 'all' });
    expect(all.data.map((s) => s.id)).toEqual([second.id, first.id]);
    const canceled = await t.stripe.subscriptions.list({ customer: customer.id, status: 'canceled' });
    expect(canceled.data.map((s) => s.id)).toEqual([first.id]);
    const byPrice = await t.stripe.subscriptions.list({ price: pro.id, status: 'all' });
    expect(byPrice.data.map((s) => s.id)).toEqual([second.id]);
  });
});

describe('webhooks', () => {
  it('deliver subscription, invoice and payment events signed, without the sandbox’s private bookkeeping', async () => {
    const receiver = await webhookReceiver();
    try {
      const endpoint = await t.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      const price = await f.price(1100);
      const { customer } = await f.customerWithCard('4242424242424242');
      const subscription = await t.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
      const wanted = ['customer.subscription.created', 'invoice.paid', 'payment_intent.succeeded', 'customer.subscription.updated'];
      const deliveries = await eventually(() => {
        const found = wanted.map((type) => receiver.received.find((delivery) => delivery.body.includes(`"type": "${type}"`) && delivery.body.includes(customer.id)));
        return found.every(Boolean) ? found : undefined;
      });
      for (const delivery of deliveries) {
        const event = t.stripe.webhooks.constructEvent(String(delivery?.body), String(delivery?.signature), String(endpoint.secret));
        expect(JSON.stringify(event)).not.toMatch(/"_sandbox"|"_includable"/);
      }
      expect(deliveries[0]?.body).toContain(subscription.id);
    } finally {
      await receiver.close();
    }
  });
});
