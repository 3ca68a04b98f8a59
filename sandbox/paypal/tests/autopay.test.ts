import { IntervalUnit } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { SUBSCRIPTION, type SubscriptionRecord } from '../subscription-resource';
import { regular, subscriptionSupport } from './subscription-support';
import { paypalSandbox } from './support';

const t = paypalSandbox();
const { subscriptions, newPlan, subscribed, show, advance, salesOf, eventsFor } = subscriptionSupport(t);

const FAILING = 'renewals-fail@example.com';
const PAYING = 'buyer@example.com';

/** A page of the automatic payments area, as `buyer` when given (the login is the `buyer` query parameter). */
function autopayUrl(path: string, buyer?: string): string {
  return `${t.paypalUrl}/myaccount/autopay/${path}${buyer ? `?buyer=${encodeURIComponent(buyer)}` : ''}`;
}

async function open(url: string): Promise<{ status: number; html: string; url: string }> {
  const response = await fetch(url);
  return { status: response.status, html: await response.text(), url: response.url };
}

/** The "Change payment method" form, posted as the page posts it. */
async function changeFunding(id: string, buyer: string | undefined, body: string | URLSearchParams): Promise<{ status: number; html: string }> {
  const headers = typeof body === 'string' ? { 'Content-Type': 'application/json' } : undefined;
  const response = await fetch(autopayUrl(`connect/${id}`, buyer), { method: 'POST', body, ...(headers ? { headers } : {}) });
  return { status: response.status, html: await response.text() };
}

/** The page's `<dt>`/`<dd>` pairs, by term. */
function detailsOf(html: string): Record<string, string> {
  const text = (value: string) => value.replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&quot;', '"');
  return Object.fromEntries([...html.matchAll(/<dt>(.*?)<\/dt><dd>(.*?)<\/dd>/g)].map((match) => [text(match[1] ?? ''), text(match[2] ?? '')]));
}

/** The list's entry for one subscription (other tests' subscriptions of the same buyer are listed too). */
function entryOf(html: string, id: string): string {
  return html.split('<li>').find((entry) => entry.includes(`<dd>${id}</dd>`)) ?? '';
}

async function recordOf(id: string): Promise<SubscriptionRecord> {
  const record = await t.server.store.reader.get<SubscriptionRecord>(SUBSCRIPTION, id);
  if (!record) throw new Error(`no subscription ${id}`);
  return record;
}

async function eventCountOf(id: string): Promise<number> {
  return (await t.events()).filter((event) => {
    const resource = event.resource as { id?: string; billing_agreement_id?: string };
    return resource.id === id || resource.billing_agreement_id === id;
  }).length;
}

function captureBalance(id: string, value: string) {
  return t.rest('POST', `/v1/billing/subscriptions/${id}/capture`, { note: 'Outstanding balance', capture_type: 'OUTSTANDING_BALANCE', amount: { currency_code: 'USD', value } });
}

/** A renewals-fail subscription to a daily 5.00 plan whose first renewal failed: 5.00 outstanding. */
async function failingSubscription(options: { threshold?: number } = {}): Promise<string> {
  const id = await subscribed(await newPlan([regular('5.00', IntervalUnit.Day)], { threshold: options.threshold ?? 0, name: 'Daily' }), FAILING);
  const failed = await advance(id, { cycles: 1 });
  expect(failed.billing_info?.outstanding_balance.value).toBe('5.00');
  return id;
}

describe('the automatic payments list', () => {
  it('asks who is logging in, then lists that buyer’s subscriptions with amount, status, balance and payment method, and not another buyer’s', async () => {
    const failing = await failingSubscription();
    const paying = await subscribed(await newPlan([regular('9.00')], { name: 'Monthly' }), PAYING);

    const login = await open(autopayUrl(''));
    expect(login.status).toBe(200);
    expect(login.html).toContain('<h1>Log in to PayPal</h1>');
    expect(login.html).toContain('<label for="buyer">Log in as a sandbox buyer</label>');
    expect(login.html).toContain('<select id="buyer" name="buyer">');
    expect(login.html).toContain('<button class="approve" type="submit">Log in</button>');
    expect(login.html).not.toContain(failing);

    // Without the trailing slash: sent to the list's one address, so its relative links resolve below it.
    const listed = await open(`${t.paypalUrl}/myaccount/autopay?buyer=${encodeURIComponent(FAILING)}`);
    expect(listed.status).toBe(200);
    expect(listed.url).toBe(autopayUrl('', FAILING));
    expect(listed.html).toContain('<h1>Automatic payments</h1>');
    expect(listed.html).toContain(`<a href="connect/${failing}?buyer=renewals-fail%40example.com">Billfold: Daily</a>`);
    expect(listed.html).not.toContain(paying);
    expect(detailsOf(entryOf(listed.html, failing))).toMatchObject({
      Amount: '5.00 USD per day',
      Status: 'Active',
      'Outstanding balance': '5.00 USD',
      'Payment method': 'Bank account that refuses automatic payments',
      'Subscription ID': failing,
    });

    const other = await open(autopayUrl('', PAYING));
    expect(other.html).toContain(paying);
    expect(other.html).not.toContain(failing);
    expect(detailsOf(entryOf(other.html, paying))).toMatchObject({ Amount: '9.00 USD per month', 'Payment method': 'PayPal balance' });
    expect(detailsOf(entryOf(other.html, paying))['Outstanding balance']).toBeUndefined();

    const stranger = await open(autopayUrl('', 'nobody@example.com'));
    expect(stranger.status).toBe(400);
    expect(stranger.html).toContain('Choose one of the sandbox buyers to log in.');
  });
});

