import { IntervalUnit } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { unitsOf } from '../money';
import type { SaleResource } from '../sales';
import { expectMatchesPaypalSpec } from './openapi';
import { CANCEL_URL, DAY, freeTrial, regular, RETURN_URL, subscriptionSupport, type Subscription } from './subscription-support';
import { paypalSandbox } from './support';

const t = paypalSandbox();
const { subscriptions, newProduct, newPlan, subscribe, decide, subscribed, show, advance, salesOf, eventsFor, sdkError } = subscriptionSupport(t);
describe('subscribing through the consent page', () => {
  it('charges nothing during a free trial, then bills the first regular cycle as a sale when time passes it, and renews monthly', async () => {
    const planId = await newPlan([freeTrial(7), regular('9.99', IntervalUnit.Month, 0, 2)]);
    const { id, approve } = await subscribe(planId, { customId: 'order-42' });
    const page = await (await fetch(approve)).text();
    expect(page).toContain('Free trial: 7 days');
    expect(page).toContain('Then 9.99 USD per month until cancelled');
    const approved = await decide(approve, 'buyer@example.com');
    const location = new URL(approved.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(RETURN_URL);
    expect(location.searchParams.get('subscription_id')).toBe(id);
    expect(location.searchParams.get('ba_token')).toMatch(/^BA-[A-Z0-9]{17}$/);
    expect(location.searchParams.get('token')).toEqual(expect.any(String));

    const active = await show(id);
    expect(active.status).toBe('ACTIVE');
    expect(active.subscriber).toMatchObject({ email_address: 'buyer@example.com', payer_id: expect.any(String) });
    expect(active.billing_info?.cycle_executions).toEqual([
      { tenure_type: 'TRIAL', sequence: 1, cycles_completed: 1, cycles_remaining: 0, total_cycles: 1 },
      { tenure_type: 'REGULAR', sequence: 2, cycles_completed: 0, cycles_remaining: 0, total_cycles: 0 },
    ]);
    expect(active.billing_info?.last_payment).toBeUndefined();
    const trialEnds = Date.parse(active.billing_info?.next_billing_time ?? '') / 1000;
    // The trial starts when the buyer's approval activates it (a loaded machine may be a second past start_time by then).
    expect(trialEnds - Date.parse(active.status_update_time) / 1000).toBe(7 * DAY);
    expect(await salesOf(id)).toEqual([]);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.ACTIVATED')).toHaveLength(1);

    const afterTrial = await advance(id, { cycles: 1 });
    expect(afterTrial.billing_info?.last_payment?.amount).toEqual({ currency_code: 'USD', value: '9.99' });
    const [sale] = await salesOf(id);
    expect(sale).toMatchObject({ state: 'completed', amount: { total: '9.99', currency: 'USD', details: { subtotal: '9.99' } }, billing_agreement_id: id, custom: 'order-42' });
    const [completed] = await eventsFor(id, 'PAYMENT.SALE.COMPLETED');
    expect(completed).toMatchObject({ resource_type: 'sale', resource_version: '1.0', resource: { id: sale?.id } });
    const firstRegular = Date.parse(afterTrial.billing_info?.next_billing_time ?? '') / 1000;
    expect(new Date(firstRegular * 1000).getUTCDate()).toBe(new Date(trialEnds * 1000).getUTCDate());

    const renewed = await advance(id, { cycles: 1 });
    expect(renewed.billing_info?.cycle_executions[1]?.cycles_completed).toBe(2);
    expect(await salesOf(id)).toHaveLength(2);
    const transactionsPath = `/v1/billing/subscriptions/${id}/transactions?start_time=2020-01-01T00:00:00Z&end_time=2099-01-01T00:00:00Z`;
    const { result: listed } = await subscriptions().listSubscriptionTransactions({ id, startTime: '2020-01-01T00:00:00Z', endTime: '2099-01-01T00:00:00Z' });
    expect(listed.transactions?.map((transaction) => transaction.status)).toEqual(['COMPLETED', 'COMPLETED']);
    const raw = await t.rest<{ transactions: { amount_with_breakdown: { gross_amount: { value: string }; fee_amount: { value: string }; net_amount: { value: string } }; payer_email: string }[] }>('GET', transactionsPath);
    expectMatchesPaypalSpec('GET', transactionsPath, raw.status, raw.body);
    const [first] = raw.body.transactions;
    expect(first?.payer_email).toBe('buyer@example.com');
    const cents = (value: string | undefined) => unitsOf({ currency_code: 'USD', value: value ?? '' });
    expect(first?.amount_with_breakdown.gross_amount.value).toBe('9.99');
    // The fee and what the merchant keeps add up to the payment, in whole cents.
    expect(cents(first?.amount_with_breakdown.fee_amount.value) + cents(first?.amount_with_breakdown.net_amount.value)).toBe(999);
  });

  it('bills the first regular cycle at approval when there is no trial, and counts from the 31st to the end of the next month', async () => {
    const planId = await newPlan([regular('20.00')]);
    const id = await subscribed(planId);
    const active = await show(id);
    expect(active.billing_info?.last_payment?.amount.value).toBe('20.00');
    expect(await salesOf(id)).toHaveLength(1);
    expect(await eventsFor(id, 'PAYMENT.SALE.COMPLETED')).toHaveLength(1);
    // Calendar months: from 31 January, February's last day, then 31 March.
    const { addIntervals } = await import('../billing-cycles');
    const january31 = Date.UTC(2027, 0, 31, 12) / 1000;
    expect(new Date(addIntervals(january31, { interval_unit: 'MONTH', interval_count: 1 }, 1) * 1000).toISOString()).toBe('2027-02-28T12:00:00.000Z');
    expect(new Date(addIntervals(january31, { interval_unit: 'MONTH', interval_count: 1 }, 2) * 1000).toISOString()).toBe('2027-03-31T12:00:00.000Z');
  });

  it('leaves the subscription waiting for approval when the buyer cancels, and refuses a buyer whose funding is refused', async () => {
    const planId = await newPlan([regular('5.00')]);
    const { id, approve } = await subscribe(planId);
    const refused = await decide(approve, 'declined@example.com');
    expect(refused.status).toBe(200);
    expect(await refused.text()).toContain('could not set up payments');
    const cancelled = await decide(approve, 'buyer@example.com', 'cancel');
    expect(cancelled.headers.get('location')).toContain(`${CANCEL_URL}?subscription_id=${id}`);
    expect((await show(id)).status).toBe('APPROVAL_PENDING');
  });

  it('tells the opening window in a popup: the subscription id and the payer id, to the shop’s origin only', async () => {
    const planId = await newPlan([regular('5.00')]);
    const { id, approve } = await subscribe(planId);
    const response = await decide(`${approve}&sdk_origin=${encodeURIComponent('https://shop.example')}`, 'buyer@example.com');
    expect(response.status).toBe(200);
    const html = await response.text();
    const message = JSON.parse(/postMessage\((\{.*?\}), "https:\/\/shop\.example"\)/.exec(html)?.[1] ?? 'null') as { outcome: string; subscriptionId: string; payerId: string };
    expect(message).toMatchObject({ outcome: 'approved', subscriptionId: id, payerId: (await show(id)).subscriber?.payer_id });
  });

  it('approves by subscription id, as the JS SDK’s subscription session opens the page: the same consent as the ba_token link, told to the opener', async () => {
    const planId = await newPlan([regular('5.00')]);
    const { id, approve } = await subscribe(planId);
    const bySubscription = `${t.paypalUrl}/webapps/billing/subscriptions?subscription_id=${id}`;
    const page = await fetch(bySubscription);
    expect(page.status).toBe(200);
    const form = await page.text();
    expect(form).toContain('Then 5.00 USD per month until cancelled');
    // The form posts back to the page itself, under the prefix the sandbox is mounted at.
    const action = /<form method="post" action="([^"]*)"/.exec(form)?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(new URL(action, bySubscription).href).toBe(bySubscription);

    const response = await decide(`${bySubscription}&sdk_origin=${encodeURIComponent('https://shop.example')}`, 'buyer@example.com');
    expect(response.status).toBe(200);
    const html = await response.text();
    const message = JSON.parse(/postMessage\((\{.*?\}), "https:\/\/shop\.example"\)/.exec(html)?.[1] ?? 'null') as { outcome: string; subscriptionId: string; payerId: string };
    const active = await show(id);
    expect(active.status).toBe('ACTIVE');
    expect(message).toEqual({ source: 'billfold-paypal-sandbox', outcome: 'approved', subscriptionId: id, payerId: active.subscriber?.payer_id });
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.ACTIVATED')).toHaveLength(1);
    expect(await salesOf(id)).toHaveLength(1);
    // It was the ba_token link's consent: that link is now answered as already given.
    expect(await (await fetch(approve)).text()).toContain('This subscription is already active.');
  });

  it('without an opener, sends the buyer approving by subscription id to return_url with the ba_token of the approve link', async () => {
    const planId = await newPlan([regular('5.00')]);
    const { id, approve } = await subscribe(planId);
    const response = await decide(`${t.paypalUrl}/webapps/billing/subscriptions?subscription_id=${id}`, 'buyer@example.com');
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(RETURN_URL);
    expect(location.searchParams.get('subscription_id')).toBe(id);
    expect(location.searchParams.get('ba_token')).toBe(new URL(approve).searchParams.get('ba_token'));
    expect((await show(id)).status).toBe('ACTIVE');
  });

  it('refuses a subscription id that is unknown or no longer waiting for approval as it refuses a bad ba_token, and changes nothing', async () => {
    const consent = `${t.paypalUrl}/webapps/billing/subscriptions`;
    const badToken = await fetch(`${consent}?ba_token=BA-NOSUCHTOKEN0000`);
    expect(badToken.status).toBe(404);
    const refusal = await badToken.text();
    expect(refusal).toContain('Subscription not found');

    const planId = await newPlan([regular('5.00')]);
    const active = await subscribed(planId);
    const cancelled = await subscribed(planId);
    expect((await subscriptions().cancelSubscription({ id: cancelled, body: { reason: 'Moved away' } })).statusCode).toBe(204);
    const pending = await subscribe(planId);
    for (const id of ['I-NOSUCHSUBSCRIPTION', active, cancelled]) {
      const page = await fetch(`${consent}?subscription_id=${id}`);
      expect(page.status, id).toBe(404);
      expect(await page.text(), id).toBe(refusal);
      const posted = await decide(`${consent}?subscription_id=${id}&sdk_origin=${encodeURIComponent('https://shop.example')}`, 'buyer@example.com');
      expect(posted.status, id).toBe(404);
      expect(await posted.text(), id).toBe(refusal);
    }
    // Only a new subscription's page takes an id: a revision is named by its own ba_token.
    const revision = await fetch(`${consent}/update?subscription_id=${pending.id}`);
    expect(revision.status).toBe(404);
    expect((await show(active)).status).toBe('ACTIVE');
    expect((await show(cancelled)).status).toBe('CANCELLED');
    expect((await show(pending.id)).status).toBe('APPROVAL_PENDING');
    expect(await eventsFor(active, 'BILLING.SUBSCRIPTION.ACTIVATED')).toHaveLength(1);
    expect(await salesOf(active)).toHaveLength(1);
  });
});

