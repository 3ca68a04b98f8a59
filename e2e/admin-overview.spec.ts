import { adminBrowser, newTeamMember } from './admin-support';
import { addToCart, continueToPayment, enterCard, expect, expectConfirmation, payButton, test } from './checkout-support';
import { uniqueEmail } from './support';

test.describe.configure({ timeout: 120_000 });

test('after a sale the overview shows the day’s volume in its currency, charted, with recurring revenue and payment outcomes', async ({ page, browser }) => {
  await addToCart(page, 'Field Notebook', 2);
  await continueToPayment(page, uniqueEmail('overview'));
  await enterCard(page, '4242424242424242');
  await payButton(page).click();
  await expectConfirmation(page);

  const admin = await adminBrowser(browser);
  await admin.goto('/admin');
  const dollars = admin.getByTestId('volume-USD');
  await expect(dollars).toBeVisible();
  // Other journeys of the run sell too, so the figure is at least this sale, in dollars.
  const grossToday = await dollars.getByTestId('gross-today').textContent();
  expect(grossToday).toMatch(/^\$[\d,]+\.\d{2}$/);
  expect(Number(grossToday!.replace(/[$,]/g, ''))).toBeGreaterThanOrEqual(36);
  // The chart is drawn by the charting library, one per currency.
  const chart = admin.getByRole('img', { name: 'USD gross volume and refunds per day' });
  await expect(chart.locator('svg.recharts-surface').first()).toBeVisible();
  await expect(chart.getByText('Gross', { exact: true })).toBeVisible();
  await expect(chart.getByText('Refunded', { exact: true })).toBeVisible();
  await expect(admin.getByTestId('success-rate')).toHaveText(/^\d{1,3}(\.\d)?%$/);
  await expect(admin.getByTestId('active-subscribers')).toHaveText(/^\d+$/);
  await admin.context().close();
});

test('support reads the overview too', async ({ browser }) => {
  const { page: support } = await newTeamMember(browser, 'support');
  await support.goto('/admin');
  await expect(support.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(support.getByTestId('success-rate')).toBeVisible();
  await support.context().close();
});
