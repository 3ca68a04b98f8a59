import { expect, newSubscriber, statusBadge, subscribe, subscriptionFor, test } from './subscription-support';

test.describe.configure({ timeout: 90_000 });

const day = (seconds: number) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(seconds * 1000));

test('a subscriber cancels at the period end, sees the end date, and resumes before it', async ({ page }) => {
  const email = await newSubscriber(page, 'cancel');
  await subscribe(page, 'starter-monthly-usd');
  const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;

  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await expect(page.getByText(`You keep your plan until ${day(periodEnd)} and are not charged again.`)).toBeVisible();
  await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
  await expect(page.getByText(`Your subscription is canceled. You keep access until ${day(periodEnd)}`)).toBeVisible();
  await expect(page.getByTestId('ends-on')).toHaveText(`On ${day(periodEnd)}. You will not be charged again.`, { timeout: 30_000 });
  await expect(page.getByTestId('next-charge')).toHaveCount(0);
  await expect(statusBadge(page)).toHaveText('Active'); // still paid for until then
  expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: true });

  // Reloaded, the portal says the same: it comes from our records, not from the last answer.
  await page.reload();
  await expect(page.getByTestId('ends-on')).toContainText(day(periodEnd));
  await page.getByRole('button', { name: 'Resume subscription' }).click();
  await expect(page.getByText('Your subscription continues.')).toBeVisible();
  await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${day(periodEnd)}`, { timeout: 30_000 });
  await expect(page.getByTestId('ends-on')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel subscription' })).toBeVisible();
  expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: false });
});

test('canceling again from a tab left open says it is already canceled, and changing plan waits for a resume', async ({ page, context }) => {
  const email = await newSubscriber(page, 'cancel-twice');
  await subscribe(page, 'starter-monthly-usd');
  const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;
  const other = await context.newPage();
  await other.goto('/account/billing');

  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
  await expect(page.getByTestId('ends-on')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Your subscription is set to end. Resume it to change plans.')).toBeVisible();
  await expect(page.getByRole('button', { name: /^Switch to / })).toHaveCount(0);

  await other.getByRole('button', { name: 'Cancel subscription' }).click();
  await other.getByRole('button', { name: 'Yes, cancel at period end' }).click();
  await expect(other.getByRole('main').getByRole('alert')).toHaveText(`Your subscription is already set to end on ${day(periodEnd)}.`);
  await expect(other.getByText('Your subscription is canceled.')).toHaveCount(0);
  await expect(other.getByTestId('ends-on')).toContainText(day(periodEnd)); // and the tab now shows how things stand
  expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: true });
});