describe('renewals as time passes', () => {
  it('counts failed renewals of the renewals-fail buyer, grows the outstanding balance and suspends at the threshold', async () => {
    const planId = await newPlan([regular('5.00', IntervalUnit.Day)], { threshold: 2 });
    const id = await subscribed(planId, 'renewals-fail@example.com');
    expect(await salesOf(id)).toHaveLength(1);

    const once = await advance(id, { cycles: 1 });
    expect(once.status).toBe('ACTIVE');
    expect(once.billing_info).toMatchObject({ failed_payments_count: 1, outstanding_balance: { value: '5.00', currency_code: 'USD' } });
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED')).toHaveLength(1);
    expect((await show(id)).billing_info?.last_failed_payment).toBeUndefined();
    expect((await show(id, 'last_failed_payment')).billing_info?.last_failed_payment).toMatchObject({ amount: { value: '5.00' }, reason_code: 'PAYMENT_DENIED' });
    const { result: viaSdk } = await subscriptions().getSubscription({ id, fields: 'last_failed_payment,plan' });
    expect(viaSdk.billingInfo?.lastFailedPayment?.amount?.value).toBe('5.00');
    expect(viaSdk.plan?.paymentPreferences?.paymentFailureThreshold).toBe(2);
    expect((await subscriptions().getBillingPlan(planId)).result.billingCycles?.[0]?.pricingScheme?.fixedPrice?.value).toBe('5.00');

    const twice = await advance(id, { cycles: 1 });
    expect(twice.status).toBe('SUSPENDED');
    expect(twice.billing_info).toMatchObject({ failed_payments_count: 2, outstanding_balance: { value: '10.00' } });
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.SUSPENDED')).toHaveLength(1);
    expect(await salesOf(id)).toHaveLength(1);
    // Suspended: time passing bills nothing.
    await advance(id, { seconds: 10 * DAY });
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED')).toHaveLength(2);

    const blocked = await sdkError(subscriptions().activateSubscription({ id, body: { reason: 'Paid' } }));
    expect(blocked.statusCode).toBe(422);
    expect(blocked.result.details?.[0]?.issue).toBe('SUBSCRIPTION_CANNOT_BE_ACTIVATED');
    const declined = await t.rest('POST', `/v1/billing/subscriptions/${id}/capture`, { note: 'Balance', capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: 'USD', value: '10.00' } });
    expect(declined.status).toBe(202);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED')).toHaveLength(3);
    expect((await show(id)).billing_info?.outstanding_balance.value).toBe('10.00');
    const tooMuch = await t.rest('POST', `/v1/billing/subscriptions/${id}/capture`, { note: 'Balance', capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: 'USD', value: '10.01' } });
    expect(tooMuch.body).toMatchObject({ details: [{ issue: 'AMOUNT_GREATER_THAN_OUTSTANDING_BALANCE' }] });
    const forgiven = await t.rest('PATCH', `/v1/billing/subscriptions/${id}`, [{ op: 'replace', path: '/billing_info/outstanding_balance', value: { currency_code: 'USD', value: '0.00' } }]);
    expect(forgiven.status).toBe(204);
    await subscriptions().activateSubscription({ id, body: { reason: 'Settled' } });
    // Billing resumes at once: the cycle due while suspended is billed (and fails) once, not for every day missed.
    const resumed = await show(id);
    expect(resumed.status).toBe('ACTIVE');
    expect(resumed.billing_info?.failed_payments_count).toBe(1);
    expect(Date.parse(resumed.billing_info?.next_billing_time ?? '') - Date.parse(resumed.status_update_time)).toBe(DAY * 1000);
  });

  it('captures an outstanding balance from a buyer whose funding works', async () => {
    const planId = await newPlan([regular('7.00', IntervalUnit.Week)]);
    const id = await subscribed(planId);
    const zero = await sdkError(subscriptions().captureSubscription({ id, body: { note: 'x', captureType: 'OUTSTANDING_BALANCE' as never, amount: { currencyCode: 'USD', value: '1.00' } } }));
    expect(zero.result.details?.[0]?.issue).toBe('ZERO_OUTSTANDING_BALANCE');
    await t.server.store.sql`update sandbox.objects set data = jsonb_set(data, '{internal,outstanding}', '700') where id = ${id}`;
    const path = `/v1/billing/subscriptions/${id}/capture`;
    const captured = await t.rest('POST', path, { note: 'Balance', capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: 'USD', value: '7.00' } }, { 'PayPal-Request-Id': `capture-${id}` });
    expect(captured.status).toBe(202);
    expectMatchesPaypalSpec('POST', path, captured.status, captured.body);
    const replayed = await t.rest('POST', path, { note: 'Balance', capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: 'USD', value: '7.00' } }, { 'PayPal-Request-Id': `capture-${id}` });
    expect(replayed.status).toBe(202);
    expect((await show(id)).billing_info?.outstanding_balance.value).toBe('0.00');
    expect(await salesOf(id)).toHaveLength(2);
  });

  it('expires after the plan’s total cycles, at the end of the last one', async () => {
    const planId = await newPlan([regular('3.00', IntervalUnit.Week, 2)]);
    const id = await subscribed(planId);
    const first = await show(id);
    expect(first.billing_info?.final_payment_time).toBe(first.billing_info?.next_billing_time);
    const last = await advance(id, { cycles: 1 });
    expect(last.status).toBe('ACTIVE');
    expect(last.billing_info?.next_billing_time).toBeUndefined();
    expect(last.billing_info?.cycle_executions[0]).toMatchObject({ cycles_completed: 2, cycles_remaining: 0 });
    const expired = await advance(id, { cycles: 1 });
    expect(expired.status).toBe('EXPIRED');
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.EXPIRED')).toHaveLength(1);
    expect(await salesOf(id)).toHaveLength(2);
  });

  it('renews by the wall clock when a trial ends a few seconds from now, with no advance reaching it', async () => {
    const planId = await newPlan([freeTrial(1), regular('4.00', IntervalUnit.Month, 0, 2)]);
    const id = await subscribed(planId);
    // Move its clock to three seconds before the trial ends; the renewal itself is left to real time.
    await advance(id, { seconds: DAY - 3 });
    expect(await salesOf(id)).toHaveLength(0);
    const deadline = Date.now() + 12_000;
    while ((await salesOf(id)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await salesOf(id)).toHaveLength(1);
    expect((await show(id)).billing_info?.cycle_executions[1]?.cycles_completed).toBe(1);
  }, 20_000);

  it('charges existing subscribers a new plan price only from cycles billed ten days after the change', async () => {
    const planId = await newPlan([regular('10.00', IntervalUnit.Week)]);
    const id = await subscribed(planId);
    await subscriptions().updateBillingPlanPricingSchemes({ id: planId, body: { pricingSchemes: [{ billingCycleSequence: 1, pricingScheme: { fixedPrice: { currencyCode: 'USD', value: '12.00' } } }] } });
    expect((await t.events('BILLING.PLAN.PRICING-CHANGE.ACTIVATED')).length).toBeGreaterThan(0);
    await advance(id, { cycles: 2 });
    expect((await salesOf(id)).map((sale) => sale.amount.total)).toEqual(['10.00', '10.00', '12.00']);
    const newcomer = await subscribed(planId);
    expect((await salesOf(newcomer)).map((sale) => sale.amount.total)).toEqual(['12.00']);
  });
});

