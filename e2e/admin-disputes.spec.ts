import type { Page } from '@playwright/test';
import { adminBrowser } from './admin-support';
import { addToCart, continueToPayment, enterCard, expect, expectConfirmation, payButton, SANDBOX_ORIGIN, test } from './checkout-support';
import { resourceFailedWith, uniqueEmail } from './support';

test.describe.configure({ timeout: 120_000 });

/** A guest pays by the card whose charge its bank disputes (Stripe's test card 4000 0000 0000 0259). */
async function disputedPurchase(page: Page): Promise<string> {
  const email = uniqueEmail('disputed');
  await addToCart(page, 'Field Notebook');
  await continueToPayment(page, email);
  await enterCard(page, '4000000000000259');
  await payButton(page).click();
  await expectConfirmation(page);
  return email;
}

/** Waits for the dispute's webhook to reach the console, then opens the dispute from the list waiting for a response. */
async function openWaitingDispute(admin: Page, email: string) {
  await admin.goto('/admin/disputes');
  const row = admin.getByRole('table', { name: 'Waiting for a response' }).getByRole('row').filter({ hasText: email });
  await expect(async () => {
    await admin.reload();
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  return row;
}

test('an admin answers a chargeback with evidence and a receipt before the deadline, and sees it won once the bank decides', async ({ page, browser, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(400)); // the evidence route refusing the file that is not a PDF
  const email = await disputedPurchase(page);
  const admin = await adminBrowser(browser);
  const row = await openWaitingDispute(admin, email);
  // Stripe gives seven days to respond; the countdown says so, without alarm.
  await expect(row.getByTestId('evidence-deadline')).toHaveText(/^Due in 6 days 23 hours$/);
  await expect(row.locator('[data-urgency]')).toHaveAttribute('data-urgency', 'later');
  await row.getByRole('link').click();
  await expect(admin.getByRole('heading', { name: 'Dispute of $18.00' })).toBeVisible();
  await expect(admin.getByTestId('dispute-status')).toHaveText('Needs response');

  // A file that only claims to be a PDF is refused by its content, and nothing is sent.
  await admin.getByLabel('Why the charge is valid').fill('The notebook was delivered on 2 December and signed for.');
  await admin.getByLabel('Receipt').setInputFiles({ name: 'receipt.pdf', mimeType: 'application/pdf', buffer: Buffer.from('just text') });
  await admin.getByRole('button', { name: 'Submit evidence' }).click();
  await expect(admin.getByText('receipt.pdf is not a PDF, JPEG or PNG file.')).toBeVisible();
  await expect(admin.getByTestId('dispute-status')).toHaveText('Needs response');

  await admin.getByLabel('What was sold').fill('One Field Notebook');
  await admin.getByLabel('Receipt').setInputFiles({ name: 'receipt.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% receipt for the order\n%%EOF\n') });
  await admin.getByRole('button', { name: 'Submit evidence' }).click();
  await expect(admin.getByTestId('dispute-status')).toHaveText('Under review');
  await expect(admin.getByRole('button', { name: 'Submit evidence' })).toHaveCount(0);
  await expect(admin.getByTestId('dispute-history')).toContainText('Evidence submitted by admin@billfold.test');

  // The bank decides in the merchant's favour, at the provider (the sandbox's dashboard); the
  // outcome reaches the console by webhook.
  const disputeId = /du_\w+/.exec((await admin.getByRole('heading', { level: 1 }).locator('..').textContent()) ?? '')?.[0];
  expect(disputeId).toBeTruthy();
  const bank = await admin.context().newPage();
  await bank.goto(SANDBOX_ORIGIN);
  await bank.getByRole('row').filter({ hasText: disputeId! }).getByRole('button', { name: 'Win' }).click();
  await expect(bank.getByText(`Dispute ${disputeId} is won.`)).toBeVisible();
  await expect(async () => {
    await admin.reload();
    await expect(admin.getByTestId('dispute-status')).toHaveText('Won', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await admin.context().close();
});

test('an admin accepts a dispute the buyer is right about: it is lost at once, and leaves the list waiting for a response', async ({ page, browser }) => {
  const email = await disputedPurchase(page);
  const admin = await adminBrowser(browser);
  const row = await openWaitingDispute(admin, email);
  await row.getByRole('link').click();
  await admin.getByRole('button', { name: 'Accept the dispute' }).click();
  await admin.getByRole('button', { name: 'Yes, accept it' }).click();
  await expect(admin.getByTestId('dispute-status')).toHaveText('Lost');
  await expect(admin.getByTestId('dispute-history')).toContainText('Dispute accepted by admin@billfold.test');
  await admin.goto('/admin/disputes');
  await expect(admin.getByRole('table', { name: 'Waiting for a response' }).getByRole('row').filter({ hasText: email })).toHaveCount(0);
  await admin.context().close();
});
