import { expect, newSubscriber, reloadUntil, sandbox, subscribe, subscriptionFor, test } from './subscription-support';

test.describe.configure({ timeout: 90_000 });

test('a subscriber opens an invoice as a PDF and as the hosted page', { tag: '@phone' }, async ({ page, context }) => {
  await newSubscriber(page, 'invoice-pdf');
  await subscribe(page, 'starter-monthly-usd');
  const row = page.getByTestId('invoices').locator('tbody tr').first();
  await expect(row).toContainText('Paid');
  const number = (await row.locator('td').nth(1).textContent())!.trim();

  const pdfLink = row.getByRole('link', { name: `Invoice ${number} as PDF` });
  const pdfUrl = (await pdfLink.getAttribute('href'))!;
  // A new tab asks for the PDF (a browser with a PDF viewer shows it, a headless one saves it).
  const [pdfTab, asked] = await Promise.all([context.waitForEvent('page'), context.waitForEvent('request', (request) => request.url() === pdfUrl), pdfLink.click()]);
  expect(asked.frame().page()).toBe(pdfTab);
  // What the tab asked for is the PDF itself (ask for it directly: a viewer or a download wraps it).
  const pdf = await page.request.get(pdfUrl);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

  const [hosted] = await Promise.all([context.waitForEvent('page'), row.getByRole('link', { name: `View invoice ${number}` }).click()]);
  await expect(hosted.getByRole('heading', { name: '$9.00 paid' })).toBeVisible();
  await expect(hosted.getByText(`Invoice ${number}`)).toBeVisible();
});

test('a subscriber sees the invoice refunded in part at Stripe as partly refunded, with the amount', async ({ page }) => {
  const email = await newSubscriber(page, 'invoice-refund');
  await subscribe(page, 'starter-monthly-usd');
  const row = page.getByTestId('invoices').locator('tbody tr').first();
  await expect(row).toContainText('Paid');

  // Refunded from Stripe's dashboard: Billfold hears of it only through Stripe's webhooks.
  const { latest_invoice: latest } = await subscriptionFor(email);
  const invoice = await sandbox.invoices.retrieve(typeof latest === 'string' ? latest : latest!.id!, { expand: ['payments'] });
  const intent = invoice.payments?.data[0]?.payment.payment_intent;
  await sandbox.refunds.create({ payment_intent: typeof intent === 'string' ? intent : intent!.id, amount: 300 });
  await reloadUntil(page, () => expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('Partly refunded ($3.00)'));
});