describe('subscription status rules', () => {
  it('suspends only ACTIVE, activates only SUSPENDED, cancels ACTIVE or SUSPENDED, each with its event', async () => {
    const planId = await newPlan([regular('8.00')]);
    const pending = await subscribe(planId);
    const notYet = await t.rest('POST', `/v1/billing/subscriptions/${pending.id}/suspend`, { reason: 'x' });
    expect(notYet.status).toBe(422);
    expectMatchesPaypalSpec('POST', `/v1/billing/subscriptions/${pending.id}/suspend`, 422, notYet.body);
    expect(notYet.body).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'SUBSCRIPTION_STATUS_INVALID' }] });

    const id = await subscribed(planId);
    const active = await sdkError(subscriptions().activateSubscription({ id, body: { reason: 'again' } }));
    expect(active.result.details?.[0]?.issue).toBe('SUBSCRIPTION_STATUS_INVALID');
    await subscriptions().suspendSubscription({ id, body: { reason: 'Customer asked' } });
    const suspended = await show(id);
    expect(suspended).toMatchObject({ status: 'SUSPENDED', status_change_note: 'Customer asked' });
    expect(suspended.links.map((link) => link.rel)).toContain('activate');
    expect((await sdkError(subscriptions().suspendSubscription({ id, body: { reason: 'twice' } }))).result.details?.[0]?.issue).toBe('SUBSCRIPTION_STATUS_INVALID');
    await advance(id, { seconds: 40 * DAY });
    expect(await salesOf(id)).toHaveLength(1);
    await subscriptions().activateSubscription({ id, body: { reason: 'Back' } });
    expect((await show(id)).status).toBe('ACTIVE');
    const cancelPath = `/v1/billing/subscriptions/${id}/cancel`;
    const cancelled = await t.rest('POST', cancelPath, { reason: 'Not needed' });
    expect(cancelled.status).toBe(204);
    expectMatchesPaypalSpec('POST', cancelPath, 204, cancelled.body);
    expect((await show(id)).status).toBe('CANCELLED');
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.SUSPENDED')).toHaveLength(1);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.ACTIVATED')).toHaveLength(2);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.CANCELLED')).toHaveLength(1);
    expect((await t.rest('POST', cancelPath, { reason: 'again' })).body).toMatchObject({ details: [{ issue: 'SUBSCRIPTION_STATUS_INVALID' }] });
    const missingReason = await t.rest('POST', `/v1/billing/subscriptions/${id}/cancel`, {});
    expect(missingReason.status).toBe(400);
  });

  it('waits for the merchant to activate when the buyer approved with user_action CONTINUE', async () => {
    const planId = await newPlan([regular('6.00')]);
    const created = await t.rest<Subscription>('POST', '/v1/billing/subscriptions', { plan_id: planId, application_context: { user_action: 'CONTINUE', return_url: RETURN_URL, cancel_url: CANCEL_URL } });
    expectMatchesPaypalSpec('POST', '/v1/billing/subscriptions', created.status, created.body);
    const approve = created.body.links.find((link) => link.rel === 'approve')?.href ?? '';
    await decide(approve, 'buyer@example.com');
    expect((await show(created.body.id)).status).toBe('APPROVED');
    expect(await salesOf(created.body.id)).toHaveLength(0);
    await subscriptions().activateSubscription({ id: created.body.id, body: { reason: 'Go' } });
    expect((await show(created.body.id)).status).toBe('ACTIVE');
    expect(await salesOf(created.body.id)).toHaveLength(1);
  });

  it('revises to another plan of the product once the buyer approves the change, billing its price from the next cycle', async () => {
    const productId = await newProduct();
    const basic = await newPlan([regular('5.00')], { productId, name: 'Basic' });
    const premium = await newPlan([regular('15.00')], { productId, name: 'Premium' });
    const id = await subscribed(basic);
    const { result } = await subscriptions().reviseSubscription({ id, body: { planId: premium } });
    expect(result.planId).toBe(premium);
    const raw = await t.rest<{ links: { rel: string; href: string }[] }>('POST', `/v1/billing/subscriptions/${id}/revise`, { plan_id: premium });
    expectMatchesPaypalSpec('POST', `/v1/billing/subscriptions/${id}/revise`, raw.status, raw.body);
    const approve = raw.body.links.find((link) => link.rel === 'approve')?.href ?? '';
    expect(approve).toContain('/webapps/billing/subscriptions/update?ba_token=BA-');
    expect((await show(id)).plan_id).toBe(basic);
    expect(await (await fetch(approve)).text()).toContain('Premium');
    expect((await decide(approve, 'buyer@example.com')).status).toBe(303);
    expect((await show(id)).plan_id).toBe(premium);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.UPDATED')).toHaveLength(1);
    await advance(id, { cycles: 1 });
    expect((await salesOf(id)).map((sale) => sale.amount.total)).toEqual(['5.00', '15.00']);
    const otherProduct = await newPlan([regular('1.00')]);
    const incompatible = await sdkError(subscriptions().reviseSubscription({ id, body: { planId: otherProduct } }));
    expect(incompatible.result.details?.[0]?.issue).toBe('PLAN_PRODUCT_NOT_COMPATIBLE');
  });
});

