import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, isolatedSandbox, stripeError, webhookReceiver } from '@/test/sandbox';

// Retries after 100, 200, 400 ms here, so backoff is observable in a test.
const t = isolatedSandbox({ retry: { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5, timeoutMs: 2000 } });

let answer = 200;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let endpoint: Stripe.WebhookEndpoint;

beforeAll(async () => {
  receiver = await webhookReceiver(() => answer);
  endpoint = await t.stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['payment_intent.succeeded', 'payment_intent.payment_failed', 'charge.refunded', 'customer.created'] });
});

afterAll(async () => {
  await receiver.close();
});

describe('webhook endpoints', () => {
  it('shows the signing secret only when the endpoint is created', async () => {
    expect(endpoint.secret).toMatch(/^whsec_/);
    const read = await t.stripe.webhookEndpoints.retrieve(endpoint.id);
    expect(read.secret).toBeUndefined();
    expect(read.enabled_events).toContain('payment_intent.succeeded');
  });

  it('lists, updates and deletes endpoints as Stripe does', async () => {
    const url = `${receiver.url}?listed=${crypto.randomUUID()}`;
    const created = await t.stripe.webhookEndpoints.create({ url, enabled_events: ['product.created'], description: 'listed' });
    const listed: Stripe.WebhookEndpoint[] = [];
    for await (const each of t.stripe.webhookEndpoints.list({ limit: 1 })) listed.push(each);
    expect(listed.map((each) => each.id)).toEqual(expect.arrayContaining([endpoint.id, created.id]));
    expect(listed.find((each) => each.id === created.id)).toMatchObject({ object: 'webhook_endpoint', url, status: 'enabled', livemode: false });
    expect(listed.every((each) => each.secret === undefined)).toBe(true);

    const updated = await t.stripe.webhookEndpoints.update(created.id, { enabled_events: ['product.created', 'product.updated'], disabled: true });
    expect(updated).toMatchObject({ enabled_events: ['product.created', 'product.updated'], status: 'disabled', description: 'listed' });
    expect((await stripeError(t.stripe.webhookEndpoints.update(created.id, { url: 'ftp://example.com/hook' }))).param).toBe('url');

    expect(await t.stripe.webhookEndpoints.del(created.id)).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
    expect((await stripeError(t.stripe.webhookEndpoints.retrieve(created.id))).statusCode).toBe(404);
  });

  it('queues an event only for enabled endpoints that listen for its type: what is registered is what is delivered', async () => {
    const listener = await t.stripe.webhookEndpoints.create({ url: `${receiver.url}?registered=${crypto.randomUUID()}`, enabled_events: ['product.created'] });
    const deliveriesTo = async (eventId: string) =>
      (await t.server.store.sql<{ endpoint_id: string }[]>`select endpoint_id from sandbox.deliveries where event_id = ${eventId}`).map((row) => row.endpoint_id);
    const eventOf = async (productId: string) => {
      const events = await t.stripe.events.list({ type: 'product.created', limit: 100 });
      return events.data.find((event) => (event.data.object as Stripe.Product).id === productId)!;
    };

    const sent = await eventOf((await t.stripe.products.create({ name: 'registered' })).id);
    expect(await deliveriesTo(sent.id)).toEqual([listener.id]);
    await t.stripe.webhookEndpoints.update(listener.id, { disabled: true });
    const unsent = await eventOf((await t.stripe.products.create({ name: 'disabled' })).id);
    expect(unsent.pending_webhooks).toBe(0);
    expect(await deliveriesTo(unsent.id)).toEqual([]);
  });
});

