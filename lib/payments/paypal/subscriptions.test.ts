import { CaptureStatus, IntervalUnit, SubscriptionStatus, TenureType } from '@paypal/paypal-server-sdk';
import { describe, expect, it, vi } from 'vitest';
import { money } from '@/lib/money';
import type { PlanPriceRequest, SubscriptionRequest } from '@/lib/payments/provider';
import { PaymentProviderUnavailableError, type ProviderInvoice, type SubscriptionCheckout } from '@/lib/payments/types';
import { decide } from '@/sandbox/paypal/tests/order-support';
import { paypalSandbox } from '@/sandbox/paypal/tests/support';
import { paypalClientFor } from './client';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from './sandbox-credentials';
import { addIntervals, invoicesFrom, PAYPAL_PLANS_PRODUCT, paypalSubscriptions, type PaypalSubscriptionReply, type PaypalTransaction } from './subscriptions';

/**
 * PayPal's side of the subscriptions interface, against an isolated sandbox over HTTP, as the app
 * calls PayPal. The buyer's approval is the consent page's form posted, as a person does; time
 * passes through the sandbox's advance endpoint, as PayPal's own billing would over months.
 */

const t = paypalSandbox();
const DAY_MS = 86_400_000;
const realFetch = globalThis.fetch;

function subscriptions() {
  return paypalSubscriptions(paypalClientFor({ apiBase: t.paypalUrl, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' }));
}

function price(overrides: Partial<PlanPriceRequest> = {}): PlanPriceRequest {
  return {
    priceId: crypto.randomUUID(),
    lookupKey: 'pro-monthly-usd',
    productId: crypto.randomUUID(),
    productName: 'Pro',
    amount: money(900, 'USD'),
    interval: 'month',
    intervalCount: 1,
    trialDays: null,
    ...overrides,
  };
}

function subscriptionRequest(planId: string, overrides: Partial<SubscriptionRequest> = {}): SubscriptionRequest {
  return { customerId: `account:${crypto.randomUUID()}`, priceId: planId, trialDays: null, email: 'subscriber@example.com', metadata: {}, ...overrides };
}

interface PlanReply {
  id: string;
  product_id: string;
  name: string;
  description?: string;
  status: string;
  billing_cycles: { tenure_type: string; sequence: number; total_cycles: number; frequency: { interval_unit: string; interval_count: number }; pricing_scheme?: { fixed_price: { currency_code: string; value: string } } }[];
  payment_preferences: Record<string, unknown>;
}

async function planAtPaypal(id: string): Promise<PlanReply> {
  const reply = await t.rest<PlanReply>('GET', `/v1/billing/plans/${id}`);
  expect(reply.status).toBe(200);
  return reply.body;
}

async function subscriptionAtPaypal(id: string): Promise<PaypalSubscriptionReply> {
  const reply = await t.rest<PaypalSubscriptionReply>('GET', `/v1/billing/subscriptions/${id}?fields=last_failed_payment`);
  expect(reply.status).toBe(200);
  return reply.body;
}

function approveUrlOf(checkout: SubscriptionCheckout): string {
  const handoff = checkout.pending?.handoff;
  if (handoff?.kind !== 'approval' || !handoff.approveUrl) throw new Error(`subscription ${checkout.subscription.id} has no approval link`);
  return handoff.approveUrl;
}

/** The buyer agrees on PayPal's consent page, logged in as `buyer`. */
async function approve(checkout: SubscriptionCheckout, buyer = 'buyer@example.com'): Promise<void> {
  const page = await decide(approveUrlOf(checkout), 'approve', buyer);
  expect(page.status).toBeLessThan(400);
}

/** A subscription to `terms`, approved by `buyer`. */
async function subscribed(terms: PlanPriceRequest = price(), buyer = 'buyer@example.com'): Promise<{ id: string; customerId: string }> {
  const api = subscriptions();
  const request = subscriptionRequest(await api.ensurePlanPrice(terms));
  const checkout = await api.createSubscription(request, `subscribe:${crypto.randomUUID()}`);
  await approve(checkout, buyer);
  return { id: checkout.subscription.id, customerId: request.customerId };
}

/** PayPal's billing moves on: the subscription's own clock jumps over `cycles` billing dates. */
async function advance(id: string, cycles: number): Promise<void> {
  const response = await fetch(`${t.paypalUrl}/_sandbox/subscriptions/${id}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ cycles }) });
  expect(response.status).toBe(200);
}

function near(actual: Date | null, expected: Date, toleranceMs = 5_000): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual?.getTime() ?? 0) - expected.getTime())).toBeLessThanOrEqual(toleranceMs);
}

describe('making PayPal plans for our prices', () => {
  it('makes our product and an ACTIVE plan: a free trial cycle first when the price has one, then the regular price until cancelled', async () => {
    const terms = price({ trialDays: 14 });
    const planId = await subscriptions().ensurePlanPrice(terms);
    const plan = await planAtPaypal(planId);
    expect(plan).toMatchObject({ status: 'ACTIVE', product_id: PAYPAL_PLANS_PRODUCT.id, name: 'Pro' });
    expect(plan.description).toContain('pro-monthly-usd');
    expect(plan.billing_cycles).toEqual([
      { tenure_type: 'TRIAL', sequence: 1, total_cycles: 1, frequency: { interval_unit: 'DAY', interval_count: 14 } },
      expect.objectContaining({ tenure_type: 'REGULAR', sequence: 2, total_cycles: 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, pricing_scheme: expect.objectContaining({ fixed_price: { currency_code: 'USD', value: '9.00' } }) }),
    ]);
    expect(plan.billing_cycles[0]).not.toHaveProperty('pricing_scheme');
    expect(plan.payment_preferences).toMatchObject({ auto_bill_outstanding: true, payment_failure_threshold: 2, setup_fee_failure_action: 'CANCEL' });
    const product = await t.rest<{ id: string; name: string; type: string }>('GET', `/v1/catalogs/products/${PAYPAL_PLANS_PRODUCT.id}`);
    expect(product.body).toMatchObject({ name: 'Subscription plans', type: 'SERVICE' });
  });

  it('answers the same plan for the same terms, and a new plan of Billfold’s one product for a new amount, interval or trial', async () => {
    const terms = price();
    const api = subscriptions();
    const first = await api.ensurePlanPrice(terms);
    expect(await api.ensurePlanPrice(terms)).toBe(first);
    const others = [
      await api.ensurePlanPrice({ ...terms, amount: money(1200, 'USD') }),
      await api.ensurePlanPrice({ ...terms, interval: 'year' }),
      await api.ensurePlanPrice({ ...terms, trialDays: 7 }),
    ];
    expect(new Set([first, ...others]).size).toBe(4);
    for (const planId of others) expect((await planAtPaypal(planId)).product_id).toBe(PAYPAL_PLANS_PRODUCT.id);
    // The product holds every Billfold plan (other tests' too): these four, each once.
    const plans = await t.rest<{ plans: { id: string }[] }>('GET', `/v1/billing/plans?product_id=${PAYPAL_PLANS_PRODUCT.id}&page_size=20`);
    const listed = plans.body.plans.map((plan) => plan.id);
    for (const planId of [first, ...others]) expect(listed.filter((id) => id === planId)).toHaveLength(1);
  });

  it('runs a trial longer than PayPal’s 365-day cycle as whole cycles of days, and refuses a period PayPal cannot bill, naming its limits', async () => {
    const planId = await subscriptions().ensurePlanPrice(price({ trialDays: 400 }));
    expect((await planAtPaypal(planId)).billing_cycles[0]).toMatchObject({ tenure_type: 'TRIAL', total_cycles: 2, frequency: { interval_unit: 'DAY', interval_count: 200 } });
    await expect(subscriptions().ensurePlanPrice(price({ interval: 'month', intervalCount: 18 }))).rejects.toThrow(/at most every 365 days, 52 weeks, 12 months or 1 year; price pro-monthly-usd is billed every 18 month/);
  });
});

describe('when PayPal is busy or cannot be reached', () => {
  it('makes one plan when two first subscribers ask for it at once: the other is told PayPal is busy, and its retry answers the same plan', async () => {
    const terms = price({ trialDays: 7 });
    const made = await Promise.allSettled([subscriptions().ensurePlanPrice(terms), subscriptions().ensurePlanPrice(terms)]);
    for (const outcome of made) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PaymentProviderUnavailableError);
    const ids = made.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(new Set([...ids, await subscriptions().ensurePlanPrice(terms)]).size).toBe(1);
  });

  it('makes one subscription when the same subscribe reaches PayPal twice at once', async () => {
    const request = subscriptionRequest(await subscriptions().ensurePlanPrice(price()));
    const key = `subscribe:${crypto.randomUUID()}`;
    const made = await Promise.allSettled([subscriptions().createSubscription(request, key), subscriptions().createSubscription(request, key)]);
    for (const outcome of made) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PaymentProviderUnavailableError);
    const ids = made.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.subscription.id] : []));
    expect(new Set([...ids, (await subscriptions().createSubscription(request, key)).subscription.id]).size).toBe(1);
  });

  it('says PayPal is unavailable (safe to retry with the same key), not that anything failed, when it cannot be reached', async () => {
    const unreachable = paypalSubscriptions(paypalClientFor({ apiBase: 'http://127.0.0.1:9/paypal', clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' }));
    await expect(unreachable.ensurePlanPrice(price())).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    await expect(unreachable.createSubscription(subscriptionRequest('P-1'), 'subscribe:unreachable')).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    await expect(unreachable.retrieveSubscription('I-1')).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    await expect(unreachable.cancelSubscriptionNow('I-1', 'cancel:unreachable')).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
  });
});

describe('starting a PayPal subscription', () => {
  it('makes one PayPal subscription per idempotency key, waiting for the buyer’s approval, with our account as custom_id and the subscriber’s email', async () => {
    const api = subscriptions();
    const planId = await api.ensurePlanPrice(price({ trialDays: 14 }));
    const request = subscriptionRequest(planId, { trialDays: 14 });
    const key = `subscribe:${crypto.randomUUID()}`;
    const first = await api.createSubscription(request, key);
    const again = await api.createSubscription(request, key);
    const other = await api.createSubscription(request, `${key}:2`);
    expect(again.subscription.id).toBe(first.subscription.id);
    expect(other.subscription.id).not.toBe(first.subscription.id);

    const { subscription, pending } = first;
    expect(pending).toEqual({ step: 'approval', handoff: { kind: 'approval', providerOrderId: subscription.id, approveUrl: expect.stringContaining('/webapps/billing/subscriptions?ba_token=BA-') } });
    expect(subscription).toMatchObject({
      provider: 'paypal',
      customerId: request.customerId,
      status: 'incomplete',
      itemId: subscription.id,
      price: { id: planId, lookupKey: null },
      quantity: 1,
      currentPeriodStart: null,
      currentPeriodEnd: null,
      // The trial starts when the buyer approves.
      trialStart: null,
      trialEnd: null,
      wallet: null,
      paymentMethod: null,
      latestInvoiceId: null,
    });
    const atPaypal = await subscriptionAtPaypal(subscription.id);
    expect(atPaypal).toMatchObject({ status: 'APPROVAL_PENDING', custom_id: request.customerId, plan_id: planId });
    expect(await api.retrieveSubscriptionCheckout(subscription.id)).toEqual(first);
    expect(await api.invoicesOf!(subscription.id)).toEqual([]);
  });

  it('asks PayPal for a subscription approved in its popup: no shipping, subscribe at once, no return address, the plan carrying the trial', async () => {
    const api = subscriptions();
    const planId = await api.ensurePlanPrice(price());
    const request = subscriptionRequest(planId, { trialDays: 30 });
    const key = `subscribe:${crypto.randomUUID()}`;
    const sent: { body: unknown; requestId: string | null }[] = [];
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (init?.method === 'POST' && url.endsWith('/v1/billing/subscriptions')) sent.push({ body: JSON.parse(String(init.body)) as unknown, requestId: new Headers(init.headers).get('PayPal-Request-Id') });
      return realFetch(input, init);
    });
    try {
      await api.createSubscription(request, key);
    } finally {
      spy.mockRestore();
    }
    // The sandbox keeps no subscriber given on create (PayPal does, until the buyer's account replaces it): what was asked is checked here.
    expect(sent).toEqual([
      {
        requestId: key,
        body: {
          plan_id: planId,
          custom_id: request.customerId,
          subscriber: { email_address: 'subscriber@example.com' },
          application_context: { shipping_preference: 'NO_SHIPPING', user_action: 'SUBSCRIBE_NOW' },
        },
      },
    ]);
  });

  it('lists the invoices of a subscription it answered from that answer, reading only the transactions again', async () => {
    const api = subscriptions();
    const { id } = await subscribed(price(), 'buyer@example.com');
    const subscription = await api.retrieveSubscription(id);
    const reads: string[] = [];
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if ((init?.method ?? 'GET') === 'GET') reads.push(url.pathname.slice(url.pathname.indexOf('/v1/')));
      return realFetch(input, init);
    });
    try {
      expect(await api.invoicesOf!(id, subscription)).toEqual(await api.invoicesOf!(id));
    } finally {
      spy.mockRestore();
    }
    expect(reads).toEqual([`/v1/billing/subscriptions/${id}/transactions`, `/v1/billing/subscriptions/${id}`, `/v1/billing/subscriptions/${id}/transactions`]);
  });

  it('is active once the buyer approves, drawn from the payer’s PayPal account, with the first payment as its one paid invoice', async () => {
    const api = subscriptions();
    const { id, customerId } = await subscribed(price(), 'buyer@example.com');
    const atPaypal = await subscriptionAtPaypal(id);
    const subscription = await api.retrieveSubscription(id);
    expect(subscription).toMatchObject({ status: 'active', customerId, wallet: { id: atPaypal.subscriber?.payer_id, email: 'buyer@example.com' }, trialStart: null, trialEnd: null, canceledAt: null, endedAt: null });
    expect(subscription.currentPeriodEnd).toEqual(new Date(atPaypal.billing_info?.next_billing_time ?? ''));
    expect(subscription.currentPeriodStart).toEqual(new Date(atPaypal.billing_info?.last_payment?.time ?? ''));
    expect((await api.retrieveSubscriptionCheckout(id)).pending).toBeNull();

    const invoices = await api.invoicesOf!(id);
    expect(invoices).toHaveLength(1);
    const [paid] = invoices as [ProviderInvoice];
    expect(paid).toMatchObject({
      provider: 'paypal',
      customerId,
      subscriptionId: id,
      status: 'paid',
      amountDue: money(900, 'USD'),
      amountPaid: money(900, 'USD'),
      amountRemaining: money(0, 'USD'),
      billingReason: 'subscription_create',
      hostedInvoiceUrl: null,
      invoicePdf: null,
      payment: { id: paid.id, status: 'succeeded', savesCard: false, card: null, failureMessage: null },
    });
    expect(paid.periodStart).toEqual(subscription.currentPeriodStart);
    expect(paid.periodEnd).toEqual(subscription.currentPeriodEnd);
    expect(await api.retrieveInvoice(paid.id)).toEqual(paid);
  });

  it('is trialing after approval on a plan with a free trial, invoicing nothing until the trial ends, then active with a renewal invoice', async () => {
    const api = subscriptions();
    const { id } = await subscribed(price({ trialDays: 14 }));
    const trialing = await api.retrieveSubscription(id);
    const firstCharge = new Date((await subscriptionAtPaypal(id)).billing_info?.next_billing_time ?? '');
    expect(trialing.status).toBe('trialing');
    expect(trialing.trialEnd).toEqual(firstCharge);
    expect(trialing.currentPeriodEnd).toEqual(firstCharge);
    near(trialing.trialStart, new Date(firstCharge.getTime() - 14 * DAY_MS));
    expect(await api.invoicesOf!(id)).toEqual([]);

    await advance(id, 1);
    const renewed = await api.retrieveSubscription(id);
    expect(renewed.status).toBe('active');
    near(renewed.trialEnd, firstCharge);
    const invoices = await api.invoicesOf!(id);
    expect(invoices.map((invoice) => [invoice.status, invoice.amountPaid.amount, invoice.billingReason])).toEqual([['paid', 900, 'subscription_cycle']]);
    expect(renewed.currentPeriodStart).toEqual(invoices[0]?.paidAt);
    expect(renewed.currentPeriodEnd).toEqual(addIntervals(firstCharge, { interval_unit: IntervalUnit.Month, interval_count: 1 }, 1));
  });

  it('adds a renewal invoice and moves the period on when a billing cycle passes', async () => {
    const api = subscriptions();
    const { id } = await subscribed();
    const before = await api.retrieveSubscription(id);
    await advance(id, 1);
    const after = await api.retrieveSubscription(id);
    const invoices = await api.invoicesOf!(id);
    expect(invoices.map((invoice) => [invoice.status, invoice.amountPaid.amount, invoice.billingReason])).toEqual([
      ['paid', 900, 'subscription_create'],
      ['paid', 900, 'subscription_cycle'],
    ]);
    expect(after.status).toBe('active');
    expect(after.currentPeriodStart).toEqual(before.currentPeriodEnd);
    expect(after.currentPeriodStart).toEqual(invoices[1]?.paidAt);
    expect(after.currentPeriodEnd).toEqual(new Date((await subscriptionAtPaypal(id)).billing_info?.next_billing_time ?? ''));
    expect(invoices[0]?.periodEnd).toEqual(invoices[1]?.periodStart);
    expect(invoices[1]?.periodEnd).toEqual(after.currentPeriodEnd);
  });
});

describe('failed renewals', () => {
  it('is past due with one open invoice for the outstanding balance when a renewal fails, and unpaid (suspended) owing both renewals at the threshold, under the same invoice', async () => {
    const api = subscriptions();
    const { id, customerId } = await subscribed(price(), 'renewals-fail@example.com');
    const [firstPayment] = await api.invoicesOf!(id);
    await advance(id, 1);

    const pastDue = await api.retrieveSubscription(id);
    const atPaypal = await subscriptionAtPaypal(id);
    expect(atPaypal).toMatchObject({ status: 'ACTIVE', billing_info: { failed_payments_count: 1, outstanding_balance: { value: '9.00' } } });
    expect(pastDue.status).toBe('past_due');
    expect(pastDue.currentPeriodStart).toEqual(new Date(atPaypal.billing_info?.last_failed_payment?.time ?? ''));
    expect(pastDue.currentPeriodEnd).toEqual(new Date(atPaypal.billing_info?.next_billing_time ?? ''));
    const owedId = `${id}:outstanding-after:${firstPayment?.id}`;
    const invoices = await api.invoicesOf!(id);
    expect(invoices.map((invoice) => [invoice.id, invoice.status])).toEqual([
      [firstPayment?.id, 'paid'],
      [owedId, 'open'],
    ]);
    const open = invoices[1];
    expect(open).toMatchObject({
      customerId,
      subscriptionId: id,
      amountDue: money(900, 'USD'),
      amountPaid: money(0, 'USD'),
      amountRemaining: money(900, 'USD'),
      attemptCount: 1,
      billingReason: 'subscription_cycle',
      nextPaymentAttempt: new Date(atPaypal.billing_info?.next_billing_time ?? ''),
      payment: { id: owedId, status: 'requires_payment_method', failureMessage: 'PayPal denied the payment' },
    });
    expect(await api.retrieveInvoice(owedId)).toEqual(open);

    await advance(id, 1);
    expect(await subscriptionAtPaypal(id)).toMatchObject({ status: 'SUSPENDED', billing_info: { failed_payments_count: 2, outstanding_balance: { value: '18.00' } } });
    const suspended = await api.retrieveSubscription(id);
    expect(suspended.status).toBe('unpaid');
    // Nothing new was paid: the period last paid for ended at the first failed renewal.
    expect(suspended.currentPeriodEnd).toEqual(firstPayment?.periodEnd);
    const owing = await api.invoicesOf!(id);
    expect(owing.map((invoice) => [invoice.id, invoice.status, invoice.amountRemaining.amount, invoice.attemptCount, invoice.nextPaymentAttempt])).toEqual([
      [firstPayment?.id, 'paid', 0, 1, null],
      [owedId, 'open', 1800, 2, null],
    ]);
  });

  it('voids the open invoice, under its id, when PayPal forgives the balance, and is paused while suspended owing nothing', async () => {
    const api = subscriptions();
    const { id } = await subscribed(price(), 'renewals-fail@example.com');
    await advance(id, 2);
    const owedId = (await api.invoicesOf!(id)).find((invoice) => invoice.status === 'open')?.id;
    expect(owedId).toBeDefined();
    const forgiven = await t.rest('PATCH', `/v1/billing/subscriptions/${id}`, [{ op: 'replace', path: '/billing_info/outstanding_balance', value: { currency_code: 'USD', value: '0.00' } }]);
    expect(forgiven.status).toBe(204);

    expect((await api.retrieveSubscription(id)).status).toBe('paused');
    const voided = (await api.invoicesOf!(id)).find((invoice) => invoice.id === owedId);
    expect(voided).toMatchObject({ status: 'void', amountDue: money(1800, 'USD'), amountPaid: money(0, 'USD'), amountRemaining: money(0, 'USD'), paidAt: null, payment: { status: 'canceled' } });
  });

  it('reports a suspension by the merchant, owing nothing, as paused', async () => {
    const api = subscriptions();
    const { id } = await subscribed();
    expect((await t.rest('POST', `/v1/billing/subscriptions/${id}/suspend`, { reason: 'On holiday' })).status).toBe(204);
    expect((await api.retrieveSubscription(id)).status).toBe('paused');
  });
});

describe('the outstanding balance once it is settled', () => {
  // PayPal's sandbox buyer whose renewals fail never pays one later, so the settling payment is
  // written here as PayPal reports it: the next cycle collecting the balance with its own price.
  const failedAt = '2027-02-01T10:00:00Z';
  function reply(overrides: Partial<PaypalSubscriptionReply['billing_info']> = {}, status = SubscriptionStatus.Active): PaypalSubscriptionReply {
    return {
      id: 'I-SETTLED00001',
      status,
      status_update_time: '2027-03-01T10:00:00Z',
      plan_id: 'P-1',
      start_time: '2027-01-01T10:00:00Z',
      create_time: '2027-01-01T10:00:00Z',
      quantity: '1',
      custom_id: 'account:settled',
      subscriber: { email_address: 'buyer@example.com', payer_id: 'PAYER0000001' },
      billing_info: {
        outstanding_balance: { currency_code: 'USD', value: '0.00' },
        failed_payments_count: 0,
        last_failed_payment: { amount: { currency_code: 'USD', value: '9.00' }, time: failedAt, reason_code: 'PAYMENT_DENIED' as never },
        last_payment: { amount: { currency_code: 'USD', value: '18.00' }, time: '2027-03-01T10:00:00Z' },
        next_billing_time: '2027-04-01T10:00:00Z',
        cycle_executions: [{ tenure_type: TenureType.Regular, sequence: 1, cycles_completed: 3, total_cycles: 0 }],
        ...overrides,
      },
      plan: { billing_cycles: [{ tenure_type: TenureType.Regular, sequence: 1, total_cycles: 0, frequency: { interval_unit: IntervalUnit.Month, interval_count: 1 } }] },
    };
  }
  const payment = (id: string, time: string, value: string): PaypalTransaction => ({ id, status: CaptureStatus.Completed, amount_with_breakdown: { gross_amount: { currency_code: 'USD', value } }, time });
  const transactions = [payment('SALE1', '2027-01-01T10:00:00Z', '9.00'), payment('SALE3', '2027-03-01T10:00:00Z', '18.00')];

  it('reports it void once the renewal collected it, under the id it was open with: the money is counted once, on that renewal', () => {
    const open = invoicesFrom(reply({ outstanding_balance: { currency_code: 'USD', value: '9.00' }, failed_payments_count: 1, last_payment: { amount: { currency_code: 'USD', value: '9.00' }, time: '2027-01-01T10:00:00Z' } }), transactions.slice(0, 1));
    const settled = invoicesFrom(reply(), transactions);
    const owedId = 'I-SETTLED00001:outstanding-after:SALE1';
    expect(open.map((invoice) => [invoice.id, invoice.status])).toEqual([
      ['SALE1', 'paid'],
      [owedId, 'open'],
    ]);
    expect(settled.map((invoice) => [invoice.id, invoice.status])).toEqual([
      ['SALE1', 'paid'],
      [owedId, 'void'],
      ['SALE3', 'paid'],
    ]);
    expect(settled[1]).toMatchObject({ amountDue: money(900, 'USD'), amountPaid: money(0, 'USD'), amountRemaining: money(0, 'USD'), paidAt: null, payment: { id: 'SALE3', status: 'succeeded' } });
    expect(settled[2]).toMatchObject({ amountPaid: money(1800, 'USD') });
  });

  it('keeps one id across consecutive failed renewals, as no payment comes between them', () => {
    const once = invoicesFrom(reply({ outstanding_balance: { currency_code: 'USD', value: '9.00' }, failed_payments_count: 1 }), transactions.slice(0, 1));
    const twice = invoicesFrom(
      reply({ outstanding_balance: { currency_code: 'USD', value: '18.00' }, failed_payments_count: 2, last_failed_payment: { amount: { currency_code: 'USD', value: '18.00' }, time: '2027-03-01T10:00:00Z' } }),
      transactions.slice(0, 1),
    );
    expect(once.at(-1)?.id).toBe(twice.at(-1)?.id);
    expect(twice.at(-1)).toMatchObject({ status: 'open', amountRemaining: money(1800, 'USD'), attemptCount: 2 });
  });

  it('reports a balance left on a cancelled subscription as uncollectible: PayPal bills it no more', () => {
    const cancelled = invoicesFrom(reply({ outstanding_balance: { currency_code: 'USD', value: '9.00' }, failed_payments_count: 1, next_billing_time: undefined }, SubscriptionStatus.Cancelled), transactions.slice(0, 1));
    expect(cancelled.at(-1)).toMatchObject({ status: 'uncollectible', amountRemaining: money(900, 'USD'), nextPaymentAttempt: null });
  });
});

describe('ending a PayPal subscription', () => {
  it('cancels an active subscription at once, keeping the end of the period paid for, and answers an ended one as it is', async () => {
    const api = subscriptions();
    const { id } = await subscribed();
    const paidUntil = (await api.retrieveSubscription(id)).currentPeriodEnd;
    const cancelled = await api.cancelSubscriptionNow(id, `cancel:${id}`);
    const atPaypal = await subscriptionAtPaypal(id);
    expect(atPaypal.status).toBe('CANCELLED');
    expect(cancelled).toMatchObject({ status: 'canceled', currentPeriodEnd: paidUntil, canceledAt: new Date(atPaypal.status_update_time ?? ''), endedAt: new Date(atPaypal.status_update_time ?? ''), cancelAtPeriodEnd: false });
    expect(await api.cancelSubscriptionNow(id, `cancel:${id}`)).toEqual(cancelled);
    expect((await api.invoicesOf!(id)).map((invoice) => invoice.status)).toEqual(['paid']);
  });

  it('keeps a cancelled trial’s end as the end of its access', async () => {
    const api = subscriptions();
    const { id } = await subscribed(price({ trialDays: 14 }));
    const trialEnd = (await api.retrieveSubscription(id)).trialEnd;
    const cancelled = await api.cancelSubscriptionNow(id, `cancel:${id}`);
    expect(cancelled.status).toBe('canceled');
    near(cancelled.currentPeriodEnd, trialEnd ?? new Date(0));
    expect(cancelled.trialStart).not.toBeNull();
  });

  it('leaves a subscription nobody approved as it is, since PayPal cancels only active or suspended ones', async () => {
    const api = subscriptions();
    const checkout = await api.createSubscription(subscriptionRequest(await api.ensurePlanPrice(price())), `subscribe:${crypto.randomUUID()}`);
    const answer = await api.cancelSubscriptionNow(checkout.subscription.id, 'cancel:pending');
    expect(answer).toEqual(checkout.subscription);
    expect((await subscriptionAtPaypal(checkout.subscription.id)).status).toBe('APPROVAL_PENDING');
  });

  it('reports an expired subscription as canceled and ended', async () => {
    const api = subscriptions();
    const planId = await api.ensurePlanPrice(price());
    // A finite plan, as a merchant may make at PayPal: Billfold's own run until cancelled.
    const finite = await t.rest<{ id: string }>('POST', '/v1/billing/plans', {
      product_id: (await planAtPaypal(planId)).product_id,
      name: 'Two weeks',
      billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: 1, frequency: { interval_unit: 'WEEK', interval_count: 1 }, pricing_scheme: { fixed_price: { currency_code: 'USD', value: '3.00' } } }],
      payment_preferences: { auto_bill_outstanding: true },
    });
    const checkout = await api.createSubscription(subscriptionRequest(finite.body.id), `subscribe:${crypto.randomUUID()}`);
    await approve(checkout);
    await advance(checkout.subscription.id, 1);
    const atPaypal = await subscriptionAtPaypal(checkout.subscription.id);
    expect(atPaypal.status).toBe('EXPIRED');
    expect(await api.retrieveSubscription(checkout.subscription.id)).toMatchObject({ status: 'canceled', canceledAt: null, endedAt: new Date(atPaypal.status_update_time ?? '') });
  });
});

describe('currencies without decimals', () => {
  it('bills JPY in whole yen, exactly: the plan’s price, the paid invoice and the outstanding balance', async () => {
    const api = subscriptions();
    const terms = price({ lookupKey: 'pro-monthly-jpy', amount: money(1500, 'JPY') });
    const planId = await api.ensurePlanPrice(terms);
    expect((await planAtPaypal(planId)).billing_cycles[0]?.pricing_scheme?.fixed_price).toEqual({ currency_code: 'JPY', value: '1500' });
    const { id } = await subscribed(terms, 'renewals-fail@example.com');
    await advance(id, 1);
    const invoices = await api.invoicesOf!(id);
    expect(invoices.map((invoice) => [invoice.status, invoice.amountDue, invoice.amountRemaining])).toEqual([
      ['paid', money(1500, 'JPY'), money(0, 'JPY')],
      ['open', money(1500, 'JPY'), money(1500, 'JPY')],
    ]);
  });
});
