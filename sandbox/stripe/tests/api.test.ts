import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isolatedSandbox, SECRET_KEY, sdkFor, stripeError } from '@/test/sandbox';

const t = isolatedSandbox();


/** A raw call, for what the SDK would never send. */
async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.key !== null) headers.set('Authorization', `Bearer ${init.key ?? SECRET_KEY}`);
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/x-www-form-urlencoded');
  const response = await fetch(`${t.server.url}${path}`, { ...init, headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error?: Record<string, unknown> } & Record<string, unknown> };
}

async function count(type: string): Promise<number> {
  const [row] = await t.server.store.sql<{ n: number }[]>`select count(*)::int as n from sandbox.objects where type = ${type}`;
  return row?.n ?? 0;
}

describe('authentication', () => {
  it('refuses a request without a key with 401 in Stripe’s error shape', async () => {
    const response = await raw('/v1/customers', { key: null });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('You did not provide an API key') });
  });

  it('refuses an unknown key, and a live key, without echoing the whole key', async () => {
    const unknown = await raw('/v1/customers', { key: 'sk_bogus_1234567890abcdef' });
    expect(unknown.status).toBe(401);
    expect(JSON.stringify(unknown.body)).not.toContain('1234567890abcdef');
    const live = await raw('/v1/customers', { key: 'sk_live_1234567890abcdef' });
    expect(live.status).toBe(401);
    expect(live.body.error?.message).toContain('test-mode keys');
  });

  it('refuses a publishable key where Stripe.js never goes', async () => {
    const error = await stripeError(sdkFor(t.server.url, 'pk_test_x').customers.create({ email: 'a@example.com' }));
    expect(error.statusCode).toBe(401);
    expect(error.message).toContain('publishable API key');
  });
});