describe('one agreement', () => {
  it('shows its buyer the plan, status, next payment, balance and payment method, with a form offering the PayPal balance', async () => {
    const id = await failingSubscription();
    const next = (await show(id)).billing_info?.next_billing_time ?? '';
    const page = await open(autopayUrl(`connect/${id}`, FAILING));
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Billfold: Daily</h1>');
    expect(detailsOf(page.html)).toEqual({
      Plan: 'Daily',
      Amount: '5.00 USD per day',
      Status: 'Active',
      'Next payment': new Date(next).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
      'Outstanding balance': '5.00 USD',
      'Payment method': 'Bank account that refuses automatic payments',
      'Subscription ID': id,
    });
    expect(page.html).toContain('<h2 id="change-payment-method">Change payment method</h2>');
    expect(page.html).toContain('<input type="radio" name="funding" value="buyer" checked> Bank account that refuses automatic payments</label>');
    expect(page.html).toContain('<input type="radio" name="funding" value="balance"> PayPal balance</label>');
    expect(page.html).toContain('<button class="approve" type="submit">Save payment method</button>');
    // Opened without a login: PayPal asks for one first.
    const anonymous = await open(autopayUrl(`connect/${id}`));
    expect(anonymous.status).toBe(200);
    expect(anonymous.html).toContain('<h1>Log in to PayPal</h1>');
    expect(anonymous.html).not.toContain('Outstanding balance');
  });

  it('answers an unknown id and another buyer’s subscription with the same not-found page, and changes nothing', async () => {
    const id = await failingSubscription();
    const unknownTo = (buyer: string) => open(autopayUrl('connect/I-NOSUCHAGREEMENT', buyer));
    const unknown = await unknownTo(PAYING);
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('Sorry, we can’t find that automatic payment');
    const others = await open(autopayUrl(`connect/${id}`, PAYING));
    expect([others.status, others.html]).toEqual([404, unknown.html]);
    const posted = await changeFunding(id, PAYING, new URLSearchParams({ funding: 'balance' }));
    expect([posted.status, posted.html]).toEqual([404, unknown.html]);
    for (const path of ['connect/%E0%A4%A', 'connect/', 'connect/I-NOSUCHAGREEMENT']) {
      const page = await open(autopayUrl(path, FAILING));
      expect([page.status, page.html], path).toEqual([404, (await unknownTo(FAILING)).html]);
    }
    expect((await recordOf(id)).internal.funding).toBeUndefined();
  });

  it('refuses a malformed change with a 400 page that says what is wrong, and changes nothing', async () => {
    const id = await failingSubscription();
    for (const body of [new URLSearchParams(), new URLSearchParams({ funding: 'card' }), new URLSearchParams({ funding: '' }), JSON.stringify({ funding: 'balance' })]) {
      const refused = await changeFunding(id, FAILING, body);
      expect(refused.status, String(body)).toBe(400);
      expect(refused.html).toContain('Choose a payment method from the list, then save.');
    }
    const anonymous = await changeFunding(id, undefined, new URLSearchParams({ funding: 'balance' }));
    expect(anonymous.status).toBe(400);
    expect(anonymous.html).toContain('You are not logged in.');
    const stranger = await changeFunding(id, 'nobody@example.com', new URLSearchParams({ funding: 'balance' }));
    expect(stranger.status).toBe(400);
    expect(stranger.html).toContain('Choose one of the sandbox buyers to log in.');
    const put = await fetch(autopayUrl(`connect/${id}`, FAILING), { method: 'PUT', body: 'funding=balance' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, POST']);
    expect((await recordOf(id)).internal.funding).toBeUndefined();
  });

  it('offers no change once the agreement is cancelled, and refuses one', async () => {
    const id = await failingSubscription();
    await subscriptions().cancelSubscription({ id, body: { reason: 'Moved away' } });
    const page = await open(autopayUrl(`connect/${id}`, FAILING));
    expect(page.html).toContain('This automatic payment is cancelled: PayPal takes no more payments for it.');
    expect(page.html).not.toContain('name="funding"');
    const refused = await changeFunding(id, FAILING, new URLSearchParams({ funding: 'balance' }));
    expect(refused.status).toBe(409);
    expect((await recordOf(id)).internal.funding).toBeUndefined();
  });
});

describe('paying with the PayPal balance instead', () => {
  it('collects nothing and tells the merchant nothing when the buyer changes it, and the next renewal pays, with the outstanding balance', async () => {
    const id = await failingSubscription();
    const eventsBefore = await eventCountOf(id);
    const changed = await changeFunding(id, FAILING, new URLSearchParams({ funding: 'balance' }));
    expect(changed.status).toBe(200);
    expect(changed.html).toContain('<p class="confirmation" role="status">PayPal will use PayPal balance for your automatic payments to Billfold.</p>');
    expect(detailsOf(changed.html)['Payment method']).toBe('PayPal balance');
    expect(changed.html).toContain('value="balance" checked');
    expect((await recordOf(id)).internal.funding).toBe('balance');
    expect(await eventCountOf(id)).toBe(eventsBefore);
    expect(await salesOf(id)).toHaveLength(1);
    expect((await show(id)).billing_info?.outstanding_balance.value).toBe('5.00');

    // auto_bill_outstanding (the plan's default): the renewal collects the 5.00 owed with its own 5.00.
    const renewed = await advance(id, { cycles: 1 });
    expect(renewed.billing_info).toMatchObject({ outstanding_balance: { value: '0.00' }, failed_payments_count: 0, last_payment: { amount: { value: '10.00' } } });
    expect((await salesOf(id)).map((sale) => sale.amount.total)).toEqual(['5.00', '10.00']);
    expect(await eventsFor(id, 'PAYMENT.SALE.COMPLETED')).toHaveLength(2);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED')).toHaveLength(1);
    expect(detailsOf(entryOf((await open(autopayUrl('', FAILING))).html, id))['Payment method']).toBe('PayPal balance');
    const dashboard = await (await fetch(`${t.server.url}/`)).text();
    expect(dashboard).toMatch(new RegExp(`<td>${id}</td>.*?<td>${FAILING}</td><td>PayPal balance</td>`));
  });

  it('lets the merchant capture the balance of a subscription PayPal suspended for failed payments, and then activate it', async () => {
    const id = await failingSubscription({ threshold: 2 });
    const suspended = await advance(id, { cycles: 1 });
    expect(suspended).toMatchObject({ status: 'SUSPENDED', billing_info: { outstanding_balance: { value: '10.00' } } });
    expect(detailsOf((await open(autopayUrl(`connect/${id}`, FAILING))).html).Status).toBe('Suspended: payments failed');
    // Before the change the capture fails, as every payment from this buyer's own funding does.
    expect((await captureBalance(id, '10.00')).status).toBe(202);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED')).toHaveLength(3);
    expect((await show(id)).billing_info?.outstanding_balance.value).toBe('10.00');

    expect((await changeFunding(id, FAILING, new URLSearchParams({ funding: 'balance' }))).status).toBe(200);
    expect((await captureBalance(id, '10.00')).status).toBe(202);
    const captured = await show(id);
    expect(captured.status).toBe('SUSPENDED');
    expect(captured.billing_info).toMatchObject({ outstanding_balance: { value: '0.00' }, last_payment: { amount: { value: '10.00' } } });
    expect((await salesOf(id)).map((sale) => [sale.amount.total, sale.state])).toEqual([
      ['5.00', 'completed'],
      ['10.00', 'completed'],
    ]);
    expect(await eventsFor(id, 'BILLING.SUBSCRIPTION.PAYMENT.FAILED')).toHaveLength(3);

    expect((await subscriptions().activateSubscription({ id, body: { reason: 'Balance paid' } })).statusCode).toBe(204);
    expect((await show(id)).status).toBe('ACTIVE');
    await advance(id, { cycles: 1 });
    expect((await salesOf(id)).map((sale) => sale.amount.total)).toEqual(['5.00', '10.00', '5.00']);
  });
});
