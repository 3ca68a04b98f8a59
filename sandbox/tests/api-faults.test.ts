import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS, drawApiFault } from '@/sandbox/chaos';
import { approvedOrder, type OrderReply } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { stripeError } from '@/test/sandbox';

/**
 * The injected API faults (apiFaultRate) strike before a request does anything or, for the share
 * apiFaultAfterShare, after it did its work: the change commits and only the answer is lost. That
 * second kind is what idempotency keys exist for, so each provider's key must then answer what
 * the first request made, as Stripe's Idempotency-Key and PayPal's PayPal-Request-Id do.
 */

const t = paypalSandbox();

afterEach(() => {
  Object.assign(t.server.chaos, DEFAULT_CHAOS);
});

/** Every API request meets a fault, struck `when`. */
function failEveryRequest(when: 'before' | 'after'): void {
  Object.assign(t.server.chaos, { apiFaultRate: 1, apiFaultAfterShare: when === 'after' ? 1 : 0 });
}

function healProvider(): void {
  Object.assign(t.server.chaos, DEFAULT_CHAOS);
}

async function stripeCustomersWithEmail(email: string): Promise<Stripe.Customer[]> {
  return (await t.stripe.customers.list({ email, limit: 10 })).data;
}

/** A PayPal order of ours: `custom_id` names it, as Billfold's order id does. */
function orderFor(customId: string, value: string) {
  return { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value }, custom_id: customId }] };
}

async function paypalOrdersWithCustomId(customId: string): Promise<number> {
  const [row] = await t.server.store.sql<{ count: string }[]>`
    select count(*) from sandbox.objects where type = 'paypal_order' and data->'resource'->'purchase_units'->0->>'custom_id' = ${customId}`;
  return Number(row?.count);
}

