import type { Browser, Page } from '@playwright/test';
import { actionsUnder, callAction, type ServerAction } from './actions-support';
import { addToCart, asOwnClient, continueToPayment, enterCard, expect, payButton, sandbox, test } from './checkout-support';
import { paypalOrder } from './paypal-support';
import { customerFor, newSubscriber, openSubscribe, subscribe, subscribeButton, subscriptionFor } from './subscription-support';
import { uniqueEmail } from './support';

// What a person sees once past a limit of the README's "Rate limits" table. The allowance is
// used up as a card tester uses it, by calling the page's own action over and over from the
// same browser and connection; the counting itself is tested in lib/auth/limits.test.ts.

test.describe.configure({ timeout: 180_000 });

function action(folder: string, name: string): ServerAction {
  const found = actionsUnder(folder).find((candidate) => candidate.exportedName === name);
  if (!found) throw new Error(`no action ${name} under app/${folder}`);
  return found;
}

/** A person in a browser of their own, and the client address their pages send (for their API calls to send too). */
async function personWithAddress(browser: Browser, baseURL: string): Promise<{ page: Page; address: Record<string, string> }> {
  const context = await browser.newContext({ baseURL });
  const address = await asOwnClient(context, baseURL);
  return { page: await context.newPage(), address };
}

/** The ids a successful action answered with that match `pattern`, from its RSC payload. */
function idIn(body: string, pattern: RegExp): string {
  const match = body.match(pattern);
  expect(match, `${pattern} in ${body.slice(0, 300)}`).not.toBeNull();
  return match![1]!;
}

test('a connection that started 60 checkouts in an hour, by card and with PayPal, is told to wait on the next, and its order and payments stay as they were', async ({ browser, baseURL }) => {
  const { page, address } = await personWithAddress(browser, baseURL!);
  const email = uniqueEmail('checkout-limit');
  await addToCart(page, 'Field Notebook');
  // The first checkout, as the page starts it; its call is the one repeated below.
  const started = page.waitForRequest((request) => request.method() === 'POST' && Boolean(request.headers()['next-action']) && new URL(request.url()).pathname === '/checkout');
  await continueToPayment(page, email);
  const [{ items }] = JSON.parse((await started).postData()!) as [{ items: unknown[] }];
  const input = { items, email };
  const startCheckout = action('(shop)/checkout', 'startCheckout');
  const startApprovalPayment = action('(shop)/checkout', 'startApprovalPayment');

  let cardCall = { status: 0, body: '' };
  for (let i = 1; i < 30; i++) {
    cardCall = await callAction(page.context().request, baseURL!, '/checkout', startCheckout.id, [input], address);
    expect(cardCall.body, `checkout ${i + 1}`).toContain('"ok":true');
  }
  let paypalCall = { status: 0, body: '' };
  for (let i = 30; i < 60; i++) {
    paypalCall = await callAction(page.context().request, baseURL!, '/checkout', startApprovalPayment.id, [{ provider: 'paypal', items }], address);
    expect(paypalCall.body, `checkout ${i + 1}`).toContain('"ok":true');
  }
  const intentId = idIn(cardCall.body, /"(pi_[A-Za-z0-9]+)_secret_/);
  const paypalOrderId = idIn(paypalCall.body, /"paymentId":"([A-Z0-9]+)"/);

  // The 61st, with PayPal: refused as a rate limit, with the message a person can act on.
  const refused = await callAction(page.context().request, baseURL!, '/checkout', startApprovalPayment.id, [{ provider: 'paypal', items }], address);
  expect(refused.body).toContain('"code":"rate_limited"');
  expect(refused.body).toContain('Too many checkout attempts from this connection. Please wait a while and try again.');

  // By card, in the page: a second notebook in the cart, and Continue is refused.
  await addToCart(page, 'Field Notebook');
  await page.goto('/checkout');
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Too many checkout attempts from this connection. Please wait a while and try again.');
  await expect(payButton(page)).toHaveCount(0);
  // Nothing was priced into the order's payments for the refused attempts: still one notebook.
  expect((await sandbox.paymentIntents.retrieve(intentId)).amount).toBe(1800);
  expect((await paypalOrder(paypalOrderId)).purchase_units[0]?.amount).toEqual({ currency_code: 'USD', value: '18.00' });
  await page.context().close();
});

test('an account that tried to subscribe 60 times in an hour is told to wait on the next, and no subscription is started for it', async ({ browser, baseURL }) => {
  const { page } = await personWithAddress(browser, baseURL!);
  const email = await newSubscriber(page, 'subscribe-limit');
  const startSubscription = action('(shop)/subscribe', 'startSubscription');
  for (let i = 0; i < 60; i++) {
    const attempt = await callAction(page.context().request, baseURL!, '/subscribe/starter-monthly-usd', startSubscription.id, [{ lookupKey: 'starter-monthly-usd' }]);
    expect(attempt.body, `attempt ${i + 1}`).toContain('"ok":true');
  }
  const before = await subscriptionFor(email);

  // The 61st, for another plan, in the page.
  await openSubscribe(page, 'pro-monthly-usd');
  await enterCard(page, '4242424242424242');
  await subscribeButton(page).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Too many attempts to subscribe. Please wait a while and try again.');
  await expect(page).toHaveURL(/\/subscribe\/pro-monthly-usd$/);
  const after = await subscriptionFor(email);
  expect(after.id).toBe(before.id);
  expect(after.items.data.map((item) => item.price.lookup_key)).toEqual(['starter-monthly-usd']);
  expect(after.status).toBe('incomplete');
  await page.context().close();
});

test('a subscriber who opened 30 card forms in an hour is told to wait on the next, and no card setup is made for it', async ({ browser, baseURL }) => {
  const { page } = await personWithAddress(browser, baseURL!);
  const email = await newSubscriber(page, 'card-form-limit');
  await subscribe(page, 'starter-monthly-usd');
  const startPaymentMethodUpdate = action('(account)', 'startPaymentMethodUpdate');
  for (let i = 0; i < 30; i++) {
    const opened = await callAction(page.context().request, baseURL!, '/account/billing', startPaymentMethodUpdate.id, [{}]);
    expect(opened.body, `card form ${i + 1}`).toContain('"ok":true');
  }
  const customer = await customerFor(email);
  const setupsBefore = (await sandbox.setupIntents.list({ customer: customer.id, limit: 100 })).data.length;

  await page.getByRole('button', { name: 'Update card' }).click();
  await enterCard(page, '5555555555554444');
  await page.getByRole('button', { name: 'Save card' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Too many card changes. Please wait a while and try again.');
  expect((await sandbox.setupIntents.list({ customer: customer.id, limit: 100 })).data.length).toBe(setupsBefore);
  await page.reload();
  await expect(page.getByTestId('payment-method')).toContainText('Visa •••• 4242');
  await page.context().close();
});
