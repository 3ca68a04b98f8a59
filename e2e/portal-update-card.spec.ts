import { customerFor, enterCard, expect, newSubscriber, sandbox, subscribe, subscriptionFor, test, updateCard } from './subscription-support';
import { resourceFailedWith } from './support';

test.describe.configure({ timeout: 90_000 });

test('a subscriber updates the card, which becomes the default for future invoices', async ({ page, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(402)); // the provider refuses the declined card
  const email = await newSubscriber(page, 'update-card');
  await subscribe(page, 'starter-monthly-usd');
  await expect(page.getByTestId('payment-method')).toContainText('Visa •••• 4242');

  // A card the bank declines is not saved, and the form says why.
  await page.getByRole('button', { name: 'Update card' }).click();
  await enterCard(page, '4000000000000002');
  await page.getByRole('button', { name: 'Save card' }).click();
  await expect(page.getByTestId('payment-error')).toContainText('Your card was declined.');
  await page.getByRole('button', { name: 'Keep my current card' }).click();

  await updateCard(page, '5555555555554444', /^Mastercard •••• 4444, expires 12\/20\d\d$/);

  const customer = await customerFor(email);
  const subscription = await subscriptionFor(email);
  const methods = await sandbox.paymentMethods.list({ customer: customer.id, type: 'card' });
  const mastercard = methods.data.find((method) => method.card?.last4 === '4444');
  expect(mastercard).toBeTruthy();
  expect(subscription.default_payment_method ?? customer.invoice_settings.default_payment_method).toBe(mastercard!.id);
  await page.reload();
  await expect(page.getByTestId('payment-method')).toContainText('Mastercard •••• 4444');
});
