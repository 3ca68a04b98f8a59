import type { Page } from '@playwright/test';
import { addToCart, payButton, sandbox } from './checkout-support';
import { enterCard, expect, newSubscriber, openSubscribe, statusBadge, subscribe, subscribeButton, subscriptionFor, test } from './subscription-support';
import { uniqueEmail } from './support';

/**
 * Changes the arguments of this page's server-action calls on their way to the server, as a
 * person with the browser's developer tools could: only the calls `applies` picks, the rest pass.
 */
async function tamperWithActions(page: Page, applies: (args: unknown[]) => boolean, change: (args: unknown[]) => unknown[]) {
  await page.route('**/*', async (route) => {
    const request = route.request();
    const body = request.postData();
    if (request.method() !== 'POST' || !request.headers()['next-action'] || !body?.startsWith('[')) return route.fallback();
    const args = JSON.parse(body) as unknown[];
    if (!applies(args)) return route.fallback();
    await route.continue({ postData: JSON.stringify(change(args)) });
  });
}

type CartArgs = [{ items: { priceId: string; quantity: number }[]; email?: string }];
const isCheckout = (args: unknown[]) => JSON.stringify(args).includes('"email"');
const withQuantity = (quantity: number) => (args: unknown[]) => {
  const [input] = args as CartArgs;
  return [{ ...input, items: input.items.map((item) => ({ ...item, quantity })) }];
};
const withAmount = (args: unknown[]) => [{ ...(args[0] as object), amount: 1 }];

test.describe('a refused request says what was refused', () => {
  test('a checkout whose quantity was changed to 1.5 on the way names the product, and nothing is charged or made', async ({ page }) => {
    const email = uniqueEmail('tamper-quantity');
    await addToCart(page, 'Field Notebook');
    await page.goto('/checkout');
    await tamperWithActions(page, isCheckout, withQuantity(1.5));
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    await expect(page.getByRole('main').getByRole('alert')).toHaveText('Quantity of Field Notebook must be a whole number between 1 and 99.');
    await expect(page.getByText('Please correct the highlighted fields.')).toHaveCount(0);
    await expect(payButton(page)).toHaveCount(0);
    expect((await sandbox.customers.list({ email })).data).toHaveLength(0);
  });

  test('a checkout carrying an amount names the field the shop does not accept, and the untampered retry goes through', async ({ page }) => {
    const email = uniqueEmail('tamper-amount');
    await addToCart(page, 'Field Notebook');
    await page.goto('/checkout');
    await tamperWithActions(page, isCheckout, withAmount);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    await expect(page.getByRole('main').getByRole('alert')).toHaveText('This request carried a field the shop does not accept: amount.');
    expect((await sandbox.customers.list({ email })).data).toHaveLength(0);

    // 'wait': a request the tampering route is still passing on must finish before the route goes, or it is handled twice.
    await page.unrouteAll({ behavior: 'wait' });
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect(payButton(page)).toBeEnabled();
  });

  test('a cart priced with a quantity past 2^53 shows the refusal under that line and no total', async ({ page }) => {
    await addToCart(page, 'Field Notebook');
    await tamperWithActions(page, () => true, withQuantity(2 ** 53 + 2));
    await page.goto('/cart');

    const line = page.getByTestId('cart-line').filter({ hasText: 'Field Notebook' });
    await expect(line).toContainText('Quantity of Field Notebook must be a whole number between 1 and 99.');
    await expect(line.getByLabel('Quantity of Field Notebook')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('cart-total')).toHaveText('—');
    await expect(page.getByRole('button', { name: 'Check out' })).toBeDisabled();
  });

  test('subscribing with an amount in the request names the field, and no subscription is made', async ({ page }) => {
    const email = await newSubscriber(page, 'tamper-subscribe');
    await openSubscribe(page, 'starter-monthly-usd');
    await tamperWithActions(page, (args) => JSON.stringify(args).includes('lookupKey'), withAmount);
    await enterCard(page, '4242424242424242');
    await subscribeButton(page).click();

    await expect(page.getByText('This request carried a field the shop does not accept: amount.')).toBeVisible();
    const customers = (await sandbox.customers.list({ email })).data;
    for (const customer of customers) expect((await sandbox.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(0);
  });

  test('canceling with an amount in the request names the field, and the plan stays as it was', async ({ page }) => {
    test.setTimeout(90_000);
    const email = await newSubscriber(page, 'tamper-cancel');
    await subscribe(page, 'starter-monthly-usd');
    await tamperWithActions(page, () => true, withAmount);

    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
    await expect(page.getByText('This request carried a field the shop does not accept: amount.')).toBeVisible();

    // 'wait': a request the tampering route is still passing on must finish before the route goes, or it is handled twice.
    await page.unrouteAll({ behavior: 'wait' });
    await page.reload();
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('ends-on')).toHaveCount(0);
    expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: false });
  });
});
