import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';
import { billingFixtures } from './billing-fixtures';

const t = isolatedSandbox();
const f = billingFixtures(t);

/** Presses "Complete" or "Fail" on the sandbox's 3-D Secure page, as the cardholder would. */
async function answerChallenge(intent: Stripe.SetupIntent, outcome: 'complete' | 'fail', returnUrl?: string) {
  return fetch(`${t.server.url}/3ds/challenge/${intent.id}/${outcome}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_secret: String(intent.client_secret), ...(returnUrl ? { return_url: returnUrl } : {}) }),
  });
}

describe('setup intents', () => {
  it('4000 0025 0000 3155 asks for 3-D Secure on setup, then pays off-session without a challenge', async () => {
    const customer = await t.stripe.customers.create({ email: 'saver@example.com' });
    const card = await f.card('4000002500003155');
    const intent = await t.stripe.setupIntents.create({ customer: customer.id, payment_method: card.id, confirm: true, usage: 'off_session' });
    expect(intent.status).toBe('requires_action');
    expect(intent.next_action?.type).toBe('use_stripe_sdk');
    const challengeUrl = String((intent.next_action?.use_stripe_sdk as { stripe_js?: string }).stripe_js);
    expect(challengeUrl).toContain(`/3ds/challenge/${intent.id}`);
    const page = await fetch(challengeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('saving this card');

    const done = await answerChallenge(intent, 'complete');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`"setupIntent":"${intent.id}"`);
    const succeeded = await t.stripe.setupIntents.retrieve(intent.id);
    expect(succeeded).toMatchObject({ status: 'succeeded', payment_method: card.id, next_action: null });
    expect((await t.stripe.paymentMethods.retrieve(card.id)).customer).toBe(customer.id);

    const later = await t.stripe.paymentIntents.create({ amount: 4900, currency: 'eur', customer: customer.id, payment_method: card.id, off_session: true, confirm: true });
    expect(later.status).toBe('succeeded');

    const types = (await f.eventsFor(intent.id)).map((event) => event.type);
    expect(types).toEqual(['setup_intent.created', 'setup_intent.requires_action', 'setup_intent.succeeded']);
  });

  it('Stripe.js reads and confirms with the publishable key and the client secret, and nothing else', async () => {
    const customer = await t.stripe.customers.create({ email: 'browser@example.com' });
    const intent = await t.stripe.setupIntents.create({ customer: customer.id, automatic_payment_methods: { enabled: true }, metadata: { purpose: 'wallet' } });
    expect(intent).toMatchObject({ status: 'requires_payment_method', usage: 'off_session', metadata: { purpose: 'wallet' } });
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    const read = await t.publishable.setupIntents.retrieve(intent.id, { client_secret: String(intent.client_secret) });
    expect(read.id).toBe(intent.id);
    const wrong = await stripeError(t.publishable.setupIntents.retrieve(intent.id, { client_secret: `${intent.id}_secret_nope` }));
    expect(wrong.statusCode).toBe(404);
    const notAllowed = await stripeError(t.publishable.setupIntents.list());
    expect(notAllowed.statusCode).toBe(401);

    const card = await f.card('4242424242424242');
    const confirmed = await t.publishable.setupIntents.confirm(intent.id, { payment_method: card.id, client_secret: String(intent.client_secret) } as Stripe.SetupIntentConfirmParams);
    expect(confirmed.status).toBe('succeeded');
    const again = await stripeError(t.stripe.setupIntents.confirm(intent.id, { payment_method: card.id }));
    expect(again).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });
  });

  it('a declined card fails the setup with last_setup_error and setup_intent.setup_failed', async () => {
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({ customer: customer.id });
    const card = await f.card('4000000000000002');
    const error = await stripeError(t.stripe.setupIntents.confirm(intent.id, { payment_method: card.id }));
    expect(error).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline' });
    expect((error.raw as { setup_intent?: { id: string } }).setup_intent?.id).toBe(intent.id);
    const failed = await t.stripe.setupIntents.retrieve(intent.id);
    expect(failed).toMatchObject({ status: 'requires_payment_method', payment_method: null });
    expect(failed.last_setup_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
    expect(await f.eventsFor(intent.id, 'setup_intent.setup_failed')).toHaveLength(1);
    expect((await t.stripe.paymentMethods.retrieve(card.id)).customer).toBeNull();

    const retried = await t.stripe.setupIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
  });

  it('failing the challenge asks for another card; with a return_url the page redirects there', async () => {
    const card = await f.card('4000002760003184');
    const intent = await t.stripe.setupIntents.create({ payment_method: card.id, confirm: true, return_url: 'https://shop.example/account/cards' });
    expect(intent.next_action?.type).toBe('redirect_to_url');
    expect(intent.next_action?.redirect_to_url?.return_url).toBe('https://shop.example/account/cards');
    const response = await answerChallenge(intent, 'fail', 'https://shop.example/account/cards');
    expect(response.status).toBe(303);
    const location = new URL(String(response.headers.get('location')));
    expect(location.searchParams.get('setup_intent')).toBe(intent.id);
    expect(location.searchParams.get('setup_intent_client_secret')).toBe(intent.client_secret);
    expect(location.searchParams.get('redirect_status')).toBe('failed');
    const failed = await t.stripe.setupIntents.retrieve(intent.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_setup_error?.code).toBe('setup_intent_authentication_failure');
  });

  it('updates, cancels and lists', async () => {
    const customer = await t.stripe.customers.create();
    const intent = await t.stripe.setupIntents.create({ customer: customer.id, allowed_payment_method_types: ['card'] });
    expect(intent).toMatchObject({ automatic_payment_methods: null, allowed_payment_method_types: ['card'], payment_method_types: ['card'] });
    const updated = await t.stripe.setupIntents.update(intent.id, { payment_method: 'pm_card_visa', metadata: { step: '2' } });
    expect(updated).toMatchObject({ status: 'requires_confirmation', metadata: { step: '2' } });
    const canceled = await t.stripe.setupIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(await f.eventsFor(intent.id, 'setup_intent.canceled')).toHaveLength(1);
    const twice = await stripeError(t.stripe.setupIntents.cancel(intent.id));
    expect(twice).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });

    const other = await t.stripe.setupIntents.create({ customer: customer.id });
    const listed = await t.stripe.setupIntents.list({ customer: customer.id });
    expect(listed.data.map((item) => item.id)).toEqual([other.id, intent.id]);
    const unknown = await stripeError(t.stripe.setupIntents.create({ customer: customer.id, usage: 'sometimes' as 'on_session' }));
    expect(unknown).toMatchObject({ statusCode: 400, param: 'usage' });
  });
});
