import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { isolatedSandbox, stripeError } from '@/test/sandbox';
import { DECLINES, TEST_CARDS, type Decline, type TestCard } from '../test-cards';

/**
 * One contract test per row of Stripe's testing table (test-cards.ts), and one per documented
 * `pm_card_…` and `tok_…` id: each pays through the official SDK and gets what the row promises.
 */
const t = isolatedSandbox();
// Every row pays on its own objects, so many run at once against the one sandbox.
vi.setConfig({ maxConcurrency: 12 });

type Promise_ =
  | { kind: 'pays' }
  | { kind: 'declines'; decline: Decline; blocked?: boolean }
  | { kind: 'authenticates'; then: 'pays' | Decline }
  | { kind: 'attaches_then_declines'; decline: Decline }
  | { kind: 'incorrect_number' };

/** What paying with the row's card does, given whether a CVC was sent (the CVC check runs only then). */
function promiseOf(card: TestCard, cvcGiven: boolean): Promise_ {
  const behaviour = card.behaviour;
  switch (behaviour.kind) {
    case 'succeeds':
      return card.checks?.cvc && cvcGiven ? { kind: 'declines', decline: DECLINES.incorrectCvc } : { kind: 'pays' };
    case 'declines':
      return { kind: 'declines', decline: behaviour };
    case 'blocked':
      return { kind: 'declines', decline: behaviour, blocked: true };
    case 'authenticate_on_setup':
    case 'authenticate_on_session':
      return { kind: 'authenticates', then: 'pays' };
    case 'authenticate_always':
      return { kind: 'authenticates', then: behaviour.then ?? 'pays' };
    case 'attach_then_decline':
      return { kind: 'attaches_then_declines', decline: behaviour.then ?? DECLINES.generic };
    case 'incorrect_number':
      return { kind: 'incorrect_number' };
  }
}

function said(promise: Promise_, card: TestCard): string {
  const pair = (decline: Decline) => `${decline.code}/${decline.declineCode}`;
  switch (promise.kind) {
    case 'pays': {
      const extras = [card.risk && `risk ${card.risk}`, card.checks && 'its forced checks', card.dispute && `then ${card.dispute.replaceAll('_', ' ')}`, card.refund && `refund ${card.refund.replaceAll('_', ' ')}`]
        .filter(Boolean)
        .join(', ');
      return `pays as a ${card.country} ${card.brand} ${card.funding} card${extras ? ` (${extras})` : ''}`;
    }
    case 'declines':
      return `${promise.blocked ? 'is blocked by Radar' : 'declines'} with ${pair(promise.decline)}`;
    case 'authenticates':
      return `asks for 3-D Secure, then ${promise.then === 'pays' ? 'pays' : `declines with ${pair(promise.then)}`}`;
    case 'attaches_then_declines':
      return `attaches to a customer, then declines with ${pair(promise.decline)}`;
    case 'incorrect_number':
      return 'is refused as incorrect_number (it fails the Luhn check)';
  }
}

const BILLING = { name: 'Test Cardholder', address: { line1: '1 Test Street', postal_code: '94103', country: 'US' } };

async function completeChallenge(intent: Stripe.PaymentIntent) {
  const response = await fetch(`${t.server.url}/3ds/challenge/${intent.id}/complete`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_secret: String(intent.client_secret) }),
  });
  expect(response.status).toBe(200);
}

