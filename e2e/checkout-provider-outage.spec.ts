import { STRIPE_CLIENT_OPTIONS } from '../lib/payments/stripe/client';
import { resourceFailedWith, uniqueEmail } from './support';
import {
  addToCart,
  armProviderFault,
  continueToPayment,
  enterCard,
  expect,
  expectConfirmation,
  faultsArmedFor,
  intentsFor,
  orderNumber,
  payButton,
  sandbox,
  test,
} from './checkout-support';

// The faults below are armed for each journey's own customer only (README, "Chaos switches"),
// so the other journeys running beside these ones talk to a healthy provider.

test.describe.configure({ timeout: 90_000 });

test.describe('when the payment provider fails', () => {
  test('a guest whose checkout cannot reach the provider is told so, is not charged, and pays the same order on trying again', async ({ page }) => {
    const email = uniqueEmail('unreachable');
    await addToCart(page, 'Field Notebook');
    await page.goto('/checkout');
    // The provider stops answering when the page prepares the payment. The app's SDK repeats a
    // dropped request by itself (lib/payments/stripe/client.ts): these outlast its retries.
    await armProviderFault({ email, kind: 'unreachable', times: STRIPE_CLIENT_OPTIONS.maxNetworkRetries + 1, method: 'POST', path: '/v1/payment_intents' });
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Continue to payment' }).click();

    const alert = page.getByRole('main').getByRole('alert');
    await expect(alert).toContainText('We could not reach our payment provider.');
    await expect(alert).toContainText('Your order is saved and you have not been charged');
    await expect(payButton(page)).toHaveCount(0);
    expect(await faultsArmedFor(email)).toEqual([]); // every attempt met the outage, and it is over
    expect(await intentsFor(email)).toEqual([]); // nothing to charge

    // The order was saved: after a refresh the checkout still holds it, with the guest's details.
    await page.reload();
    await expect(page.getByLabel('Email')).toHaveValue(email);
    await continueToPayment(page);
    const number = await orderNumber(page);
    await enterCard(page, '4242424242424242');
    await payButton(page).click();
    await expectConfirmation(page);
    await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();

    const intents = await intentsFor(email);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ status: 'succeeded', amount: 1800, metadata: { order_number: number } });
    expect((await sandbox.charges.list({ payment_intent: intents[0]!.id })).data).toHaveLength(1);
  });

  test('a guest whose Pay meets a provider error is told so where the card is entered, and paying again pays the order once', async ({ page, expectConsoleError }) => {
    expectConsoleError(resourceFailedWith(500)); // the provider's error, as the browser sees it
    const email = uniqueEmail('provider-500');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    const number = await orderNumber(page);
    await enterCard(page, '4242424242424242');
    // Stripe.js does not repeat a confirm: one fault is one failed Pay.
    await armProviderFault({ email, kind: '500', method: 'POST', path: '/v1/payment_intents/:id/confirm' });
    await payButton(page).click();

    const error = page.getByTestId('payment-error');
    await expect(error).toContainText('Our payment provider had a problem and did not take this payment.');
    await expect(error).toContainText('You have not been charged.');
    await expect(page).toHaveURL(/\/checkout$/);
    await expect(payButton(page)).toBeEnabled(); // still payable, card details still entered
    expect(await faultsArmedFor(email)).toEqual([]);
    const [unpaid] = await intentsFor(email);
    expect(unpaid).toMatchObject({ status: 'requires_payment_method' });
    expect((await sandbox.charges.list({ payment_intent: unpaid!.id })).data).toHaveLength(0);

    await payButton(page).click();
    await expectConfirmation(page); // "Paid" once the provider's webhook has been applied
    await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();

    const intents = await intentsFor(email);
    expect(intents.map((intent) => intent.id)).toEqual([unpaid!.id]);
    expect(intents[0]).toMatchObject({ status: 'succeeded', amount: 1800, metadata: { order_number: number } });
    expect((await sandbox.charges.list({ payment_intent: unpaid!.id })).data).toHaveLength(1);
  });
});
