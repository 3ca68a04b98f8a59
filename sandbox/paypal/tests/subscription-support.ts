import { IntervalUnit, SubscriptionError, SubscriptionsController, TenureType, type SubscriptionBillingCycle } from '@paypal/paypal-server-sdk';
import { expect } from 'vitest';
import type { SaleResource } from '../sales';
import type { SubscriptionResource } from '../subscription-resource';
import { expectMatchesPaypalSpec } from './openapi';
import type { PaypalTestSandbox } from './support';

/**
 * What the subscription tests share: plans and subscriptions made through the official SDK, the
 * consent page's form posted as a buyer posts it, the subscription read back (checked against
 * PayPal's spec), its clock moved, and its sales and events.
 */

export const DAY = 86_400;
export const RETURN_URL = 'https://shop.example/paypal/return';
export const CANCEL_URL = 'https://shop.example/paypal/cancel';

export type Subscription = SubscriptionResource & { links: { rel: string; href: string; method: string }[] };

export function regular(value: string, unit = IntervalUnit.Month, totalCycles = 0, sequence = 1, currencyCode = 'USD'): SubscriptionBillingCycle {
  return { tenureType: TenureType.Regular, sequence, totalCycles, frequency: { intervalUnit: unit, intervalCount: 1 }, pricingScheme: { fixedPrice: { currencyCode, value } } };
}

export function freeTrial(days: number): SubscriptionBillingCycle {
  return { tenureType: TenureType.Trial, sequence: 1, totalCycles: 1, frequency: { intervalUnit: IntervalUnit.Day, intervalCount: days } };
}

/** The helpers, bound to the test file's sandbox. */
export function subscriptionSupport(t: PaypalTestSandbox) {
  const subscriptions = () => new SubscriptionsController(t.client);

  async function newProduct(): Promise<string> {
    const reply = await t.rest<{ id: string }>('POST', '/v1/catalogs/products', { name: 'Streaming', type: 'SERVICE' });
    return reply.body.id;
  }

  /** A plan made through the official SDK. */
  async function newPlan(cycles: SubscriptionBillingCycle[], options: { productId?: string; threshold?: number; name?: string } = {}): Promise<string> {
    const { result } = await subscriptions().createBillingPlan({
      prefer: 'return=representation',
      body: { productId: options.productId ?? (await newProduct()), name: options.name ?? 'Monthly', billingCycles: cycles, paymentPreferences: { paymentFailureThreshold: options.threshold ?? 0 } },
    });
    expect(result.status).toBe('ACTIVE');
    return result.id ?? '';
  }

  async function subscribe(planId: string, extra: { customId?: string } = {}): Promise<{ id: string; approve: string }> {
    const { result, statusCode } = await subscriptions().createSubscription({
      body: { planId, ...extra, applicationContext: { brandName: 'Billfold', returnUrl: RETURN_URL, cancelUrl: CANCEL_URL } },
    });
    expect(statusCode).toBe(201);
    expect(result.status).toBe('APPROVAL_PENDING');
    const approve = result.links?.find((link) => link.rel === 'approve')?.href ?? '';
    return { id: result.id ?? '', approve };
  }

  /** The buyer's decision, posted as the consent page's form posts it. */
  async function decide(url: string, buyer: string, decision: 'approve' | 'cancel' = 'approve'): Promise<Response> {
    return fetch(url, { method: 'POST', body: new URLSearchParams({ decision, buyer }), redirect: 'manual' });
  }

  async function subscribed(planId: string, buyer = 'buyer@example.com'): Promise<string> {
    const { id, approve } = await subscribe(planId);
    const response = await decide(approve, buyer);
    expect(response.status).toBe(303);
    return id;
  }

  async function show(id: string, fields?: string): Promise<Subscription> {
    const path = `/v1/billing/subscriptions/${id}${fields ? `?fields=${fields}` : ''}`;
    const reply = await t.rest<Subscription>('GET', path);
    expect(reply.status).toBe(200);
    expectMatchesPaypalSpec('GET', path, reply.status, reply.body);
    return reply.body;
  }

  async function advance(id: string, by: { seconds: number } | { cycles: number }): Promise<Subscription> {
    const response = await fetch(`${t.paypalUrl}/_sandbox/subscriptions/${id}/advance`, { method: 'POST', body: JSON.stringify(by) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { subscription: Subscription }).subscription;
  }

  async function salesOf(id: string): Promise<SaleResource[]> {
    const rows = await t.server.store.sql<{ data: { resource: SaleResource } }[]>`select data from sandbox.objects where type = 'paypal_sale' and data->'resource'->>'billing_agreement_id' = ${id} order by created, seq`;
    return rows.map((row) => row.data.resource);
  }

  async function eventsFor(id: string, type: string) {
    return (await t.events(type)).filter((event) => {
      const resource = event.resource as { id?: string; billing_agreement_id?: string };
      return resource.id === id || resource.billing_agreement_id === id;
    });
  }

  async function sdkError(promise: Promise<unknown>): Promise<{ statusCode: number; result: { name: string; details?: { issue: string }[] } }> {
    const error = await promise.then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(SubscriptionError);
    return error as never;
  }

  return { subscriptions, newProduct, newPlan, subscribe, decide, subscribed, show, advance, salesOf, eventsFor, sdkError };
}
