import { adminBrowser, newTeamMember } from './admin-support';
import { addToCart, armProviderFault, continueToPayment, enterCard, expect, expectConfirmation, intentsFor, payButton, sandbox, test } from './checkout-support';
import { uniqueEmail } from './support';

test.describe.configure({ timeout: 120_000 });

test('a refund made in Stripe without any webhook is found by the reconciliation an admin runs, and the payment shows it; support sees the page but cannot run it', async ({ page, browser }) => {
  // A guest pays by card; the payment's own events are applied as usual.
  const email = uniqueEmail('reconcile');
  await addToCart(page, 'Field Notebook');
  await continueToPayment(page, email);
  await enterCard(page, '4242424242424242');
  await payButton(page).click();
  await expectConfirmation(page);
  const [intent] = await intentsFor(email);

  // The merchant refunds part of it in Stripe, and Stripe never sends an event about it.
  await armProviderFault({ email, kind: 'silent', method: 'POST', path: '/v1/refunds' });
  await sandbox.refunds.create({ payment_intent: intent!.id, amount: 500 });

  const admin = await adminBrowser(browser);
  await admin.goto('/admin/transactions?q=' + encodeURIComponent(email));
  await admin.getByRole('table', { name: 'Transactions' }).getByTestId('transaction-link').click();
  await expect(admin.getByTestId('amount-refunded')).toHaveText('$0.00');
  const paymentPage = admin.url();

  // The admin runs a reconciliation of Stripe now; the worker heals the payment as the lost webhook would have.
  await admin.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Reconciliation' }).click();
  await admin.getByRole('button', { name: 'Reconcile Stripe' }).click();
  await expect(admin.getByText(/Queued: the worker reconciles Stripe/)).toBeVisible();
  await expect(async () => {
    await admin.goto(paymentPage);
    await expect(admin.getByTestId('amount-refunded')).toHaveText('$5.00', { timeout: 1_000 });
  }).toPass({ timeout: 60_000, intervals: [1_000, 2_000] });
  await admin.goto('/admin/reconciliation');
  await expect(admin.getByTestId('reconciliation-runs').getByTestId('run-status').first()).toHaveText('succeeded');

  // Support reads the same page and has nothing to press.
  const support = await newTeamMember(browser, 'support');
  await support.page.goto('/admin/reconciliation');
  await expect(support.page.getByRole('heading', { name: 'Reconciliation' })).toBeVisible();
  await expect(support.page.getByRole('button', { name: /Reconcile/ })).toHaveCount(0);
  await support.page.context().close();
  await admin.context().close();
});
