import { expect, newSubscriber, subscribe, test } from './subscription-support';

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
