import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from '@playwright/test';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findBrowser } from '@/scripts/lib/browser';
import { isolatedSandbox } from '@/test/sandbox';

const t = isolatedSandbox();

const EXPIRY = `12 / ${String((new Date().getFullYear() + 2) % 100).padStart(2, '0')}`;
const STRIPE_JS_PACKAGE = path.resolve('node_modules/@stripe/stripe-js');
/** Polling what frames post: generous, as a busy machine loads frames (and React) slowly. */
const FRAME_POLL = { timeout: 10_000 };

let browser: Browser;
const contexts: BrowserContext[] = [];
// The shop lives on an origin of its own, as in development (localhost:3000 beside the sandbox):
// a server on another port that passes every request to the sandbox's demo shop, while the page
// loads Stripe.js, the card frame and the API from the sandbox's address, across origins.
let shop: http.Server;
let SHOP: string;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: findBrowser(), args: CHROMIUM_ARGS });
  shop = http.createServer((request, response) => {
    void forwardToSandbox(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  SHOP = `http://localhost:${(shop.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => shop?.close(resolve));
});

async function forwardToSandbox(request: http.IncomingMessage, response: http.ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const upstream = await fetch(`${t.server.url}${request.url}`, {
    method: request.method,
    headers: { 'Content-Type': request.headers['content-type'] ?? 'text/plain' },
    body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
  });
  response.writeHead(upstream.status, Object.fromEntries(upstream.headers));
  response.end(Buffer.from(await upstream.arrayBuffer()));
}

interface Shop {
  page: Page;
  /** Requests to the Stripe API made by the page or its frames, since the page opened. */
  apiCalls: Request[];
}

async function openShop(query = ''): Promise<Shop> {
  const context = await browser.newContext({ locale: 'en-US' });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const apiCalls: Request[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/') && request.method() !== 'OPTIONS') apiCalls.push(request);
  });
  await page.goto(`${SHOP}/js/demo${query}`);
  await page.locator('#pay:not([disabled])').waitFor();
  return { page, apiCalls };
}

function cardFrame(page: Page) {
  return page.frameLocator('#payment-element iframe');
}

async function typeCard(page: Page, card: { number: string; expiry?: string; cvc?: string; zip?: string }) {
  const frame = cardFrame(page);
  await frame.getByLabel('Card number').fill(card.number);
  await frame.getByLabel('Expiration date').fill(card.expiry ?? EXPIRY);
  await frame.getByLabel('Security code').fill(card.cvc ?? '123');
  await frame.getByLabel('ZIP').fill(card.zip ?? '94103');
}

/** Presses the shop's button and waits for the outcome; returns the message shown. */
async function pressPay(page: Page, during?: () => Promise<void>): Promise<string> {
  await page.locator('#pay').click();
  await during?.();
  await page.locator('#message[data-state="succeeded"], #message[data-state="error"]').waitFor();
  return (await page.locator('#message').textContent()) ?? '';
}

async function shownIntentId(page: Page): Promise<string> {
  return (await page.locator('#message').getAttribute('data-intent')) ?? '';
}

function challenge(page: Page) {
  return page.frameLocator('iframe[title="3D Secure authentication"]');
}

describe('paying on a shop page through the Stripe.js stand-in', { timeout: 40_000 }, () => {
  it('takes a payment with 4242 4242 4242 4242 in the Payment Element', async () => {
    const { page } = await openShop('?amount=1999&currency=usd');
    await typeCard(page, { number: '4242424242424242' });
    expect(await pressPay(page)).toBe('Payment succeeded.');

    const intent = await t.stripe.paymentIntents.retrieve(await shownIntentId(page));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 1999, amount_received: 1999, currency: 'usd' });
    const paymentMethod = await t.stripe.paymentMethods.retrieve(String(intent.payment_method));
    expect(paymentMethod.card).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12 });
    expect(paymentMethod.billing_details.address).toMatchObject({ postal_code: '94103', country: 'US' });
  });

  it('shows the decline message and lets the customer pay with another card', async () => {
    const { page } = await openShop();
    const intentId = await shownIntentId(page);
    await typeCard(page, { number: '4000000000000002' });
    expect(await pressPay(page)).toBe('Your card was declined.');
    const declined = await t.stripe.paymentIntents.retrieve(intentId);
    expect(declined.status).toBe('requires_payment_method');
    expect(declined.last_payment_error?.decline_code).toBe('generic_decline');

    await cardFrame(page).getByLabel('Card number').fill('4242424242424242');
    expect(await pressPay(page)).toBe('Payment succeeded.');
    expect(await shownIntentId(page)).toBe(intentId);
    expect((await t.stripe.paymentIntents.retrieve(intentId)).status).toBe('succeeded');
  });

  it('refuses a card number that fails the Luhn check inside the frame, without calling the API', async () => {
    const { page, apiCalls } = await openShop();
    await typeCard(page, { number: '4242424242424241' });
    await cardFrame(page).getByText('Your card number is invalid.').waitFor();
    apiCalls.length = 0;
    expect(await pressPay(page)).toBe('Your card number is invalid.');
    expect(apiCalls.map((request) => request.url())).toEqual([]);
  });

  it('refuses an expiration date in the past without calling the API', async () => {
    const { page, apiCalls } = await openShop();
    await typeCard(page, { number: '4242424242424242', expiry: '01 / 20' });
    apiCalls.length = 0;
    expect(await pressPay(page)).toBe("Your card's expiration year is in the past.");
    await cardFrame(page).getByText("Your card's expiration year is in the past.").waitFor();
    expect(apiCalls).toEqual([]);
  });

  it('points out every missing field when the customer pays with an empty form', async () => {
    const { page, apiCalls } = await openShop();
    apiCalls.length = 0;
    expect(await pressPay(page)).toBe('Your card number is incomplete.');
    const frame = cardFrame(page);
    for (const message of ['Your card number is incomplete.', "Your card's expiration date is incomplete.", "Your card's security code is incomplete.", 'Your ZIP is incomplete.']) {
      await frame.getByText(message).waitFor();
    }
    await expect(frame.getByLabel('Card number').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(apiCalls).toEqual([]);
  });

  it('asks for 3-D Secure in a modal and takes the payment once the customer completes it', async () => {
    const { page } = await openShop('?amount=2500&currency=eur');
    await typeCard(page, { number: '4000002760003184' });
    const message = await pressPay(page, async () => {
      await challenge(page).getByRole('button', { name: 'Complete' }).click();
    });
    expect(message).toBe('Payment succeeded.');
    expect(await page.locator('[data-billfold-stripe-3ds]').count()).toBe(0);
    const intent = await t.stripe.paymentIntents.retrieve(await shownIntentId(page));
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: 2500 });
  });

  it('reports the authentication failure when the customer fails 3-D Secure', async () => {
    const { page } = await openShop();
    const intentId = await shownIntentId(page);
    await typeCard(page, { number: '4000002760003184' });
    const message = await pressPay(page, async () => {
      await challenge(page).getByRole('button', { name: 'Fail' }).click();
    });
    expect(message).toBe('We are unable to authenticate your payment method. Please choose a different payment method and try again.');
    const intent = await t.stripe.paymentIntents.retrieve(intentId);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('treats closing the 3-D Secure dialog as a failed authentication', async () => {
    const { page } = await openShop();
    await typeCard(page, { number: '4000002760003184' });
    const message = await pressPay(page, async () => {
      await challenge(page).getByRole('button', { name: 'Complete' }).waitFor();
      await page.getByRole('button', { name: 'Cancel authentication' }).click();
    });
    expect(message).toContain('We are unable to authenticate your payment method.');
  });

  it('keeps the card number out of the shop page: only the sandbox frame sends it', async () => {
    const { page, apiCalls } = await openShop();
    await typeCard(page, { number: '5555555555554444' });
    expect(await pressPay(page)).toBe('Payment succeeded.');

    const html = await page.content();
    expect(html).not.toContain('5555555555554444');
    expect(html).not.toContain('5555 5555 5555 4444');
    const carrying = apiCalls.filter((request) => (request.postData() ?? '').includes('5555555555554444'));
    expect(carrying).toHaveLength(1);
    expect(new URL(carrying[0]?.url() ?? '').pathname).toBe('/v1/payment_methods');
    expect(carrying[0]?.frame().url()).toMatch(new RegExp(`^${t.server.url}/elements/frame\\?type=payment#`));
    const confirm = apiCalls.find((request) => request.url().endsWith('/confirm'));
    expect(confirm?.frame()).toBe(page.mainFrame());
    expect(confirm?.postData()).toMatch(/payment_method=pm_/);
    expect(confirm?.postData()).toContain('use_stripe_sdk=true');
  });

  it('emits change, focus and blur events shaped like Stripe’s', async () => {
    const { page } = await openShop();
    const frame = cardFrame(page);
    await frame.getByLabel('Card number').fill('4242424242424241');
    await frame.getByLabel('Card number').fill('4242424242424242');
    await frame.getByLabel('Expiration date').fill(EXPIRY);
    await frame.getByLabel('Security code').fill('123');
    await frame.getByLabel('ZIP').fill('94103');
    await page.locator('h1').click();
    // The frame posts its events to the page, so the last ones (blur) may still be on their way.
    await expect.poll(() => page.evaluate('window.demo.events'), FRAME_POLL).toEqual(
      expect.arrayContaining([
        { type: 'ready', event: { elementType: 'payment' } },
        { type: 'focus', event: { elementType: 'payment' } },
        { type: 'blur', event: { elementType: 'payment' } },
        {
          type: 'change',
          event: {
            elementType: 'payment',
            empty: false,
            complete: false,
            collapsed: false,
            brand: 'visa',
            value: { type: 'card' },
            error: { type: 'validation_error', code: 'invalid_number', message: 'Your card number is invalid.' },
          },
        },
        { type: 'change', event: { elementType: 'payment', empty: false, complete: true, collapsed: false, brand: 'visa', value: { type: 'card' } } },
      ]),
    );
    expect(await page.locator('#payment-element').getAttribute('class')).toContain('StripeElement--complete');
  });

  it('creates the PaymentIntent after elements.submit() in the deferred flow', async () => {
    const { page } = await openShop('?flow=deferred&amount=4200&currency=gbp');
    expect(await shownIntentId(page)).toBe('');
    await typeCard(page, { number: '4242424242424242', zip: '' });
    const frame = cardFrame(page);
    await frame.getByLabel('Country').selectOption('GB');
    await frame.getByLabel('Postal code').fill('SW1A 1AA');
    expect(await pressPay(page)).toBe('Payment succeeded.');
    const intent = await t.stripe.paymentIntents.retrieve(await shownIntentId(page));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 4200, currency: 'gbp' });
    const paymentMethod = await t.stripe.paymentMethods.retrieve(String(intent.payment_method));
    expect(paymentMethod.billing_details.address).toMatchObject({ country: 'GB', postal_code: 'SW1A 1AA' });
  });

  it('refuses confirmPayment in the deferred flow when elements.submit() was not called', async () => {
    const { page } = await openShop('?flow=deferred');
    await typeCard(page, { number: '4242424242424242' });
    const outcome = await page.evaluate(`window.demo.stripe
      .confirmPayment({ elements: window.demo.elements, clientSecret: 'pi_123_secret_abc', redirect: 'if_required' })
      .then(() => 'resolved', (error) => error.name + ': ' + error.message)`);
    expect(outcome).toMatch(/^IntegrationError: elements\.submit\(\) must be called before stripe\.confirmPayment\(\)/);
  });

  it('finishes a payment confirmed on the server with createPaymentMethod and handleNextAction', async () => {
    const { page } = await openShop('?flow=deferred&amount=3000&currency=eur');
    await typeCard(page, { number: '4000002760003184' });
    const paymentMethod = await page.evaluate(`(async () => {
      const submitted = await window.demo.elements.submit();
      if (submitted.error) return submitted;
      return (await window.demo.stripe.createPaymentMethod({ elements: window.demo.elements })).paymentMethod;
    })()`);
    expect(paymentMethod).toMatchObject({ object: 'payment_method', type: 'card', card: { brand: 'visa', last4: '3184' } });

    const intent = await t.stripe.paymentIntents.create({ amount: 3000, currency: 'eur', payment_method: (paymentMethod as { id: string }).id, confirm: true });
    expect(intent.status).toBe('requires_action');
    await page.evaluate(`void window.demo.stripe.handleNextAction({ clientSecret: ${JSON.stringify(intent.client_secret)} }).then((result) => { window.finished = result; })`);
    await challenge(page).getByRole('button', { name: 'Complete' }).click();
    await page.waitForFunction('window.finished');
    const finished = await page.evaluate('window.finished');
    expect(finished).toMatchObject({ paymentIntent: { id: intent.id, status: 'succeeded' } });
  });

  it('saves a card on a SetupIntent with confirmSetup', async () => {
    const { page } = await openShop('?mode=setup');
    await typeCard(page, { number: '4242424242424242' });
    expect(await pressPay(page)).toBe('Card saved.');
    const setupIntent = await t.stripe.setupIntents.retrieve(await shownIntentId(page));
    expect(setupIntent.status).toBe('succeeded');
    expect(setupIntent.id).toMatch(/^seti_/);
  });

  it('saves a subscriber’s card with confirmSetup: the trial’s pending SetupIntent, then a new card for later renewals', async () => {
    const price = await t.stripe.prices.create({ currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Pro plan' } });
    const customer = await t.stripe.customers.create({ email: 'setup-subscriber@example.com' });
    const subscription = await t.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
      payment_behavior: 'default_incomplete',
      payment_settings: { save_default_payment_method: 'on_subscription' },
      expand: ['pending_setup_intent'],
    });
    const pending = subscription.pending_setup_intent as Stripe.SetupIntent;
    const trial = await openShop(`?client_secret=${encodeURIComponent(String(pending.client_secret))}`);
    await typeCard(trial.page, { number: '4242424242424242' });
    expect(await pressPay(trial.page)).toBe('Card saved.');
    const trialing = await t.stripe.subscriptions.retrieve(subscription.id);
    expect(trialing).toMatchObject({ status: 'trialing', pending_setup_intent: null });
    const first = await t.stripe.setupIntents.retrieve(pending.id);
    expect(trialing.default_payment_method).toBe(first.payment_method);

    // Later the subscriber replaces the card: an off-session SetupIntent confirmed in the browser,
    // with 3-D Secure on setup, then the card the renewals charge.
    const update = await t.stripe.setupIntents.create({ customer: customer.id, usage: 'off_session', automatic_payment_methods: { enabled: true } });
    const later = await openShop(`?client_secret=${encodeURIComponent(String(update.client_secret))}`);
    await typeCard(later.page, { number: '4000002500003155' });
    const message = await pressPay(later.page, async () => {
      await challenge(later.page).getByRole('button', { name: 'Complete' }).click();
    });
    expect(message).toBe('Card saved.');
    const saved = await t.stripe.setupIntents.retrieve(update.id);
    expect(saved.status).toBe('succeeded');
    const card = String(saved.payment_method);
    expect((await t.stripe.paymentMethods.retrieve(card)).customer).toBe(customer.id);
    await t.stripe.subscriptions.update(subscription.id, { default_payment_method: card });
    const response = await fetch(`${t.server.url}/_sandbox/customers/${customer.id}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ days: 15 }) });
    expect(response.status).toBe(200);
    const renewed = await t.stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice.payments'] });
    expect(renewed.status).toBe('active');
    const invoice = renewed.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 1500 });
    const paidWith = await t.stripe.paymentIntents.retrieve(String(invoice.payments?.data[0]?.payment.payment_intent));
    expect(paidWith.payment_method).toBe(card);
  });

  it('pays through the Card Element with confirmCardPayment', async () => {
    const { page } = await openShop('?element=card');
    await typeCard(page, { number: '4242424242424242' });
    expect(await pressPay(page)).toBe('Payment succeeded.');
    expect((await t.stripe.paymentIntents.retrieve(await shownIntentId(page))).status).toBe('succeeded');
  });

  it('shows the Card Element’s validation errors through its change events', async () => {
    const { page } = await openShop('?element=card');
    await cardFrame(page).getByLabel('Card number').fill('4242424242424241');
    await page.locator('#message[data-state="error"]').waitFor();
    expect(await page.locator('#message').textContent()).toBe('Your card number is invalid.');
    expect(await page.locator('#payment-element').getAttribute('class')).toContain('StripeElement--invalid');
  });

  it('sends the customer to the return_url with Stripe’s query parameters when redirect is always', async () => {
    const { page } = await openShop('?redirect=always');
    const intentId = await shownIntentId(page);
    await typeCard(page, { number: '4000002760003184' });
    await page.locator('#pay').click();
    await challenge(page).getByRole('button', { name: 'Complete' }).click();
    await page.waitForURL(`${SHOP}/js/demo/complete?**`);
    const url = new URL(page.url());
    expect(url.searchParams.get('payment_intent')).toBe(intentId);
    expect(url.searchParams.get('payment_intent_client_secret')).toMatch(new RegExp(`^${intentId}_secret_`));
    expect(url.searchParams.get('redirect_status')).toBe('succeeded');
    await page.locator('#message[data-state="succeeded"]').waitFor();
    expect(await page.locator('#message').textContent()).toBe('Payment succeeded. (redirect_status: succeeded)');
  });

  it('reports a loaderror when the client secret names no intent', async () => {
    const { page } = await openShop();
    const error = await page.evaluate(`new Promise((resolve) => {
      const holder = document.createElement('div');
      document.body.appendChild(holder);
      const element = window.demo.stripe.elements({ clientSecret: 'pi_missing_secret_nope' }).create('payment');
      element.on('loaderror', (event) => resolve(event));
      element.mount(holder);
    })`);
    expect(error).toMatchObject({ elementType: 'payment', error: { type: 'invalid_request_error', code: 'resource_missing' } });
  });
});

function emailFrame(page: Page) {
  return page.frameLocator('#link-authentication-element iframe');
}

function addressFrame(page: Page) {
  return page.frameLocator('#address-element iframe');
}

interface TypedAddress {
  name: string;
  country?: string;
  line1: string;
  line2?: string;
  city: string;
  state?: string;
  postalCode: string;
}

const SF_ADDRESS: TypedAddress = { name: 'Ada Lovelace', line1: '1 Market St', line2: 'Suite 300', city: 'San Francisco', state: 'CA', postalCode: '94103' };

async function typeAddress(page: Page, address: TypedAddress) {
  const frame = addressFrame(page);
  if (address.country) await frame.getByLabel('Country or region').selectOption(address.country);
  await frame.getByLabel('Full name').fill(address.name);
  await frame.getByLabel('Address line 1').fill(address.line1);
  if (address.line2) await frame.getByLabel('Address line 2').fill(address.line2);
  await frame.locator('#city').fill(address.city);
  if (address.state) await frame.locator('#state').fill(address.state);
  await frame.locator('#postal').fill(address.postalCode);
}

/** The card alone: with a billing Address Element the Payment Element asks for no ZIP of its own. */
async function typeCardOnly(page: Page, number: string) {
  const frame = cardFrame(page);
  await frame.getByLabel('Card number').fill(number);
  await frame.getByLabel('Expiration date').fill(EXPIRY);
  await frame.getByLabel('Security code').fill('123');
}

describe('asking for the email and address with the Link Authentication and Address Elements', { timeout: 40_000 }, () => {
  it('mounts both with labelled fields, reports them ready and finds them with getElement', async () => {
    const { page } = await openShop('?address=billing');
    await expect.poll(() => page.evaluate('window.demo.events.filter((entry) => entry.type === "ready").map((entry) => entry.event.elementType).sort()'), FRAME_POLL).toEqual([
      'address',
      'linkAuthentication',
      'payment',
    ]);
    await expect(emailFrame(page).getByLabel('Email').getAttribute('type')).resolves.toBe('email');
    const address = addressFrame(page);
    for (const label of ['Full name', 'Country or region', 'Address line 1', 'Address line 2', 'City', 'State', 'ZIP code']) await address.getByLabel(label, { exact: true }).waitFor();
    expect(await address.getByLabel('Phone number').isVisible()).toBe(false);
    expect(await address.getByLabel('Country or region').inputValue()).toBe('US');
    expect(await address.getByRole('option').count()).toBeGreaterThan(40);
    expect(await page.evaluate('[window.demo.elements.getElement("address") === window.demo.contact.address, window.demo.elements.getElement("address", { mode: "billing" }) === window.demo.contact.address, window.demo.elements.getElement("linkAuthentication") === window.demo.contact.email, window.demo.elements.getElement("address", { mode: "shipping" })]')).toEqual([true, true, true, null]);
  });

  it('emits change events shaped like Stripe’s as the customer types an email and an address', async () => {
    const { page } = await openShop('?address=billing');
    await emailFrame(page).getByLabel('Email').fill('ada@');
    await emailFrame(page).getByLabel('Email').fill('ada@example.com');
    await typeAddress(page, SF_ADDRESS);
    await expect.poll(() => page.evaluate('window.demo.events'), FRAME_POLL).toEqual(
      expect.arrayContaining([
        { type: 'change', event: { elementType: 'linkAuthentication', empty: false, complete: false, value: { email: 'ada@' } } },
        { type: 'change', event: { elementType: 'linkAuthentication', empty: false, complete: true, value: { email: 'ada@example.com' } } },
        {
          type: 'change',
          event: {
            elementType: 'address',
            elementMode: 'billing',
            empty: false,
            complete: true,
            isNewAddress: true,
            value: { name: 'Ada Lovelace', address: { line1: '1 Market St', line2: 'Suite 300', city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' } },
          },
        },
        { type: 'focus', event: { elementType: 'address' } },
      ]),
    );
  });

  it('answers getValue() with the address the customer typed, and with complete: false and the field’s error while it is incomplete', async () => {
    const { page } = await openShop('?address=billing');
    const frame = addressFrame(page);
    await frame.getByLabel('Full name').fill('Ada Lovelace');
    expect(await page.evaluate('window.demo.contact.address.getValue()')).toEqual({
      complete: false,
      isNewAddress: true,
      value: { name: 'Ada Lovelace', address: { line1: '', line2: null, city: '', state: '', postal_code: '', country: 'US' } },
    });
    await expect(frame.getByLabel('Address line 1').getAttribute('aria-invalid')).resolves.toBe('true');

    await typeAddress(page, { ...SF_ADDRESS, line2: undefined });
    expect(await page.evaluate('window.demo.contact.address.getValue()')).toEqual({
      complete: true,
      isNewAddress: true,
      value: { name: 'Ada Lovelace', address: { line1: '1 Market St', line2: null, city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' } },
    });
    await expect(frame.getByLabel('Address line 1').getAttribute('aria-invalid')).resolves.toBe('false');
  });

  it('refuses elements.submit() while the address is incomplete and shows the missing field’s error', async () => {
    const { page, apiCalls } = await openShop('?address=billing&flow=deferred');
    await emailFrame(page).getByLabel('Email').fill('ada@example.com');
    await typeCardOnly(page, '4242424242424242');
    await addressFrame(page).getByLabel('Full name').fill('Ada Lovelace');
    apiCalls.length = 0;
    expect(await page.evaluate('window.demo.elements.submit()')).toEqual({
      error: { type: 'validation_error', code: 'incomplete', message: 'This field is incomplete.', param: 'line1' },
    });
    const frame = addressFrame(page);
    await expect(frame.getByLabel('Address line 1').getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await frame.locator('#line1-error').textContent()).toBe('This field is incomplete.');
    expect(await frame.locator('#postal-error').textContent()).toBe('This field is incomplete.');
    expect(await frame.locator('#line2-error').textContent()).toBe('');
    expect(apiCalls).toEqual([]);
  });

  it('refuses an email without a domain before any API call', async () => {
    const { page, apiCalls } = await openShop('?address=billing');
    await emailFrame(page).getByLabel('Email').fill('ada@example');
    await typeAddress(page, SF_ADDRESS);
    await typeCardOnly(page, '4242424242424242');
    apiCalls.length = 0;
    expect(await pressPay(page)).toBe('Your email address is invalid.');
    await emailFrame(page).getByText('Your email address is invalid.').waitFor();
    expect(apiCalls).toEqual([]);
  });

  it('puts the billing address, name and email on the PaymentMethod when the customer pays, and asks for no second ZIP in the Payment Element', async () => {
    const { page } = await openShop('?address=billing&amount=2500');
    await emailFrame(page).getByLabel('Email').fill('ada@example.com');
    await typeAddress(page, SF_ADDRESS);
    await typeCardOnly(page, '4242424242424242');
    expect(await cardFrame(page).getByLabel('ZIP code').isVisible()).toBe(false);
    expect(await pressPay(page)).toBe('Payment succeeded.');

    const intent = await t.stripe.paymentIntents.retrieve(await shownIntentId(page));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 2500, shipping: null });
    const paymentMethod = await t.stripe.paymentMethods.retrieve(String(intent.payment_method));
    expect(paymentMethod.billing_details).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: null,
      tax_id: null,
      address: { line1: '1 Market St', line2: 'Suite 300', city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' },
    });
  });

  it('puts a shipping address on the PaymentIntent, and the Payment Element’s own postal code on the card', async () => {
    const { page } = await openShop('?address=shipping');
    await emailFrame(page).getByLabel('Email').fill('ada@example.com');
    await typeAddress(page, { name: 'Ada Lovelace', country: 'GB', line1: '10 Downing St', city: 'London', postalCode: 'sw1a 2aa' });
    await typeCard(page, { number: '4242424242424242' });
    expect(await pressPay(page)).toBe('Payment succeeded.');

    const intent = await t.stripe.paymentIntents.retrieve(await shownIntentId(page));
    expect(intent.shipping).toEqual({
      name: 'Ada Lovelace',
      phone: null,
      carrier: null,
      tracking_number: null,
      address: { line1: '10 Downing St', line2: null, city: 'London', state: null, postal_code: 'SW1A 2AA', country: 'GB' },
    });
    const paymentMethod = await t.stripe.paymentMethods.retrieve(String(intent.payment_method));
    expect(paymentMethod.billing_details).toMatchObject({ email: 'ada@example.com', name: null, address: { postal_code: '94103', country: 'US', line1: null } });
  });

  it('checks a US ZIP and a UK postcode by each country’s shape', async () => {
    const { page } = await openShop('?address=billing');
    const frame = addressFrame(page);
    await frame.locator('#postal').fill('SW1A 1AA');
    await frame.getByLabel('Full name').focus();
    await frame.getByText('Your ZIP is invalid.').waitFor();

    await frame.getByLabel('Country or region').selectOption('GB');
    await frame.getByLabel('Postal code').waitFor();
    await frame.getByLabel('Town or city').waitFor();
    expect(await frame.locator('#state').isVisible()).toBe(false);
    expect(await frame.locator('#postal-error').textContent()).toBe('');

    await frame.locator('#postal').fill('94103');
    await frame.getByLabel('Full name').focus();
    await frame.getByText('Your postal code is invalid.').waitFor();

    await typeAddress(page, { name: 'Ada Lovelace', line1: '10 Downing St', city: 'London', postalCode: 'SW1A 2AA' });
    const value = (await page.evaluate('window.demo.contact.address.getValue()')) as { complete: boolean; value: { address: { postal_code: string; country: string } } };
    expect(value).toMatchObject({ complete: true, value: { address: { postal_code: 'SW1A 2AA', country: 'GB' } } });
    await expect.poll(() => frame.locator('#postal-error').textContent(), FRAME_POLL).toBe('');
  });

  it('follows its options: the countries allowed, a required phone, default values, update() and clear()', async () => {
    const { page } = await openShop();
    await page.evaluate(`(() => {
      const holder = document.createElement('div');
      holder.id = 'address-element';
      document.body.appendChild(holder);
      const elements = window.demo.stripe.elements();
      const address = elements.create('address', {
        mode: 'shipping',
        allowedCountries: ['GB', 'DE'],
        fields: { phone: 'always' },
        validation: { phone: { required: 'always' } },
        defaultValues: { name: 'Grace Hopper', address: { country: 'DE', line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117' } },
      });
      window.extra = { address, events: [] };
      address.on('change', (event) => window.extra.events.push(event));
      address.mount(holder);
    })()`);
    const frame = addressFrame(page);
    await expect.poll(() => frame.getByRole('option').allTextContents(), FRAME_POLL).toEqual(['Germany', 'United Kingdom']);
    expect(await frame.getByLabel('Country or region').inputValue()).toBe('DE');
    expect(await frame.getByLabel('Full name').inputValue()).toBe('Grace Hopper');
    expect(await frame.getByLabel('Phone number').getAttribute('autocomplete')).toBe('shipping tel');
    expect(await page.evaluate('window.extra.address.getValue()')).toEqual({
      complete: false,
      isNewAddress: true,
      value: { name: 'Grace Hopper', phone: '', address: { line1: 'Unter den Linden 1', line2: null, city: 'Berlin', state: '', postal_code: '10117', country: 'DE' } },
    });
    await frame.getByText('This field is incomplete.').waitFor();

    await frame.getByLabel('Phone number').fill('+49 30 1234567');
    await expect.poll(() => page.evaluate('window.extra.events.at(-1)'), FRAME_POLL).toMatchObject({ elementType: 'address', elementMode: 'shipping', complete: true, value: { phone: '+49 30 1234567' } });

    await page.evaluate(`window.extra.address.update({ fields: { phone: 'never' } })`);
    await expect.poll(() => frame.getByLabel('Phone number').isVisible(), FRAME_POLL).toBe(false);
    await page.evaluate('window.extra.address.clear()');
    await expect.poll(() => page.evaluate('window.extra.events.at(-1)'), FRAME_POLL).toMatchObject({ empty: true, complete: false, value: { name: '', address: { line1: '', country: 'DE' } } });
    await page.evaluate('window.extra.address.destroy()');
    expect(await page.locator('#address-element iframe').count()).toBe(0);
  });

  it('refuses an Address Element without a mode, as Stripe.js does', async () => {
    const { page } = await openShop();
    const outcome = await page.evaluate(`(() => {
      try {
        window.demo.stripe.elements().create('address', {});
        return 'created';
      } catch (error) {
        return error.name + ': ' + error.message;
      }
    })()`);
    expect(outcome).toBe('IntegrationError: Invalid value for address: mode should be one of the following strings: billing, shipping. You specified: undefined.');
  });
});

describe('loading through @stripe/stripe-js', { timeout: 40_000 }, () => {
  it('lets loadStripe() use the sandbox’s Stripe.js instead of injecting js.stripe.com', async () => {
    const stripeJsModule = fs.readFileSync(path.join(STRIPE_JS_PACKAGE, 'dist/index.mjs'), 'utf8');
    const releaseTrain = /var RELEASE_TRAIN = '([a-z0-9]+)'/.exec(stripeJsModule)?.[1];
    const packageVersion = (JSON.parse(fs.readFileSync(path.join(STRIPE_JS_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
    expect(releaseTrain).toBeTruthy();

    const { page } = await openShop();
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') warnings.push(message.text());
    });
    const stripeJsRequests: string[] = [];
    await page.route('https://js.stripe.com/**', (route) => {
      stripeJsRequests.push(route.request().url());
      return route.abort();
    });
    await page.route(`${SHOP}/vendor/stripe-js.mjs`, (route) => route.fulfill({ contentType: 'text/javascript', body: stripeJsModule }));
    await page.addScriptTag({
      type: 'module',
      content: `import { loadStripe } from '/vendor/stripe-js.mjs';
        window.loaded = loadStripe('pk_test_shop').then(async (stripe) => ({
          version: window.Stripe.version,
          wrappers: stripe._wrappers,
          isStripe: ['elements', 'createToken', 'createPaymentMethod', 'confirmCardPayment', 'confirmPayment'].every((name) => typeof stripe[name] === 'function'),
          retrieved: (await stripe.retrievePaymentIntent(window.demo.config.clientSecret)).paymentIntent.status,
        }));`,
    });
    await page.waitForFunction('window.loaded !== undefined');
    const loaded = await page.evaluate('window.loaded');
    expect(loaded).toEqual({
      version: releaseTrain,
      wrappers: [expect.objectContaining({ name: 'stripe-js', version: packageVersion })],
      isStripe: true,
      retrieved: 'requires_payment_method',
    });
    expect(stripeJsRequests).toEqual([]);
    expect(warnings.filter((text) => text.includes('Stripe.js'))).toEqual([]);
  });
});

describe('mounting through @stripe/react-stripe-js', { timeout: 60_000 }, () => {
  it('mounts <LinkAuthenticationElement> and <AddressElement> and hands their change events to onChange', async () => {
    const bundled = await build({
      entryPoints: [path.resolve('sandbox/stripe/tests/fixtures/react-contact-form.tsx')],
      bundle: true,
      write: false,
      format: 'iife',
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const { page } = await openShop();
    await page.addScriptTag({ content: bundled.outputFiles[0]?.text ?? '' });
    await expect.poll(() => page.evaluate('window.contactForm.ready.sort()'), FRAME_POLL).toEqual(['address', 'linkAuthentication']);
    const frame = addressFrame(page);
    expect(await frame.getByRole('option').allTextContents()).toEqual(['Canada', 'United States']);
    expect(await emailFrame(page).getByLabel('Email').inputValue()).toBe('grace@example.com');

    await typeAddress(page, { name: 'Grace Hopper', country: 'CA', line1: '111 Wellington St', city: 'Ottawa', state: 'ON', postalCode: 'K1A 0A9' });
    await expect.poll(() => page.evaluate('window.contactForm.changes.at(-1)'), FRAME_POLL).toEqual({
      elementType: 'address',
      elementMode: 'shipping',
      empty: false,
      complete: true,
      isNewAddress: true,
      value: { name: 'Grace Hopper', address: { line1: '111 Wellington St', line2: null, city: 'Ottawa', state: 'ON', postal_code: 'K1A 0A9', country: 'CA' } },
    });
    await emailFrame(page).getByLabel('Email').fill('grace@navy.example');
    await expect.poll(() => page.evaluate('window.contactForm.changes.at(-1)'), FRAME_POLL).toEqual({ elementType: 'linkAuthentication', empty: false, complete: true, value: { email: 'grace@navy.example' } });
  });
});

describe('what the sandbox serves to browsers', () => {
  it('answers the CORS preflight of the API for any origin', async () => {
    const response = await fetch(`${t.server.url}/v1/payment_intents/pi_1/confirm`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://shop.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('answers a confirmation from Stripe.js (use_stripe_sdk) with the challenge for its modal, even with a return_url', async () => {
    const intent = await t.stripe.paymentIntents.create({ amount: 700, currency: 'eur' });
    const paymentMethod = await t.publishable.paymentMethods.create({ type: 'card', card: { number: '4000002760003184', exp_month: 12, exp_year: new Date().getFullYear() + 2, cvc: '123' } });
    const confirmed = await t.publishable.paymentIntents.confirm(intent.id, {
      payment_method: paymentMethod.id,
      return_url: 'https://shop.example/checkout/complete',
      use_stripe_sdk: true,
      client_secret: String(intent.client_secret),
    } as Stripe.PaymentIntentConfirmParams);
    expect(confirmed.status).toBe('requires_action');
    expect(confirmed.next_action?.type).toBe('use_stripe_sdk');
  });

  it('lets any page frame the card form, whose own policy allows only the sandbox', async () => {
    const response = await fetch(`${t.server.url}/elements/frame?type=payment`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBeNull();
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain('frame-ancestors *');
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    const html = await response.text();
    for (const label of ['Card number', 'Expiration date', 'Security code', 'ZIP code']) expect(html).toContain(`>${label}</label>`);
  });

  it('serves Stripe.js as a script any origin can load, revalidated with an ETag', async () => {
    const first = await fetch(`${t.server.url}/js/stripe.js`);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    const etag = first.headers.get('etag') ?? '';
    const again = await fetch(`${t.server.url}/js/stripe.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });
});
