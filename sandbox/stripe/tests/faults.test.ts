import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { STRIPE_CLIENT_OPTIONS } from '@/lib/payments/stripe/client';
import { isolatedSandbox, SECRET_KEY, stripeError } from '@/test/sandbox';
import type { ArmedFault } from '../faults';

const t = isolatedSandbox();

interface ChaosAnswer {
  status: number;
  body: { faults?: ArmedFault[]; duplicateRate?: number; error?: { message: string } };
}

/** The admin call a tester makes: POST /_sandbox/chaos with JSON. */
async function chaos(body?: Record<string, unknown>): Promise<ChaosAnswer> {
  const response = await fetch(`${t.server.url}/_sandbox/chaos`, body ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {});
  return { status: response.status, body: (await response.json()) as ChaosAnswer['body'] };
}

async function armedFor(email: string): Promise<ArmedFault[]> {
  const { body } = await chaos();
  return (body.faults ?? []).filter((fault) => fault.email === email);
}

const emailFor = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** The SDK client exactly as the app configures it (lib/payments/stripe/client.ts), on this sandbox. */
function appClient(): Stripe {
  const { hostname, port } = new URL(t.server.url);
  return new Stripe(SECRET_KEY, { ...STRIPE_CLIENT_OPTIONS, host: hostname, port, protocol: 'http' });
}