describe('signed delivery', () => {
  it('delivers the events an endpoint listens for, signed so that constructEvent accepts them', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 1999, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const delivery = await eventually(() => receiver.received.find((candidate) => candidate.body.includes(intent.id) && candidate.body.includes('payment_intent.succeeded')));
    const event = t.stripe.webhooks.constructEvent(delivery.body, delivery.signature, String(endpoint.secret));
    expect(event.type).toBe('payment_intent.succeeded');
    expect((event.data.object as Stripe.PaymentIntent).id).toBe(intent.id);
    expect(event.api_version).toBe(Stripe.API_VERSION);
    // Events the endpoint does not listen for are not sent.
    expect(receiver.received.some((candidate) => candidate.body.includes('"payment_intent.created"'))).toBe(false);
    // The same event is retrievable from the API.
    const fetched = await t.stripe.events.retrieve(event.id);
    expect(fetched.type).toBe('payment_intent.succeeded');
  });

  it('fails verification when the body is changed, the secret is wrong or the signature is stale', async () => {
    const customer = await t.stripe.customers.create({ email: 'signed@example.com' });
    const delivery = await eventually(() => receiver.received.find((candidate) => candidate.body.includes(customer.id)));
    const secret = String(endpoint.secret);
    expect(() => t.stripe.webhooks.constructEvent(delivery.body.replace('signed@example.com', 'forged@example.com'), delivery.signature, secret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => t.stripe.webhooks.constructEvent(delivery.body, delivery.signature, 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const timestamp = Number(/t=(\d+)/.exec(delivery.signature)?.[1]);
    expect(() => t.stripe.webhooks.constructEvent(delivery.body, delivery.signature, secret, 300, undefined, (timestamp + 600) * 1000)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('retries a failing endpoint with growing delays and records every attempt', async () => {
    answer = 500;
    const customer = await t.stripe.customers.create({ email: 'retry@example.com' });
    const [event] = (await t.stripe.events.list({ type: 'customer.created', limit: 1 })).data;
    expect((event?.data.object as Stripe.Customer).id).toBe(customer.id);
    const attempts = await eventually(async () => {
      const rows = await t.server.store.sql<{ attempted_at: Date; status: number }[]>`
        select a.attempted_at, a.status from sandbox.delivery_attempts a join sandbox.deliveries d on d.id = a.delivery_id
        where d.event_id = ${event!.id} order by a.id`;
      return rows.length >= 3 ? rows : undefined;
    });
    expect(attempts.every((attempt) => attempt.status === 500)).toBe(true);
    const gaps = attempts.slice(1).map((attempt, i) => attempt.attempted_at.getTime() - attempts[i]!.attempted_at.getTime());
    // Exponential, not fixed: each wait at least its backoff (100 then 200 ms, less timer slack). A
    // loaded machine may only lengthen a wait (the first as much as the second), so no ratio
    // between measured gaps is asserted.
    gaps.forEach((gap, index) => expect(gap).toBeGreaterThanOrEqual(100 * 2 ** index - 15));

    answer = 200;
    const delivered = await eventually(async () => {
      const [row] = await t.server.store.sql<{ status: string; attempts: number }[]>`select status, attempts from sandbox.deliveries where event_id = ${event!.id}`;
      return row?.status === 'succeeded' || row?.status === 'failed' ? row : undefined;
    });
    expect(delivered.attempts).toBeGreaterThanOrEqual(3);
  });

  it('with chaos on, delivers duplicates and shuffled order, which constructEvent still accepts', async () => {
    Object.assign(t.server.chaos, { duplicateRate: 1, shuffle: true });
    try {
      const customer = await t.stripe.customers.create({ email: 'chaos@example.com' });
      const copies = await eventually(() => {
        const found = receiver.received.filter((candidate) => candidate.body.includes(customer.id));
        return found.length >= 2 ? found : undefined;
      });
      const ids = copies.map((copy) => t.stripe.webhooks.constructEvent(copy.body, copy.signature, String(endpoint.secret)).id);
      expect(new Set(ids).size).toBe(1);
    } finally {
      Object.assign(t.server.chaos, { duplicateRate: 0, shuffle: false });
    }
  });

  it('with API faults on, answers 500 in Stripe’s shape and changes nothing', async () => {
    Object.assign(t.server.chaos, { apiFaultRate: 1 });
    try {
      const error = await t.stripe.customers.create({ email: 'fault@example.com' }).catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect((error as InstanceType<typeof Stripe.errors.StripeAPIError>).statusCode).toBe(500);
    } finally {
      Object.assign(t.server.chaos, { apiFaultRate: 0 });
    }
    const found = await t.stripe.customers.list({ email: 'fault@example.com' });
    expect(found.data).toHaveLength(0);
  });
});

describe('events', () => {
  it('records previous_attributes on updates, and lists events by type', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 300, currency: 'usd', payment_method: 'pm_card_chargeDeclined' });
    await t.stripe.paymentIntents.confirm(intent.id).catch(() => undefined);
    const failed = await t.stripe.events.list({ type: 'payment_intent.payment_failed', limit: 1 });
    const event = failed.data[0]!;
    expect((event.data.object as Stripe.PaymentIntent).id).toBe(intent.id);
    expect(event.data.previous_attributes).toMatchObject({ status: 'requires_confirmation' });
  });
});
