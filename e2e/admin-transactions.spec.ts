import type { Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import { adminBrowser } from './admin-support';
import { addToCart, continueToPayment, enterCard, expect, expectConfirmation, intentsFor, orderNumber, payButton, test } from './checkout-support';
import { uniqueEmail } from './support';

test.describe.configure({ timeout: 90_000 });

/** Fills the transactions page's filter form as an admin would, and submits it. */
async function filterTransactions(admin: Page, filters: { search?: string; currency?: string; min?: string; max?: string }) {
  if (new URL(admin.url()).pathname !== '/admin/transactions') await admin.goto('/admin/transactions');
  const form = admin.getByRole('form', { name: 'Filter transactions' });
  await form.getByLabel('Search').fill(filters.search ?? '');
  await form.getByLabel('Currency').fill(filters.currency ?? '');
  await form.getByLabel('Min amount').fill(filters.min ?? '');
  await form.getByLabel('Max amount').fill(filters.max ?? '');
  await form.getByRole('button', { name: 'Filter' }).click();
}

/** Downloads the CSV the page offers for its current filters, parsed by the library the export writes with. */
async function downloadCsv(admin: Page): Promise<{ filename: string; records: Record<string, string>[] }> {
  const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('link', { name: 'Download CSV' }).click()]);
  const text = fs.readFileSync(await download.path(), 'utf8');
  return { filename: download.suggestedFilename(), records: parse(text, { columns: true }) };
}

test('an admin finds a card payment by the buyer’s email, its provider id, its card’s last 4 and its charge id, and exports it as CSV with a filter', async ({ page, browser }) => {
  // A customer pays $36.00 by card.
  const email = uniqueEmail('txn');
  await addToCart(page, 'Field Notebook', 2);
  await continueToPayment(page, email);
  const number = await orderNumber(page);
  await enterCard(page, '4242424242424242');
  await payButton(page).click();
  await expectConfirmation(page);
  // The provider's own id for the payment, as its dashboard shows it.
  const [intent] = await intentsFor(email);
  const providerId = intent!.id;
  // And its charge, the id Stripe's receipts and support name.
  const chargeId = typeof intent!.latest_charge === 'string' ? intent!.latest_charge : intent!.latest_charge?.id;
  expect(chargeId).toMatch(/^ch_/);

  const admin = await adminBrowser(browser);
  await admin.getByRole('link', { name: 'Admin' }).click();
  await admin.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Transactions' }).click();
  await expect(admin.getByRole('heading', { name: 'Transactions' })).toBeVisible();

  // By email, typed in another case: the search and its filters land in the URL.
  await filterTransactions(admin, { search: email.toUpperCase() });
  await expect(admin).toHaveURL(/[?&]q=/);
  const table = admin.getByRole('table', { name: 'Transactions' });
  const row = table.getByTestId(`transaction-row-${providerId}`);
  await expect(table.getByRole('row')).toHaveCount(2); // the header and this payment
  await expect(row.getByTestId('transaction-email')).toHaveText(email);
  await expect(row.getByTestId('transaction-amount')).toHaveText('$36.00');
  await expect(row).toContainText(`#${number}`);
  await expect(row.getByTestId('payment-status')).toHaveText('Succeeded');
  await expect(row.getByTestId('transaction-link')).toHaveAttribute('href', /^\/admin\/transactions\/[0-9a-f-]{36}$/);

  // By the provider's payment id; the link is shareable as it is.
  await filterTransactions(admin, { search: providerId });
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(row.getByTestId('transaction-email')).toHaveText(email);
  const shared = admin.url();
  const colleague = await adminBrowser(browser);
  await colleague.goto(shared);
  await expect(colleague.getByTestId(`transaction-row-${providerId}`)).toBeVisible();
  await colleague.context().close();

  // By the card's last 4 (newest first: the payment just made is on the first page, among the
  // other journeys' payments by the same test card) and by the charge id. Both are recorded when
  // the provider's webhook about the payment is applied, which may still be on its way: the
  // admin searches again until it is.
  await expect(async () => {
    await filterTransactions(admin, { search: '4242' });
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(row.getByTestId('transaction-card')).toHaveText('Visa •••• 4242');
  await filterTransactions(admin, { search: chargeId! });
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(row.getByTestId('transaction-email')).toHaveText(email);
  // The payment's page names the card and lists the charge among the provider's ids.
  await row.getByTestId('transaction-link').click();
  await expect(admin.getByTestId('payment-card')).toHaveText('Visa •••• 4242');
  await expect(admin.getByText(`Charge: ${chargeId}`)).toBeVisible();
  await admin.goBack();

    // An amount filter without a currency is explained on the page, not a failure.
  await filterTransactions(admin, { search: email, min: '36' });
  await expect(admin.getByRole('alert').filter({ hasText: 'Choose a currency to filter by amount' })).toBeVisible();
  await expect(admin.getByLabel('Currency')).toHaveAttribute('aria-invalid', 'true');

  // Export with filters: exactly this payment, amounts as decimals and in minor units.
  await filterTransactions(admin, { search: email, currency: 'usd', min: '36.00', max: '36' });
  await expect(row).toBeVisible();
  const exported = await downloadCsv(admin);
  expect(exported.filename).toMatch(/^billfold-transactions-\d{8}-\d{6}\.csv$/);
  expect(exported.records).toEqual([
    expect.objectContaining({
      provider: 'stripe',
      provider_payment_id: providerId,
      provider_charge_id: chargeId,
      status: 'succeeded',
      currency: 'USD',
      amount: '36.00',
      amount_captured: '36.00',
      amount_refunded: '0.00',
      amount_minor: '3600',
      amount_captured_minor: '3600',
      amount_refunded_minor: '0',
      order_number: number,
      customer_email: email,
      card_brand: 'visa',
      card_last4: '4242',
      refunds: '0',
      has_dispute: 'false',
    }),
  ]);

  // A filter the payment falls outside of: an empty page, and a CSV with its header alone.
  await filterTransactions(admin, { search: email, currency: 'USD', min: '36.01' });
  await expect(admin.getByText('No payment matches these filters.')).toBeVisible();
  expect((await downloadCsv(admin)).records).toEqual([]);

  // The overview lists the latest payments in the same table and leads to all of them.
  await admin.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Overview' }).click();
  await expect(admin.getByRole('table', { name: 'Latest payments' })).toBeVisible();
  await admin.getByRole('link', { name: 'All transactions' }).click();
  await expect(admin).toHaveURL(/\/admin\/transactions$/);
  await admin.context().close();
});