describe('parameters', () => {
  it('refuses an unknown parameter, naming it', async () => {
    const error = await stripeError(t.stripe.customers.create({ email: 'x@example.com', favourite_colour: 'green' } as Stripe.CustomerCreateParams));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.param).toBe('favourite_colour');
    expect(error.message).toBe('Received unknown parameter: favourite_colour');
  });

  it('refuses a wrong type and a missing required parameter, naming them', async () => {
    const wrongType = await raw('/v1/payment_intents', { method: 'POST', body: 'amount=ten&currency=usd' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatchObject({ type: 'invalid_request_error', param: 'amount', message: 'Invalid integer: ten' });
    const missing = await stripeError(t.stripe.paymentIntents.create({ currency: 'usd' } as Stripe.PaymentIntentCreateParams));
    expect(missing.param).toBe('amount');
    const nested = await raw('/v1/payment_intents', { method: 'POST', body: 'amount=100&currency=usd&automatic_payment_methods[enabled]=maybe' });
    expect(nested.body.error).toMatchObject({ param: 'automatic_payment_methods[enabled]', message: 'Invalid boolean: maybe' });
  });

  it('decodes nested metadata, arrays and expand[] as the SDK encodes them', async () => {
    const customer = await t.stripe.customers.create({ email: 'nested@example.com', metadata: { user_id: 'u_1', plan: 'pro' }, preferred_locales: ['en', 'fr'] });
    expect(customer.metadata).toEqual({ user_id: 'u_1', plan: 'pro' });
    expect(customer.preferred_locales).toEqual(['en', 'fr']);
    const updated = await t.stripe.customers.update(customer.id, { metadata: { plan: '', team: 't_9' } });
    expect(updated.metadata).toEqual({ user_id: 'u_1', team: 't_9' });
  });

  it('refuses a malformed body, a body of the wrong type and an oversized payload, and changes nothing', async () => {
    const before = await count('customer');
    const json = await raw('/v1/customers', { method: 'POST', body: '{"email":"a@b.c"}', headers: { 'Content-Type': 'application/json' } });
    expect(json.status).toBe(400);
    const badKey = await raw('/v1/customers', { method: 'POST', body: 'metadata[a=1' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error?.type).toBe('invalid_request_error');
    const huge = await raw('/v1/customers', { method: 'POST', body: `description=${'x'.repeat(300_000)}` });
    expect(huge.status).toBe(413);
    expect(huge.body.error?.type).toBe('invalid_request_error');
    expect(await count('customer')).toBe(before);
  });

  it('answers an unknown id with 404 resource_missing and an unknown URL with 404', async () => {
    const missing = await stripeError(t.stripe.paymentIntents.retrieve('pi_doesnotexist'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('resource_missing');
    expect(missing.message).toBe("No such payment_intent: 'pi_doesnotexist'");
    const unknownUrl = await raw('/v1/teleporters');
    expect(unknownUrl.status).toBe(404);
    expect(unknownUrl.body.error?.message).toContain('Unrecognized request URL');
  });

  it('gives objects Stripe’s id prefixes', async () => {
    const customer = await t.stripe.customers.create({});
    const product = await t.stripe.products.create({ name: 'Widget' });
    const price = await t.stripe.prices.create({ product: product.id, unit_amount: 500, currency: 'usd', lookup_key: 'widget-usd' });
    const intent = await t.stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    expect(customer.id).toMatch(/^cus_/);
    expect(product.id).toMatch(/^prod_/);
    expect(price.id).toMatch(/^price_/);
    expect(intent.id).toMatch(/^pi_/);
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(intent.latest_charge).toMatch(/^ch_/);
  });
});

describe('idempotency', () => {
  it('replays the stored response for the same key and parameters, without a second object', async () => {
    const before = await count('payment_intent');
    const first = await t.stripe.paymentIntents.create({ amount: 4200, currency: 'usd', metadata: { order: 'o_7' } }, { idempotencyKey: 'checkout:o_7:intent' });
    const again = await t.stripe.paymentIntents.create({ amount: 4200, currency: 'usd', metadata: { order: 'o_7' } }, { idempotencyKey: 'checkout:o_7:intent' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await count('payment_intent')).toBe(before + 1);
  });

  it('refuses the same key with different parameters with idempotency_error', async () => {
    await t.stripe.customers.create({ email: 'one@example.com' }, { idempotencyKey: 'customer:u_1' });
    const error = await stripeError(t.stripe.customers.create({ email: 'two@example.com' }, { idempotencyKey: 'customer:u_1' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
  });

  it('replays a card decline rather than charging again', async () => {
    const options = { idempotencyKey: 'checkout:o_decline:confirm' };
    const params = { amount: 900, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true };
    const first = await stripeError(t.stripe.paymentIntents.create(params, options));
    const second = await stripeError(t.stripe.paymentIntents.create(params, options));
    expect(second.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(second.headers?.['idempotent-replayed']).toBe('true');
  });

  it('answers 409 to a request whose key is still in flight, and runs one of many concurrent copies once', async () => {
    const before = await count('payment_intent');
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () => t.stripe.paymentIntents.create({ amount: 100, currency: 'usd' }, { idempotencyKey: 'concurrent:o_8' })),
    );
    const created = new Set(attempts.flatMap((result) => (result.status === 'fulfilled' ? [result.value.id] : [])));
    const conflicts = attempts.filter((result) => result.status === 'rejected');
    expect(created.size).toBe(1);
    for (const conflict of conflicts) {
      const error = (conflict as PromiseRejectedResult).reason as InstanceType<typeof Stripe.errors.StripeError>;
      expect(error.statusCode).toBe(409);
    }
    expect(await count('payment_intent')).toBe(before + 1);
  });

  it('lets a key be reused after a request that failed validation', async () => {
    await stripeError(t.stripe.customers.create({ email: 'a@example.com', bogus: 1 } as Stripe.CustomerCreateParams, { idempotencyKey: 'retry-after-400' }));
    const customer = await t.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'retry-after-400' });
    expect(customer.email).toBe('a@example.com');
  });
});

describe('lists', () => {
  it('pages newest first with limit, starting_after, ending_before and has_more', async () => {
    const customer = await t.stripe.customers.create({ email: 'pager@example.com' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await t.stripe.paymentIntents.create({ amount: 100 + i, currency: 'usd', customer: customer.id })).id);
    }
    const newestFirst = [...ids].reverse();
    const page1 = await t.stripe.paymentIntents.list({ customer: customer.id, limit: 2 });
    expect(page1.data.map((intent) => intent.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.has_more).toBe(true);
    const page2 = await t.stripe.paymentIntents.list({ customer: customer.id, limit: 2, starting_after: page1.data[1]!.id });
    expect(page2.data.map((intent) => intent.id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await t.stripe.paymentIntents.list({ customer: customer.id, limit: 2, starting_after: page2.data[1]!.id });
    expect(page3.data.map((intent) => intent.id)).toEqual(newestFirst.slice(4));
    expect(page3.has_more).toBe(false);
    const back = await t.stripe.paymentIntents.list({ customer: customer.id, limit: 2, ending_before: page3.data[0]!.id });
    expect(back.data.map((intent) => intent.id)).toEqual(newestFirst.slice(2, 4));
    const all: string[] = [];
    for await (const intent of t.stripe.paymentIntents.list({ customer: customer.id, limit: 2 })) all.push(intent.id);
    expect(all).toEqual(newestFirst);
  });

  it('finds prices by lookup_keys', async () => {
    const product = await t.stripe.products.create({ name: 'Plan' });
    await t.stripe.prices.create({ product: product.id, unit_amount: 900, currency: 'usd', recurring: { interval: 'month' }, lookup_key: 'plan-monthly' });
    await t.stripe.prices.create({ product: product.id, unit_amount: 9000, currency: 'usd', recurring: { interval: 'year' }, lookup_key: 'plan-yearly' });
    const found = await t.stripe.prices.list({ lookup_keys: ['plan-monthly', 'plan-yearly'] });
    expect(found.data.map((price) => price.lookup_key).sort()).toEqual(['plan-monthly', 'plan-yearly']);
    const taken = await stripeError(t.stripe.prices.create({ product: product.id, unit_amount: 1, currency: 'usd', lookup_key: 'plan-monthly' }));
    expect(taken.param).toBe('lookup_key');
    const moved = await t.stripe.prices.create({ product: product.id, unit_amount: 1000, currency: 'usd', recurring: { interval: 'month' }, lookup_key: 'plan-monthly', transfer_lookup_key: true });
    const again = await t.stripe.prices.list({ lookup_keys: ['plan-monthly'] });
    expect(again.data.map((price) => price.id)).toEqual([moved.id]);
  });
});

describe('expand', () => {
  it('replaces ids with objects along expand paths, nested and in lists', async () => {
    const customer = await t.stripe.customers.create({ email: 'expand@example.com' });
    const intent = await t.stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      expand: ['customer', 'latest_charge.payment_intent'],
    });
    expect((intent.customer as Stripe.Customer).email).toBe('expand@example.com');
    const charge = intent.latest_charge as Stripe.Charge;
    expect(charge.object).toBe('charge');
    expect((charge.payment_intent as Stripe.PaymentIntent).id).toBe(intent.id);
    const list = await t.stripe.paymentIntents.list({ customer: customer.id, expand: ['data.payment_method'] });
    expect((list.data[0]!.payment_method as Stripe.PaymentMethod).card?.last4).toBe('4242');
    const bad = await stripeError(t.stripe.paymentIntents.retrieve(intent.id, { expand: ['no_such_field'] }));
    expect(bad.param).toBe('expand');
  });
});

describe('refunds', () => {
  it('refunds in parts, never more than captured, and marks the charge refunded at the end', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const first = await t.stripe.refunds.create({ payment_intent: intent.id, amount: 400 });
    expect(first).toMatchObject({ status: 'succeeded', amount: 400 });
    const tooMuch = await stripeError(t.stripe.refunds.create({ payment_intent: intent.id, amount: 700 }));
    expect(tooMuch.param).toBe('amount');
    const rest = await t.stripe.refunds.create({ payment_intent: intent.id });
    expect(rest.amount).toBe(600);
    const charge = await t.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ amount_refunded: 1000, refunded: true });
    const again = await stripeError(t.stripe.refunds.create({ payment_intent: intent.id }));
    expect(again.code).toBe('charge_already_refunded');
  });

  it('serialises concurrent refunds so together they never exceed the charge', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => t.stripe.refunds.create({ payment_intent: intent.id, amount: 300 })));
    const refunded = results.filter((result) => result.status === 'fulfilled').length;
    expect(refunded).toBe(3);
    const charge = await t.stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge.amount_refunded).toBe(900);
  });
});
