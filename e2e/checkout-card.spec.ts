import type { APIRequestContext } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { adminBrowser, openEmail } from './admin-support';
import { PASSWORD, resourceFailedWith, signOut, signUp, uniqueEmail } from './support';
import {
  addToCart,
  cardFrame,
  continueToPayment,
  enterCard,
  expect,
  expectConfirmation,
  intentsFor,
  newCustomer,
  orderNumber,
  payButton,
  sandbox,
  SANDBOX_ORIGIN,
  test,
  threeDSecure,
} from './checkout-support';

test.describe.configure({ timeout: 90_000 });

test.describe('paying for a cart by card', () => {
  test('a guest adds goods to the cart, pays by card and sees the order confirmed', { tag: '@phone' }, async ({ page, browser }) => {
    const email = uniqueEmail('guest');
    await addToCart(page, 'Field Notebook', 2);
    await expect(page.getByRole('link', { name: 'Cart, 2 items' })).toBeVisible();
    await page.getByRole('link', { name: 'Cart, 2 items' }).click();
    await expect(page.getByTestId('cart-total')).toHaveText('$36.00');
    await page.getByRole('link', { name: 'Check out' }).click();

    await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
    await expect(page.getByTestId('order-total')).toHaveText('$36.00');
    await continueToPayment(page, email);
    await expect(payButton(page)).toHaveText('Pay $36.00');
    const number = await orderNumber(page);

    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
    await expect(page.getByTestId('order-total')).toHaveText('$36.00');
    await expect(page.getByRole('link', { name: 'Cart', exact: true })).toBeVisible(); // the cart became this order

    const [intent] = await intentsFor(email);
    expect(intent).toMatchObject({ status: 'succeeded', amount: 3600, currency: 'usd', receipt_email: email, metadata: { order_number: number } });

    // Sandbox mode: the receipt stays in the outbox, which only staff read, and is never sent.
    const admin = await adminBrowser(browser);
    await openEmail(admin, email, `Your receipt for order #${number} ($36.00)`);
    await expect(admin.getByTestId('email-to')).toHaveText(email);
    await expect(admin.getByTestId('email-text')).toContainText('2 × Field Notebook');
    await expect(async () => {
      await admin.reload();
      await expect(admin.getByTestId('email-status')).toHaveText('Held (sandbox)', { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await admin.context().close();
  });

  test('a signed-in customer pays as their account, without typing an email', async ({ page }) => {
    const email = uniqueEmail('member');
    await signUp(page, email);
    await addToCart(page, 'Brass Fountain Pen');
    await page.goto('/checkout');
    await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
    await expect(page.getByLabel('Email')).toHaveCount(0);
    await continueToPayment(page);
    await expect(page.getByText(`Paying as ${email}`)).toBeVisible();

    await enterCard(page, '5555555555554444');
    await payButton(page).click();
    await expectConfirmation(page);

    const customers = await sandbox.customers.list({ email });
    expect(customers.data[0]?.metadata.user_id).toBeTruthy();
    const [intent] = await intentsFor(email);
    expect(intent).toMatchObject({ status: 'succeeded', amount: 6400 });
  });

  test('a customer who signs in from checkout comes back to it and pays as their account', async ({ page }) => {
    const email = uniqueEmail('returning');
    await signUp(page, email);
    await signOut(page);
    await addToCart(page, 'Field Notebook');
    await page.goto('/checkout');
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Billfold' })).toBeVisible(); // not checkout's own Email field
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/checkout$/);
    await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();

    await continueToPayment(page);
    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    expect(await intentsFor(email)).toHaveLength(1);
  });

  test('two tabs show one order; once one tab pays, the other points to the paid order instead of a second payment', async ({ page, context }) => {
    const email = uniqueEmail('tabs');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    const number = await orderNumber(page);

    const second = await context.newPage();
    await second.goto('/checkout');
    await expect(payButton(second)).toBeEnabled(); // the same order and intent, resumed from the cookie
    expect(await orderNumber(second)).toBe(number);

    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);

    await expect(payButton(second)).toHaveCount(0);
    await second.getByRole('link', { name: `See order #${number}` }).click();
    await expectConfirmation(second);
    await expect(second.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
    const intents = await intentsFor(email);
    expect(intents).toHaveLength(1);
    expect((await sandbox.charges.list({ payment_intent: intents[0]!.id })).data).toHaveLength(1);
  });

  // One card of each refusal the checkout shows (sandbox/stripe/test-cards.ts has them all):
  // issuers' declines, a processing error and a Radar block.
  const declines = [
    { card: '4000000000000002', reason: 'generic decline', message: 'Your card was declined.', declineCode: 'generic_decline' },
    { card: '4000000000009995', reason: 'insufficient funds', message: 'Your card has insufficient funds.', declineCode: 'insufficient_funds' },
    { card: '4000000000000069', reason: 'expired card', message: 'Your card has expired.', declineCode: 'expired_card' },
    { card: '4000000000000127', reason: 'incorrect CVC', message: "Your card's security code is incorrect.", declineCode: 'incorrect_cvc' },
    { card: '4000000000009987', reason: 'lost card', message: 'Your card was declined.', declineCode: 'lost_card' },
    { card: '4000000000000119', reason: 'processing error', message: 'An error occurred while processing your card. Try again in a little bit.', declineCode: 'processing_error' },
    { card: '4100000000000019', reason: 'Radar block', message: 'Your card was declined.', declineCode: 'fraudulent' },
  ];
  for (const { card, reason, message, declineCode } of declines) {
    test(`a declined card (${reason}) says why where the card is entered, and another card pays the same order`, async ({ page, expectConsoleError }) => {
      expectConsoleError(resourceFailedWith(402)); // the provider refuses the card
      const email = uniqueEmail('declined');
      await addToCart(page, 'Field Notebook');
      await continueToPayment(page, email);
      const number = await orderNumber(page);

      await enterCard(page, card);
      await payButton(page).click();
      await expect(page.getByTestId('payment-error')).toContainText(message);
      await expect(page.getByTestId('payment-error')).toContainText('You have not been charged.');
      await expect(page).toHaveURL(/\/checkout$/);
      const [refused] = await intentsFor(email);
      expect(refused).toMatchObject({ status: 'requires_payment_method', amount_received: 0, last_payment_error: { decline_code: declineCode } });

      await cardFrame(page).getByLabel('Card number').fill('4242424242424242');
      await payButton(page).click();
      await expectConfirmation(page);
      await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();

      const intents = await intentsFor(email);
      expect(intents).toHaveLength(1);
      expect(intents[0]).toMatchObject({ status: 'succeeded', amount: 1800 });
      const charges = (await sandbox.charges.list({ payment_intent: intents[0]!.id })).data;
      expect(charges.filter((charge) => charge.paid)).toHaveLength(1);
    });
  }

  test('3-D Secure 2 (4000 0000 0000 3220): the challenge completed by the customer pays the order', async ({ page }) => {
    const email = uniqueEmail('three-ds2');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    await enterCard(page, '4000000000003220');
    await payButton(page).click();
    await threeDSecure(page).getByRole('button', { name: 'Complete' }).click();
    await expectConfirmation(page);
    const [intent] = await intentsFor(email);
    expect(intent).toMatchObject({ status: 'succeeded', amount: 1800 });
    const charge = await sandbox.charges.retrieve(String(intent!.latest_charge));
    expect(charge.payment_method_details?.card?.three_d_secure?.result).toBe('authenticated');
  });

  test('3-D Secure: completing the challenge pays the order', { tag: '@phone' }, async ({ page }) => {
    const email = uniqueEmail('three-ds');
    await addToCart(page, 'Washi Tape Set');
    await continueToPayment(page, email);
    await expect(payButton(page)).toHaveText('Pay ¥1,980');
    await enterCard(page, '4000002760003184');
    await payButton(page).click();
    await threeDSecure(page).getByRole('button', { name: 'Complete' }).click();
    await expectConfirmation(page);
    const [intent] = await intentsFor(email);
    expect(intent).toMatchObject({ status: 'succeeded', amount: 1980, currency: 'jpy' });
  });

  test('3-D Secure: failing the challenge says so, and the customer can pay with another card', async ({ page }) => {
    const email = uniqueEmail('three-ds-fail');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    await enterCard(page, '4000002760003184');
    await payButton(page).click();
    await threeDSecure(page).getByRole('button', { name: 'Fail' }).click();
    await expect(page.getByTestId('payment-error')).toContainText('3-D Secure was not completed');
    await expect(page.locator('[data-billfold-stripe-3ds]')).toHaveCount(0);

    await cardFrame(page).getByLabel('Card number').fill('4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    expect(await intentsFor(email)).toHaveLength(1);
  });

  test('double-clicking Pay makes one PaymentIntent and one charge', async ({ page }) => {
    const email = uniqueEmail('double');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    await enterCard(page, '4242424242424242');
    await payButton(page).dblclick();
    await expectConfirmation(page);

    const intents = await intentsFor(email);
    expect(intents).toHaveLength(1);
    const charges = await sandbox.charges.list({ payment_intent: intents[0]!.id });
    expect(charges.data).toHaveLength(1);
    expect(charges.data[0]).toMatchObject({ status: 'succeeded', amount: 1800 });
  });

  test('a refresh mid-payment resumes the same order and intent, and a changed cart updates that intent', async ({ page }) => {
    const email = uniqueEmail('refresh');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    const number = await orderNumber(page);
    const [first] = await intentsFor(email);

    await page.reload();
    await expect(payButton(page)).toBeEnabled(); // straight back to the card form: no second Continue
    expect(await orderNumber(page)).toBe(number);
    expect((await intentsFor(email)).map((intent) => intent.id)).toEqual([first!.id]);

    await page.goto('/cart');
    await page.getByLabel('Quantity of Field Notebook').fill('3');
    await expect(page.getByTestId('cart-total')).toHaveText('$54.00');
    await page.getByRole('link', { name: 'Check out' }).click();
    await expect(page.getByText('Your cart changed since you started paying')).toBeVisible();
    await expect(page.getByTestId('order-total')).toHaveText('$54.00');
    await continueToPayment(page);
    expect(await orderNumber(page)).toBe(number);
    await expect(payButton(page)).toHaveText('Pay $54.00');

    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    const intents = await intentsFor(email);
    expect(intents.map((intent) => intent.id)).toEqual([first!.id]);
    expect(intents[0]).toMatchObject({ status: 'succeeded', amount: 5400 });
  });

  test('a tab left open after the shop gave up on the checkout starts afresh when Pay is pressed, and pays a new intent', async ({ page, expectConsoleError }) => {
    expectConsoleError(resourceFailedWith(400)); // the provider refuses to confirm the canceled intent
    const email = uniqueEmail('stale-tab');
    await addToCart(page, 'Field Notebook', 2);
    await continueToPayment(page, email);
    const [abandoned] = await intentsFor(email);
    // What the worker's sweep does once the checkout has been idle for CHECKOUT_ABANDON_AFTER_HOURS.
    await sandbox.paymentIntents.cancel(abandoned!.id, { cancellation_reason: 'abandoned' });

    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expect(page.getByText('This checkout had expired, so we started it again. You have not been charged')).toBeVisible();
    await expect(payButton(page)).toHaveText('Pay $36.00');
    await expect(payButton(page)).toBeEnabled();
    const number = await orderNumber(page);

    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
    const intents = await intentsFor(email);
    expect(intents.map((intent) => [intent.id === abandoned!.id ? 'abandoned' : 'fresh', intent.status]).sort()).toEqual([
      ['abandoned', 'canceled'],
      ['fresh', 'succeeded'],
    ]);
  });

  test('a cart that mixes currencies is refused with a clear message, and nothing can be paid', async ({ page }) => {
    await addToCart(page, 'Field Notebook');
    await addToCart(page, 'Washi Tape Set');
    await page.goto('/cart');
    await expect(page.getByRole('main').getByRole('alert')).toContainText('Your cart mixes currencies (USD and JPY)');
    await expect(page.getByRole('button', { name: 'Check out' })).toBeDisabled();
    await page.goto('/checkout');
    await expect(page.getByRole('main').getByRole('alert')).toContainText('Your cart mixes currencies');
    await expect(page.getByRole('button', { name: 'Continue to payment' })).toBeDisabled();
  });
});

/** Calls the startCheckout server action as a browser's fetch would, with a hand-made payload. */
function startCheckoutActionId(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(process.cwd(), '.next/server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { filename?: string; exportedName?: string }>;
  };
  const entry = Object.entries(manifest.node).find(([, action]) => action.filename === 'app/(shop)/checkout/actions.ts' && action.exportedName === 'startCheckout');
  if (!entry) throw new Error('the build has no startCheckout action');
  return entry[0];
}

async function callStartCheckout(request: APIRequestContext, baseURL: string, payload: unknown): Promise<string> {
  const response = await request.post('/checkout', {
    headers: { 'Next-Action': startCheckoutActionId(), 'Content-Type': 'text/plain;charset=UTF-8', Origin: baseURL, Accept: 'text/x-component' },
    data: JSON.stringify([payload]),
  });
  return response.text();
}

test.describe('what the browser cannot change', () => {
  test('a tampered checkout request (an amount, an unknown price, a quantity out of range) is refused and creates nothing', async ({ page, baseURL }) => {
    await addToCart(page, 'Field Notebook');
    const [item] = JSON.parse((await page.evaluate(() => localStorage.getItem('billfold.cart.v1'))) ?? '[]') as { priceId: string; quantity: number }[];
    expect(item?.priceId).toBeTruthy();
    const email = uniqueEmail('tamper');
    const tampered = [
      { items: [{ ...item, amount: 1 }], email },
      { items: [item], email, amount: 1, currency: 'JPY' },
      { items: [{ priceId: crypto.randomUUID(), quantity: 1 }], email },
      { items: [{ ...item, quantity: 1000 }], email },
      { items: [{ ...item, quantity: 0 }], email },
      { items: [{ ...item, quantity: 1.5 }], email },
      { items: [], email },
    ];
    for (const payload of tampered) {
      const body = await callStartCheckout(page.request, baseURL!, payload);
      expect(body, JSON.stringify(payload)).toContain('"ok":false');
      expect(body).not.toContain('client_secret');
      expect(body).not.toContain('_secret_');
    }
    expect((await sandbox.customers.list({ email })).data).toHaveLength(0);

    // The same request, untampered, goes through: the refusals above were about the tampering.
    const body = await callStartCheckout(page.request, baseURL!, { items: [item], email });
    expect(body).toContain('"ok":true');
    expect(await intentsFor(email)).toHaveLength(1);
  });

  test("the confirmation page opens with the signed link only: not with an order's id, a forged signature or someone else's account", async ({ page, browser, baseURL, expectConsoleError }) => {
    expectConsoleError(resourceFailedWith(404)); // each refused link is a 404 page
    const email = uniqueEmail('receipt');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    const link = new URL(page.url());
    const token = link.searchParams.get('order') ?? '';
    const [orderId] = token.split('.');

    // Whoever holds the guest's link sees the order; nothing else opens it.
    const stranger = await newCustomer(browser, baseURL!);
    await stranger.goto(link.pathname + link.search);
    await expect(stranger.getByTestId('order-status')).toBeVisible();
    for (const forged of [orderId, `${orderId}.${'A'.repeat(43)}`, token.slice(0, -2), '1000']) {
      const response = await stranger.goto(`/checkout/complete?order=${encodeURIComponent(forged ?? '')}`);
      expect(response?.status(), forged).toBe(404);
    }
    expect((await stranger.request.get(`/api/checkout/order-status?order=${orderId}`)).status()).toBe(404);
    await stranger.context().close();

    // An account's order needs that account signed in, even with its link.
    const member = await newCustomer(browser, baseURL!);
    await signUp(member, uniqueEmail('owner'));
    await addToCart(member, 'Field Notebook');
    await continueToPayment(member);
    await enterCard(member, '4242424242424242');
    await payButton(member).click();
    await expectConfirmation(member);
    const memberLink = new URL(member.url());
    const response = await page.goto(memberLink.pathname + memberLink.search);
    expect(response?.status()).toBe(404);
    await member.context().close();
  });

  test('checkout pages carry a nonce CSP limited to us and the payment sandbox, and cannot be framed', async ({ page }) => {
    const response = await page.goto('/checkout');
    const headers = response?.headers() ?? {};
    const policy = headers['content-security-policy'] ?? '';
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeTruthy();
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain(`frame-src ${SANDBOX_ORIGIN}`);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|js\.stripe\.com/);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['strict-transport-security']).toMatch(/max-age=/); // the e2e stack is a production build

    // Every script element on the page carries this response's nonce.
    const scripts = await page.locator('script').evaluateAll((elements) => elements.map((element) => (element as HTMLScriptElement).nonce));
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((value) => value === nonce)).toBe(true);

    const again = await page.goto('/checkout');
    expect(/'nonce-([^']+)'/.exec(again?.headers()['content-security-policy'] ?? '')?.[1]).not.toBe(nonce);
  });
});