describe('when an injected fault strikes', () => {
  it('draws no fault at rate 0, and splits the faults it draws between before and after the work by apiFaultAfterShare', () => {
    const sequence = (...values: number[]) => () => values.shift() ?? 0;
    expect(drawApiFault({ apiFaultRate: 0, apiFaultAfterShare: 1 }, sequence(0))).toBeNull();
    expect(drawApiFault({ apiFaultRate: 0.1, apiFaultAfterShare: 0.5 }, sequence(0.1))).toBeNull();
    expect(drawApiFault({ apiFaultRate: 0.1, apiFaultAfterShare: 0.5 }, sequence(0.05, 0.49))).toBe('after');
    expect(drawApiFault({ apiFaultRate: 0.1, apiFaultAfterShare: 0.5 }, sequence(0.05, 0.5))).toBe('before');
    expect(drawApiFault({ apiFaultRate: 1, apiFaultAfterShare: 0 }, sequence(0.99, 0))).toBe('before');
  });

  it('takes the switch at POST /_sandbox/chaos, refusing a share outside 0 to 1', async () => {
    const post = (body: unknown) => fetch(`${t.server.url}/_sandbox/chaos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ apiFaultAfterShare: 1.5 })).status).toBe(400);
    expect(t.server.chaos.apiFaultAfterShare).toBe(0);
    const accepted = await post({ apiFaultRate: 0.1, apiFaultAfterShare: 0.5 });
    expect(await accepted.json()).toMatchObject({ apiFaultRate: 0.1, apiFaultAfterShare: 0.5 });
  });

  it('counts the faults it injected, by when they struck, so a test knows how much chaos its run met', async () => {
    const injected = async () => ((await (await fetch(`${t.server.url}/_sandbox/chaos`)).json()) as { injectedApiFaults: { before: number; after: number } }).injectedApiFaults;
    await t.rest('GET', '/v1/notifications/webhooks'); // the bearer token, fetched while PayPal is healthy
    const start = await injected();
    failEveryRequest('before');
    await stripeError(t.stripe.customers.list());
    failEveryRequest('after');
    await stripeError(t.stripe.customers.list());
    expect((await t.rest('GET', '/v1/notifications/webhooks')).status).toBe(500);
    healProvider();
    await t.stripe.customers.list();
    expect(await injected()).toEqual({ before: start.before + 1, after: start.after + 2 });
  });
});

describe('Stripe, when the answer is lost after the work', () => {
  it('keeps the change, and the same Idempotency-Key then replays the first answer instead of making a second customer', async () => {
    const email = `lost-answer-${crypto.randomUUID()}@example.com`;
    failEveryRequest('after');
    const lost = await stripeError(t.stripe.customers.create({ email }, { idempotencyKey: `customer:${email}` }));
    expect([lost.statusCode, lost.type]).toEqual([500, 'StripeAPIError']);
    healProvider();

    const made = await stripeCustomersWithEmail(email);
    expect(made).toHaveLength(1);
    const retried = await t.stripe.customers.create({ email }, { idempotencyKey: `customer:${email}` });
    expect(retried.id).toBe(made[0]!.id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await stripeCustomersWithEmail(email)).toHaveLength(1);
  });

  it('makes a second object when the retry has no Idempotency-Key: the double a key prevents', async () => {
    const email = `lost-answer-nokey-${crypto.randomUUID()}@example.com`;
    failEveryRequest('after');
    expect((await stripeError(t.stripe.customers.create({ email }))).statusCode).toBe(500);
    healProvider();
    await t.stripe.customers.create({ email });
    expect(await stripeCustomersWithEmail(email)).toHaveLength(2);
  });

  it('leaves the key free after a fault before the work, so the retry is a first attempt', async () => {
    const email = `fault-before-${crypto.randomUUID()}@example.com`;
    failEveryRequest('before');
    expect((await stripeError(t.stripe.customers.create({ email }, { idempotencyKey: `customer:${email}` }))).statusCode).toBe(500);
    healProvider();
    expect(await stripeCustomersWithEmail(email)).toHaveLength(0);
    const created = await t.stripe.customers.create({ email }, { idempotencyKey: `customer:${email}` });
    expect(created.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(await stripeCustomersWithEmail(email)).toHaveLength(1);
  });
});

describe('PayPal, when the answer is lost after the work', () => {
  it('keeps the order, and a repeat with the same PayPal-Request-Id answers that order (200) instead of making a second', async () => {
    await t.rest('GET', '/v1/notifications/webhooks'); // the bearer token, fetched while PayPal is healthy
    const customId = `lost-${crypto.randomUUID().slice(0, 8)}`;
    const body = orderFor(customId, '12.00');
    const headers = { 'PayPal-Request-Id': `checkout:${customId}:intent` };
    failEveryRequest('after');
    const lost = await t.rest<{ name: string }>('POST', '/v2/checkout/orders', body, headers);
    expect([lost.status, lost.body.name]).toEqual([500, 'INTERNAL_SERVER_ERROR']);
    healProvider();
    expect(await paypalOrdersWithCustomId(customId)).toBe(1);

    const repeated = await t.rest<OrderReply>('POST', '/v2/checkout/orders', body, headers);
    expect(repeated.status).toBe(200);
    expect(await paypalOrdersWithCustomId(customId)).toBe(1);
    const without = await t.rest<OrderReply>('POST', '/v2/checkout/orders', body);
    expect(without.status).toBe(201);
    expect(without.body.id).not.toBe(repeated.body.id);
    expect(await paypalOrdersWithCustomId(customId)).toBe(2);
  });

  it('captures once: a capture whose answer was lost, repeated with its PayPal-Request-Id, answers the same completed capture', async () => {
    const order = await approvedOrder(t);
    const headers = { 'PayPal-Request-Id': `checkout:capture:${order.id}` };
    failEveryRequest('after');
    expect((await t.rest('POST', `/v2/checkout/orders/${order.id}/capture`, {}, headers)).status).toBe(500);
    healProvider();

    const repeated = await t.rest<OrderReply>('POST', `/v2/checkout/orders/${order.id}/capture`, {}, headers);
    expect(repeated.status).toBeLessThan(300);
    const captures = repeated.body.purchase_units?.[0]?.payments?.captures ?? [];
    expect(captures.map((capture) => capture.status)).toEqual(['COMPLETED']);
    // Without the id, PayPal refuses: the order was captured by the request whose answer was lost.
    const without = await t.rest<{ details: { issue: string }[] }>('POST', `/v2/checkout/orders/${order.id}/capture`, {});
    expect([without.status, without.body.details[0]?.issue]).toEqual([422, 'ORDER_ALREADY_CAPTURED']);
  });

  it('leaves the PayPal-Request-Id free after a fault before the work: the repeat makes the order (201)', async () => {
    await t.rest('GET', '/v1/notifications/webhooks');
    const customId = `before-${crypto.randomUUID().slice(0, 8)}`;
    const headers = { 'PayPal-Request-Id': `checkout:${customId}:intent` };
    failEveryRequest('before');
    expect((await t.rest('POST', '/v2/checkout/orders', orderFor(customId, '3.00'), headers)).status).toBe(500);
    healProvider();
    expect(await paypalOrdersWithCustomId(customId)).toBe(0);
    expect((await t.rest('POST', '/v2/checkout/orders', orderFor(customId, '3.00'), headers)).status).toBe(201);
  });
});