async function expectDeclined(promise: Promise<unknown>, intentId: string | undefined, decline: Decline, blocked = false) {
  const error = await stripeError(promise);
  expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
  expect({ code: error.code, decline_code: error.decline_code, message: error.message }).toEqual({ code: decline.code, decline_code: decline.declineCode, message: decline.message });
  const id = intentId ?? error.payment_intent?.id;
  const intent = await t.stripe.paymentIntents.retrieve(String(id));
  expect(intent.status).toBe('requires_payment_method');
  expect(intent.amount_received).toBe(0);
  expect(intent.last_payment_error?.decline_code).toBe(decline.declineCode);
  const charge = await t.stripe.charges.retrieve(String(intent.latest_charge));
  expect(charge).toMatchObject({ status: 'failed', paid: false, captured: false });
  if (blocked) expect(charge.outcome).toMatchObject({ type: 'blocked', risk_level: 'highest', network_status: 'not_sent_to_network' });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (done(value) || attempt > 60) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The after-effects a paying row promises: risk, checks, disputes, refunds. */
async function expectPaid(card: TestCard, intent: Stripe.PaymentIntent, addressGiven: boolean) {
  expect(intent.status).toBe('succeeded');
  const charge = await t.stripe.charges.retrieve(String(intent.latest_charge));
  expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true, amount_captured: intent.amount });
  expect(charge.payment_method_details?.card).toMatchObject({ brand: card.brand, funding: card.funding, country: card.country });
  if (card.number) expect(charge.payment_method_details?.card?.last4).toBe(card.number.slice(-4));
  expect(charge.outcome?.risk_level).toBe(card.risk ?? 'normal');
  if (addressGiven && card.checks) {
    expect(charge.payment_method_details?.card?.checks).toMatchObject({
      ...(card.checks.postalCode ? { address_postal_code_check: card.checks.postalCode } : {}),
      ...(card.checks.line1 ? { address_line1_check: card.checks.line1 } : {}),
    });
  }
  if (card.dispute === 'early_fraud_warning') {
    const warnings = await t.stripe.radar.earlyFraudWarnings.list({ charge: charge.id });
    expect(warnings.data).toMatchObject([{ charge: charge.id, actionable: true }]);
  } else if (card.dispute) {
    const disputes = (await t.stripe.disputes.list({ charge: charge.id })).data;
    const expected = {
      fraudulent: [{ reason: 'fraudulent', status: 'needs_response' }],
      product_not_received: [{ reason: 'product_not_received', status: 'needs_response' }],
      inquiry: [{ status: 'warning_needs_response' }],
      multiple: [{ status: 'needs_response' }, { status: 'needs_response' }],
      visa_ce3: [{ reason: 'fraudulent', enhanced_eligibility_types: ['visa_compelling_evidence_3'] }],
      visa_compliance: [{ reason: 'noncompliant', enhanced_eligibility_types: ['visa_compliance'] }],
    }[card.dispute];
    expect(disputes).toHaveLength(expected.length);
    for (const shape of expected) expect(disputes).toContainEqual(expect.objectContaining(shape));
  }
  if (card.refund) {
    const refund = await t.stripe.refunds.create({ payment_intent: intent.id });
    const [first, last] = card.refund === 'pending_then_succeeds' ? ['pending', 'succeeded'] : ['succeeded', 'failed'];
    expect(refund.status).toBe(first);
    const settled = await until(() => t.stripe.refunds.retrieve(refund.id), (r) => r.status === last);
    expect(settled.status).toBe(last);
    if (last === 'failed') {
      expect(settled.failure_reason).toBe('expired_or_canceled_card');
      expect((await t.stripe.charges.retrieve(charge.id)).amount_refunded).toBe(0);
    }
  }
}