describe('creating plans and subscriptions', () => {
  it('makes one subscription from eight concurrent creates with one PayPal-Request-Id', async () => {
    const planId = await newPlan([regular('2.00')]);
    const headers = { 'PayPal-Request-Id': `subscribe-${planId}` };
    const replies = await Promise.all(Array.from({ length: 8 }, () => t.rest<{ id?: string; details?: { issue: string }[] }>('POST', '/v1/billing/subscriptions', { plan_id: planId }, headers)));
    const made = replies.filter((reply) => reply.status === 201);
    expect(made.length).toBeGreaterThan(0);
    expect(new Set(made.map((reply) => reply.body.id)).size).toBe(1);
    for (const reply of replies.filter((candidate) => candidate.status !== 201)) expect([reply.status, reply.body.details?.[0]?.issue]).toEqual([409, 'PREVIOUS_REQUEST_IN_PROGRESS']);
    const [row] = await t.server.store.sql<{ count: string }[]>`select count(*) from sandbox.objects where type = 'paypal_subscription' and data->'resource'->>'plan_id' = ${planId}`;
    expect(Number(row?.count)).toBe(1);
    const later = await t.rest<{ id: string }>('POST', '/v1/billing/subscriptions', { plan_id: planId }, headers);
    expect(later.status).toBe(201);
    expect(later.body.id).toBe(made[0]?.body.id);
  });

  it('refuses bad plans and subscriptions with PayPal’s errors and stores nothing', async () => {
    const productId = await newProduct();
    const count = async () => Number((await t.server.store.sql<{ count: string }[]>`select count(*) from sandbox.objects where type in ('paypal_plan', 'paypal_subscription')`)[0]?.count);
    const before = await count();
    const cycle = (sequence: number, tenure: 'TRIAL' | 'REGULAR', price?: { currency_code: string; value: string }) => ({ tenure_type: tenure, sequence, total_cycles: tenure === 'TRIAL' ? 1 : 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, ...(price ? { pricing_scheme: { fixed_price: price } } : {}) });
    const plan = (billing_cycles: unknown[], product = productId) => t.rest<{ details: { issue: string }[] }>('POST', '/v1/billing/plans', { product_id: product, name: 'Bad', billing_cycles, payment_preferences: {} });
    const usd = { currency_code: 'USD', value: '5.00' };
    const cases: [Awaited<ReturnType<typeof plan>>, number, string][] = [
      [await plan([cycle(1, 'REGULAR', usd)], 'PROD-UNKNOWN00000'), 400, 'INVALID_PARAMETER_VALUE'],
      [await plan([cycle(1, 'TRIAL', { currency_code: 'EUR', value: '1.00' }), cycle(2, 'REGULAR', usd)]), 422, 'CURRENCY_MISMATCH'],
      [await plan([cycle(1, 'REGULAR', { currency_code: 'JPY', value: '100.5' })]), 400, 'DECIMALS_NOT_SUPPORTED'],
      [await plan([cycle(1, 'REGULAR', usd), cycle(2, 'TRIAL')]), 422, 'INVALID_BILLING_CYCLE_SEQUENCE'],
      [await plan([cycle(1, 'TRIAL'), cycle(2, 'TRIAL', usd), cycle(3, 'TRIAL', usd), cycle(4, 'REGULAR', usd)]), 422, 'MORE_THAN_TWO_TRIAL_BILLING_CYCLE_NOT_SUPPORTED'],
      [await plan([cycle(1, 'TRIAL')]), 422, 'MISSING_REGULAR_BILLING_CYCLE'],
    ];
    for (const [reply, status, issue] of cases) {
      expect(reply.status).toBe(status);
      expect(reply.body.details[0]?.issue).toBe(issue);
      expectMatchesPaypalSpec('POST', '/v1/billing/plans', reply.status, reply.body);
    }
    const unknownPlan = await t.rest<{ details: { issue: string; field: string }[] }>('POST', '/v1/billing/subscriptions', { plan_id: 'P-NOTAPLAN' });
    expect(unknownPlan.status).toBe(400);
    expect(unknownPlan.body.details[0]).toMatchObject({ issue: 'INVALID_PARAMETER_VALUE', field: '/plan_id' });
    expect(await count()).toBe(before);

    const inactive = await newPlan([regular('5.00')], { productId });
    await subscriptions().deactivateBillingPlan(inactive);
    const refused = await sdkError(subscriptions().createSubscription({ body: { planId: inactive } }));
    expect(refused.statusCode).toBe(422);
    expect(refused.result.details?.[0]?.issue).toBe('PLAN_STATUS_INVALID');
    const twice = await sdkError(subscriptions().deactivateBillingPlan(inactive));
    expect(twice.result.details?.[0]?.issue).toBe('PLAN_STATUS_INVALID');
    expect(await count()).toBe(before + 1);
  });

  it('lists, shows, patches, deactivates and activates plans, raising BILLING.PLAN events', async () => {
    const productId = await newProduct();
    const planId = await newPlan([freeTrial(14), regular('9.00', IntervalUnit.Year, 0, 2)], { productId });
    const { result: listed } = await subscriptions().listBillingPlans({ productId, totalRequired: true });
    expect(listed.plans?.map((plan) => plan.id)).toEqual([planId]);
    expect(listed.totalItems).toBe(1);
    const rawList = await t.rest('GET', `/v1/billing/plans?product_id=${productId}&total_required=true`);
    expectMatchesPaypalSpec('GET', '/v1/billing/plans', rawList.status, rawList.body);
    const patched = await t.rest('PATCH', `/v1/billing/plans/${planId}`, [{ op: 'replace', path: '/payment_preferences/payment_failure_threshold', value: 3 }, { op: 'replace', path: '/name', value: 'Yearly' }]);
    expect(patched.status).toBe(204);
    const shown = await t.rest<{ name: string; payment_preferences: { payment_failure_threshold: number }; billing_cycles: unknown[] }>('GET', `/v1/billing/plans/${planId}`);
    expectMatchesPaypalSpec('GET', `/v1/billing/plans/${planId}`, shown.status, shown.body);
    expect(shown.body).toMatchObject({ name: 'Yearly', payment_preferences: { payment_failure_threshold: 3 } });
    await subscriptions().deactivateBillingPlan(planId);
    const inactivePatch = await t.rest('PATCH', `/v1/billing/plans/${planId}`, [{ op: 'replace', path: '/name', value: 'No' }]);
    expect(inactivePatch.body).toMatchObject({ details: [{ issue: 'PLAN_STATUS_INACTIVE' }] });
    await subscriptions().activateBillingPlan(planId);
    const types = (await t.events()).filter((event) => (event.resource as { id?: string }).id === planId).map((event) => event.event_type);
    expect(types).toEqual(['BILLING.PLAN.CREATED', 'BILLING.PLAN.UPDATED', 'BILLING.PLAN.DEACTIVATED', 'BILLING.PLAN.ACTIVATED']);
  });
});