describe('faults armed for one customer', () => {
  it('fails only the requests about that customer, once per armed fault, with Stripe’s api_error; other customers are untouched', async () => {
    const unlucky = emailFor('unlucky');
    const bystander = emailFor('bystander');
    const armed = await chaos({ faults: [{ email: unlucky.toUpperCase(), kind: '500', times: 2 }] });
    expect(armed.status).toBe(200);
    expect(armed.body.faults?.filter((fault) => fault.email === unlucky)).toEqual([
      { id: expect.stringMatching(/^fault_/), email: unlucky, kind: '500', remaining: 2, method: null, path: null },
    ]);

    const first = await stripeError(t.stripe.customers.create({ email: unlucky }));
    expect(first).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(first).toMatchObject({ statusCode: 500, type: 'StripeAPIError', raw: expect.objectContaining({ type: 'api_error' }) });
    expect(await t.stripe.customers.create({ email: bystander })).toMatchObject({ email: bystander });
    expect(await armedFor(unlucky)).toEqual([expect.objectContaining({ remaining: 1 })]);
    expect((await stripeError(t.stripe.customers.create({ email: unlucky }))).statusCode).toBe(500);

    expect(await armedFor(unlucky)).toEqual([]);
    const created = await t.stripe.customers.create({ email: unlucky });
    expect((await t.stripe.customers.list({ email: unlucky })).data.map((customer) => customer.id)).toEqual([created.id]); // the failed calls made nothing
  });

  it('follows the customer to their objects: a `customer` parameter, the intent in the path (also confirmed with the publishable key, as Stripe.js does), a refund of their payment', async () => {
    const unlucky = await t.stripe.customers.create({ email: emailFor('unlucky') });
    const bystander = await t.stripe.customers.create({ email: emailFor('bystander') });
    const email = String(unlucky.email);
    const intent = (customer: Stripe.Customer) => t.stripe.paymentIntents.create({ amount: 1800, currency: 'usd', customer: customer.id });

    await chaos({ faults: [{ email, kind: '500', method: 'POST', path: '/v1/payment_intents' }] });
    await intent(bystander);
    expect((await stripeError(intent(unlucky))).statusCode).toBe(500);
    const unluckyIntent = await intent(unlucky);
    const bystanderIntent = await intent(bystander);

    await chaos({ faults: [{ email, kind: '500', method: 'post', path: '/v1/payment_intents/:id/confirm' }] });
    const confirm = (target: Stripe.PaymentIntent) =>
      t.publishable.paymentIntents.confirm(target.id, { payment_method: 'pm_card_visa', client_secret: String(target.client_secret) } as Stripe.PaymentIntentConfirmParams);
    expect(await t.stripe.paymentIntents.retrieve(unluckyIntent.id)).toMatchObject({ id: unluckyIntent.id }); // not a confirm: passes
    expect(await confirm(bystanderIntent)).toMatchObject({ status: 'succeeded' });
    expect((await stripeError(confirm(unluckyIntent))).statusCode).toBe(500);
    expect(await t.stripe.paymentIntents.retrieve(unluckyIntent.id)).toMatchObject({ status: 'requires_payment_method' });
    expect((await t.stripe.charges.list({ payment_intent: unluckyIntent.id })).data).toHaveLength(0);
    expect(await confirm(unluckyIntent)).toMatchObject({ status: 'succeeded' });
    expect((await t.stripe.charges.list({ payment_intent: unluckyIntent.id })).data).toHaveLength(1);

    await chaos({ faults: [{ email, kind: '500', method: 'POST', path: '/v1/refunds' }] });
    await t.stripe.refunds.create({ payment_intent: bystanderIntent.id });
    expect((await stripeError(t.stripe.refunds.create({ payment_intent: unluckyIntent.id }))).statusCode).toBe(500);
    expect(await armedFor(email)).toEqual([]);
  });

  it('unreachable: answers nothing, so the app’s SDK client gives up with a connection error once its own retries are spent, and nothing is made', async () => {
    const app = appClient();
    // Each attempt the SDK makes meets one fault: the first try and every retry.
    const attempts = STRIPE_CLIENT_OPTIONS.maxNetworkRetries + 1;
    const email = emailFor('offline');
    await chaos({ faults: [{ email, kind: 'unreachable', times: attempts }] });
    const error = await stripeError(app.customers.create({ email }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(await armedFor(email)).toEqual([]); // exactly that many attempts
    expect((await t.stripe.customers.list({ email })).data).toHaveLength(0);

    // One fault fewer and the SDK's last retry gets through, with the same idempotency key.
    await chaos({ faults: [{ email, kind: 'unreachable', times: attempts - 1 }] });
    const customer = await app.customers.create({ email });
    expect(await armedFor(email)).toEqual([]);
    expect((await t.stripe.customers.list({ email })).data.map((found) => found.id)).toEqual([customer.id]);
  });

  it('unreachable: the SDK repeats a dropped connection once even with retries off, so a single fault never reaches its caller', async () => {
    const email = emailFor('blip');
    await chaos({ faults: [{ email, kind: 'unreachable' }] });
    expect(await t.stripe.customers.create({ email })).toMatchObject({ email }); // t.stripe has maxNetworkRetries: 0
    await chaos({ faults: [{ email, kind: 'unreachable', times: 2 }] });
    expect(await stripeError(t.stripe.customers.create({ email }))).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect((await t.stripe.customers.list({ email })).data).toHaveLength(1);
  });

  it('refuses a malformed fault and changes nothing, and /_sandbox/reset disarms every fault', async () => {
    const email = emailFor('admin');
    const malformed = [
      { email, kind: 'timeout' },
      { email: 'nobody', kind: '500' },
      { email, kind: '500', times: 0 },
      { email, kind: '500', method: 'PATCH' },
      { email, kind: '500', path: 'payment_intents' },
      { email, kind: '500', customer: 'cus_1' },
    ];
    for (const fault of malformed) {
      const refused = await chaos({ faults: [{ email, kind: 'unreachable' }, fault], duplicateRate: 0.5 });
      expect(refused.status, JSON.stringify(fault)).toBe(400);
      expect(refused.body.error?.message).toMatch(/^faults\[1\]/);
    }
    const after = await chaos();
    expect(after.body.duplicateRate).toBe(0);
    expect(after.body.faults?.filter((fault) => fault.email === email)).toEqual([]);

    await chaos({ faults: [{ email, kind: 'unreachable', times: 3 }] });
    expect(await armedFor(email)).toHaveLength(1);
    expect((await fetch(`${t.server.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect((await chaos()).body.faults).toEqual([]);
  });
});