/** Pays with a PaymentMethod and checks the row's promise; `fresh` gives a PaymentMethod id (a stored one, or a pm_card_ shortcut). */
async function expectPromise(card: TestCard, promise: Promise_, fresh: () => Promise<string>, addressGiven: boolean) {
  if (promise.kind === 'incorrect_number') {
    const error = await stripeError(fresh());
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.code).toBe('incorrect_number');
    return;
  }
  if (promise.kind === 'attaches_then_declines') {
    const customer = await t.stripe.customers.create({ email: 'attach@example.com' });
    const paymentMethod = await t.stripe.paymentMethods.attach(await fresh(), { customer: customer.id });
    expect(paymentMethod.customer).toBe(customer.id);
    const intent = await t.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id });
    await expectDeclined(t.stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod.id }), intent.id, promise.decline);
    return;
  }
  const paymentMethod = await fresh();
  const intent = await t.stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
  const confirm = t.stripe.paymentIntents.confirm(intent.id, { payment_method: paymentMethod });
  if (promise.kind === 'declines') return expectDeclined(confirm, intent.id, promise.decline, promise.blocked);
  const confirmed = await confirm;
  if (promise.kind === 'pays') return expectPaid(card, confirmed, addressGiven);
  expect(confirmed.status).toBe('requires_action');
  expect(confirmed.next_action?.type).toBe('use_stripe_sdk');
  await completeChallenge(confirmed);
  const finished = await t.stripe.paymentIntents.retrieve(intent.id);
  if (promise.then === 'pays') {
    expect(finished.status).toBe('succeeded');
    const charge = await t.stripe.charges.retrieve(String(finished.latest_charge));
    expect(charge.payment_method_details?.card?.three_d_secure?.result).toBe('authenticated');
  } else {
    expect(finished.status).toBe('requires_payment_method');
    expect(finished.last_payment_error).toMatchObject({ code: promise.then.code, decline_code: promise.then.declineCode });
  }
}

const numbered = TEST_CARDS.filter((card): card is TestCard & { number: string } => card.number !== undefined);
const rows = numbered.map((card) => ({ title: `${card.number} (${card.description}) ${said(promiseOf(card, true), card)}`, card }));

describe.concurrent('every card number on the testing page', () => {
  it.each(rows)('$title', async ({ card }) => {
    const year = new Date().getFullYear() + 2;
    const create = async () => {
      const paymentMethod = await t.publishable.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: 12, exp_year: year, cvc: '123' }, billing_details: BILLING });
      expect(paymentMethod.card).toMatchObject({ brand: card.brand, funding: card.funding, country: card.country, last4: card.number.slice(-4) });
      return paymentMethod.id;
    };
    await expectPromise(card, promiseOf(card, true), create, true);
  });
});

const shortcuts = TEST_CARDS.flatMap((card) => [
  ...(card.paymentMethods ?? []).map((id) => ({ id, card, create: () => Promise.resolve(id) })),
  ...(card.tokens ?? []).map((id) => ({ id, card, create: async () => (await t.stripe.paymentMethods.create({ type: 'card', card: { token: id } })).id })),
]);
const shortcutRows = shortcuts.map(({ id, card, create }) => ({ title: `${id} (${card.description}) ${said(promiseOf(card, true), card)}`, card, create }));

describe.concurrent('every pm_card_ and tok_ id on the testing page', () => {
  it.each(shortcutRows)('$title', async ({ card, create }) => {
    await expectPromise(card, promiseOf(card, true), create, false);
  });
});

describe('cards the testing page does not list', () => {
  it('declines a real (live) card number as test mode does, with test_mode_live_card, and stores nothing to charge', async () => {
    const year = new Date().getFullYear() + 2;
    const error = await stripeError(t.publishable.paymentMethods.create({ type: 'card', card: { number: '4111111111111111', exp_month: 12, exp_year: year, cvc: '123' } }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect({ code: error.code, decline_code: error.decline_code, message: error.message }).toEqual({
      code: 'card_declined',
      decline_code: 'test_mode_live_card',
      message: 'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
    });
  });
});

describe('dispute evidence', () => {
  it.each([
    ['winning_evidence', 'won'],
    ['losing_evidence', 'lost'],
  ] as const)('submitting %s closes the dispute as %s', async (evidence, status) => {
    const intent = await t.stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_createDispute', confirm: true });
    const [dispute] = (await t.stripe.disputes.list({ charge: String(intent.latest_charge) })).data;
    const closed = await t.stripe.disputes.update(String(dispute?.id), { evidence: { uncategorized_text: evidence }, submit: true });
    expect(closed.status).toBe(status);
  });
});