describe('sales', () => {
  it('refunds a subscription payment in part and then in full, raising PAYMENT.SALE.REFUNDED, and refuses more', async () => {
    const planId = await newPlan([regular('10.00')]);
    const id = await subscribed(planId);
    const [sale] = await salesOf(id);
    const path = `/v1/payments/sale/${sale?.id}/refund`;
    const part = await t.rest<{ state: string; amount: { total: string }; total_refunded_amount: { value: string }; sale_id: string }>('POST', path, { amount: { total: '4.00', currency: 'USD' } });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({ state: 'completed', amount: { total: '4.00' }, total_refunded_amount: { value: '4.00' }, sale_id: sale?.id });
    expect((await t.rest<SaleResource>('GET', `/v1/payments/sale/${sale?.id}`)).body.state).toBe('partially_refunded');
    const rest = await t.rest<{ amount: { total: string } }>('POST', path, {});
    expect(rest.body.amount.total).toBe('6.00');
    expect((await t.rest<SaleResource>('GET', `/v1/payments/sale/${sale?.id}`)).body.state).toBe('refunded');
    const more = await t.rest<{ name: string }>('POST', path, { amount: { total: '1.00', currency: 'USD' } });
    expect(more.status).toBe(400);
    expect(more.body.name).toBe('TRANSACTION_REFUSED');
    const refunds = (await t.events('PAYMENT.SALE.REFUNDED')).filter((event) => (event.resource as { sale_id: string }).sale_id === sale?.id);
    expect(refunds).toHaveLength(2);
    expect(refunds[0]).toMatchObject({ resource_type: 'refund', resource_version: '1.0' });
  });
});

