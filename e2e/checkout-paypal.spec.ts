import { adminBrowser, openEmail } from './admin-support';
import { signUp, uniqueEmail } from './support';
import { addToCart, continueToPayment, enterCard, expect, expectConfirmation, orderNumber, payButton, test } from './checkout-support';
import { approveInPaypal, openPaypal, paypalButton, paypalOrder, paypalOrderIdOf } from './paypal-support';

test.describe.configure({ timeout: 90_000 });

test.describe('paying for a cart with PayPal', () => {
  test('a guest pays with PayPal in its window and sees the order paid, for the amount the server priced', { tag: '@phone' }, async ({ page, browser }) => {
    const email = uniqueEmail('paypal-guest');
    await addToCart(page, 'Field Notebook', 2);
    await continueToPayment(page, email);
    await expect(paypalButton(page)).toBeEnabled();
    const number = await orderNumber(page);

    const window = await openPaypal(page);
    const orderId = paypalOrderIdOf(window);
    await expect(window.getByText('Total: 36.00 USD')).toBeVisible();
    await approveInPaypal(window);

    await expectConfirmation(page);
    await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
    const order = await paypalOrder(orderId);
    expect(order.status).toBe('COMPLETED');
    expect(order.purchase_units[0]).toMatchObject({ amount: { currency_code: 'USD', value: '36.00' }, payments: { captures: [{ status: 'COMPLETED' }] } });

    // The same receipt as a card order's.
    const admin = await adminBrowser(browser);
    await openEmail(admin, email, `Your receipt for order #${number} ($36.00)`);
    await expect(admin.getByTestId('email-to')).toHaveText(email);
    await admin.context().close();
  });

  test('a signed-in customer pays a yen cart with PayPal, in whole yen', async ({ page }) => {
    await signUp(page, uniqueEmail('paypal-yen'));
    await addToCart(page, 'Washi Tape Set');
    await continueToPayment(page);
    await expect(payButton(page)).toHaveText('Pay ¥1,980');

    const window = await openPaypal(page);
    const orderId = paypalOrderIdOf(window);
    await expect(window.getByText('Total: 1980 JPY')).toBeVisible();
    await approveInPaypal(window);

    await expectConfirmation(page);
    expect((await paypalOrder(orderId)).purchase_units[0]?.amount).toEqual({ currency_code: 'JPY', value: '1980' });
  });

  test('a buyer who cancels in PayPal is back at checkout, not charged, and pays the same order by card', async ({ page }) => {
    await addToCart(page, 'Brass Fountain Pen');
    await continueToPayment(page, uniqueEmail('paypal-cancel'));
    const number = await orderNumber(page);

    const window = await openPaypal(page);
    const orderId = paypalOrderIdOf(window);
    const closed = window.waitForEvent('close');
    await window.getByRole('button', { name: 'Cancel and return to the shop' }).click();
    await closed;
    await expect(page.getByRole('status').filter({ hasText: 'You left PayPal before paying. You have not been charged.' })).toBeVisible();
    expect(await orderNumber(page)).toBe(number);

    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
    expect((await paypalOrder(orderId)).status).toBe('CREATED'); // never approved, never captured
  });

  test('a buyer whose funding PayPal declines picks another way to pay in PayPal, and the same PayPal order is paid', async ({ page }) => {
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, uniqueEmail('paypal-declined'));

    const first = await openPaypal(page);
    const orderId = paypalOrderIdOf(first);
    await approveInPaypal(first, 'declined@example.com');
    await expect(page.getByRole('alert').filter({ hasText: 'declined' })).toHaveText('PayPal declined that way to pay. You have not been charged: choose another way to pay in PayPal.');

    const second = await openPaypal(page);
    expect(paypalOrderIdOf(second)).toBe(orderId);
    await approveInPaypal(second, 'buyer@example.com');
    await expectConfirmation(page);
    const order = await paypalOrder(orderId);
    expect(order.purchase_units[0]?.payments?.captures?.map((capture) => capture.status)).toEqual(['COMPLETED']);
  });

  test('a buyer whose browser closes right after approving is still charged once: the webhook captures and pays the order', async ({ page, context }) => {
    await signUp(page, uniqueEmail('paypal-closed'));
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page);
    const number = await orderNumber(page);

    const window = await openPaypal(page);
    const orderId = paypalOrderIdOf(window);
    // The checkout tab dies before PayPal's window can tell it: onApprove never fires.
    await page.close();
    await window.getByLabel('Log in as a sandbox buyer').selectOption('buyer@example.com');
    await window.getByRole('button', { name: /^Pay / }).click();
    await expect(window.getByText('Returning to the shop…')).toBeVisible();

    await expect(async () => expect((await paypalOrder(orderId)).status).toBe('COMPLETED')).toPass({ timeout: 30_000 });
    const account = await context.newPage();
    await account.goto('/account');
    const row = account.getByTestId('order-list').getByRole('listitem').filter({ hasText: `#${number}` });
    await expect(async () => {
      await account.reload();
      await expect(row).toContainText('Paid', { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  });

  test('an eCheck payment shows "Processing" honestly until PayPal completes it, then "Paid"', async ({ page }) => {
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, uniqueEmail('paypal-pending'));

    const window = await openPaypal(page);
    await approveInPaypal(window, 'pending@example.com');
    await expect(page).toHaveURL(/\/checkout\/complete\?order=/);
    await expect(page.getByTestId('order-status')).toHaveText('Processing');
    await expect(page.getByTestId('order-status')).toHaveText('Paid', { timeout: 30_000 });
  });

  test('a double click on PayPal opens one PayPal window for one PayPal order, captured once', async ({ page }) => {
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, uniqueEmail('paypal-double'));

    let windows = 0;
    page.on('popup', () => void windows++);
    const window = await openPaypal(page, (button) => button.dblclick());
    const orderId = paypalOrderIdOf(window);
    await approveInPaypal(window);
    await expectConfirmation(page);
    expect(windows).toBe(1);
    const order = await paypalOrder(orderId);
    expect(order.purchase_units[0]?.payments?.captures).toHaveLength(1);
  });
});
