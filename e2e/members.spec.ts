import { advanceClock, expect, newSubscriber, reloadUntil, subscribe, subscriptionFor, test } from './subscription-support';

test.describe.configure({ timeout: 120_000 });

test('the members page follows billing: closed without a plan, open while subscribed, closed again once the subscription has ended', async ({ page }) => {
  const email = await newSubscriber(page, 'members');
  await page.goto('/members');
  await expect(page.getByTestId('members-access')).toHaveText('You do not have a subscription.');
  await expect(page.getByTestId('members-content')).toHaveCount(0);
  await expect(page.getByRole('main').getByRole('link', { name: 'See the plans' })).toHaveAttribute('href', '/pricing');

  await subscribe(page, 'starter-monthly-usd');
  await page.goto('/members');
  await expect(page.getByTestId('members-content')).toBeVisible();
  await expect(page.getByText('Included in your Starter plan.')).toBeVisible();

  // Canceled at the period end: still open until then.
  await page.goto('/account/billing');
  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
  await expect(page.getByTestId('ends-on')).toBeVisible({ timeout: 30_000 });
  await page.goto('/members');
  await expect(page.getByTestId('members-content')).toBeVisible();

  const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;
  await advanceClock(email, { to: new Date((periodEnd + 60 * 60) * 1000) });
  await reloadUntil(page, async () => {
    await expect(page.getByTestId('members-access')).toHaveText('Your subscription has ended.', { timeout: 1_000 });
  });
  await expect(page.getByTestId('members-content')).toHaveCount(0);
  expect((await subscriptionFor(email)).status).toBe('canceled');
});