describe('the dashboard', () => {
  it('lists products, plans and subscriptions escaped, and advances a subscription one cycle from its button', async () => {
    const productId = (await t.rest<{ id: string }>('POST', '/v1/catalogs/products', { name: '<script>alert(1)</script>', type: 'SERVICE' })).body.id;
    const planId = await newPlan([regular('11.00', IntervalUnit.Week)], { productId, name: 'Weekly <b>' });
    const id = await subscribed(planId);
    const html = await (await fetch(`${t.server.url}/`)).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('Weekly &lt;b&gt;');
    expect(html).toContain(id);
    const before = (await show(id)).billing_info?.next_billing_time;
    const pressed = await fetch(`${t.paypalUrl}/_sandbox/dashboard/paypal-subscription-advance`, { method: 'POST', body: new URLSearchParams({ subscription: id }), redirect: 'manual' });
    expect(pressed.status).toBe(303);
    expect(decodeURIComponent(pressed.headers.get('location') ?? '')).toContain(`${id} is ACTIVE`);
    const after = await show(id);
    expect(Date.parse(after.billing_info?.next_billing_time ?? '') - Date.parse(before ?? '')).toBe(7 * DAY * 1000);
    expect(await salesOf(id)).toHaveLength(2);
  });
});

describe('responses against PayPal’s spec', () => {
  it('answers each plan and subscription change in the shape PayPal’s spec declares', async () => {
    const productId = await newProduct();
    const body = { product_id: productId, name: 'Spec', billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: 0, frequency: { interval_unit: 'MONTH' }, pricing_scheme: { fixed_price: { currency_code: 'EUR', value: '4.50' } } }], payment_preferences: { setup_fee: { currency_code: 'EUR', value: '1.00' } }, taxes: { percentage: '10', inclusive: false } };
    const minimal = await t.rest<{ id: string; billing_cycles?: unknown }>('POST', '/v1/billing/plans', body);
    expect(minimal.status).toBe(201);
    expect(minimal.body.billing_cycles).toBeUndefined();
    expectMatchesPaypalSpec('POST', '/v1/billing/plans', 201, minimal.body);
    const full = await t.rest<{ id: string; billing_cycles: { pricing_scheme: { version: number } }[] }>('POST', '/v1/billing/plans', body, { Prefer: 'return=representation' });
    expectMatchesPaypalSpec('POST', '/v1/billing/plans', 201, full.body);
    expect(full.body.billing_cycles[0]?.pricing_scheme.version).toBe(1);
    const planId = full.body.id;
    for (const [path, payload] of [
      [`/v1/billing/plans/${planId}/deactivate`, undefined],
      [`/v1/billing/plans/${planId}/activate`, undefined],
      [`/v1/billing/plans/${planId}/update-pricing-schemes`, { pricing_schemes: [{ billing_cycle_sequence: 1, pricing_scheme: { fixed_price: { currency_code: 'EUR', value: '5.00' } } }] }],
    ] as const) {
      const reply = await t.rest('POST', path, payload);
      expect(reply.status).toBe(204);
      expectMatchesPaypalSpec('POST', path, 204, reply.body);
    }
    const mismatch = await t.rest('POST', `/v1/billing/plans/${planId}/update-pricing-schemes`, { pricing_schemes: [{ billing_cycle_sequence: 1, pricing_scheme: { fixed_price: { currency_code: 'USD', value: '5.00' } } }] });
    expect(mismatch.body).toMatchObject({ details: [{ issue: 'CURRENCY_MISMATCH' }] });
    const id = await subscribed(planId);
    // Setup fee, then the first cycle with 10% tax added: 5.00 + 0.50.
    expect((await salesOf(id)).map((sale) => [sale.amount.total, sale.amount.details])).toEqual([
      ['1.00', { subtotal: '1.00' }],
      ['5.50', { subtotal: '5.00', tax: '0.50' }],
    ]);
    const path = `/v1/billing/subscriptions/${id}`;
    const patched = await t.rest('PATCH', path, [{ op: 'add', path: '/custom_id', value: 'customer-7' }, { op: 'replace', path: '/plan/billing_cycles/@sequence==1/total_cycles', value: 3 }]);
    expect(patched.status).toBe(204);
    expectMatchesPaypalSpec('PATCH', path, 204, patched.body);
    const shown = await show(id, 'plan');
    expect(shown).toMatchObject({ custom_id: 'customer-7', plan_overridden: true });
    expect(shown.billing_info?.cycle_executions[0]).toMatchObject({ total_cycles: 3, cycles_completed: 1, cycles_remaining: 2 });
    const tooFew = await t.rest('PATCH', path, [{ op: 'replace', path: '/plan/billing_cycles/@sequence==1/total_cycles', value: 0.5 }]);
    expect(tooFew.status).toBe(400);
    const badPath = await t.rest('PATCH', path, [{ op: 'replace', path: '/plan_id', value: planId }]);
    expect(badPath.body).toMatchObject({ details: [{ issue: 'INVALID_PATCH_PATH' }] });
    const suspend = await t.rest('POST', `${path}/suspend`, { reason: 'Spec' });
    expectMatchesPaypalSpec('POST', `${path}/suspend`, suspend.status, suspend.body);
    const activate = await t.rest('POST', `${path}/activate`, { reason: 'Spec' });
    expectMatchesPaypalSpec('POST', `${path}/activate`, activate.status, activate.body);
    expect([suspend.status, activate.status]).toEqual([204, 204]);
    const missing = await t.rest('GET', '/v1/billing/subscriptions/I-NOTHERE');
    expect(missing.status).toBe(404);
    expectMatchesPaypalSpec('GET', '/v1/billing/subscriptions/I-NOTHERE', 404, missing.body);
  });
});
