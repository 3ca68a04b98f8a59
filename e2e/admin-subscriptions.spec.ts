import { adminBrowser, newTeamMember } from './admin-support';
import { expect, newSubscriber, subscribe, subscriptionFor, test } from './subscription-support';

test.describe.configure({ timeout: 90_000 });

test('an admin finds a subscriber, sees their subscription on their page, and cancels it at the period end, then now', async ({ page, browser }) => {
  const email = await newSubscriber(page, 'admin-cancel');
  await subscribe(page, 'starter-monthly-usd');

  const admin = await adminBrowser(browser);
  await admin.goto('/admin/customers');
  await admin.getByRole('form', { name: 'Find a customer' }).getByLabel('Email').fill(email.toUpperCase());
  await admin.getByRole('button', { name: 'Find' }).click();
  await admin.getByTestId(`customer-row-${email}`).getByRole('link', { name: email }).click();
  await expect(admin.getByRole('heading', { name: email })).toBeVisible();
  await expect(admin.getByTestId('lifetime-value')).toHaveText('$9.00');
  const subscriptions = admin.getByRole('table', { name: 'Subscriptions' });
  await expect(subscriptions.getByTestId('subscription-status')).toHaveText('Active');

  await subscriptions.getByRole('button', { name: 'Cancel Starter subscription at period end' }).click();
  await expect(subscriptions.getByRole('status')).toHaveText('Set to end at the period end.');
  expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: true });
  // The subscriber's portal says so too.
  await page.reload();
  await expect(page.getByTestId('ends-on')).toBeVisible();

  // The subscriptions list, filtered by their email, offers only "now" from here on.
  await admin.goto(`/admin/subscriptions?q=${encodeURIComponent(email)}`);
  const row = admin.getByTestId(`subscription-row-${email}`);
  await expect(row.getByRole('button', { name: `Cancel the subscription of ${email} at period end` })).toHaveCount(0);
  await row.getByRole('button', { name: `Cancel the subscription of ${email} now` }).click();
  // Recorded from the provider's answer, so the list shows it without waiting for the webhook.
  await expect(row.getByTestId('subscription-status')).toHaveText('Canceled');
  await expect(row.getByRole('button')).toHaveCount(0);
  expect((await subscriptionFor(email)).status).toBe('canceled');
  await admin.reload();
  await expect(row.getByTestId('subscription-status')).toHaveText('Canceled');
  await admin.context().close();
});

test('support sees a subscriber’s page and the subscriptions list but is offered no way to cancel', async ({ page, browser }) => {
  const email = await newSubscriber(page, 'support-view');
  await subscribe(page, 'starter-monthly-usd');
  const { page: support } = await newTeamMember(browser, 'support');

  await support.goto(`/admin/subscriptions?q=${encodeURIComponent(email)}`);
  const row = support.getByTestId(`subscription-row-${email}`);
  await expect(row.getByTestId('subscription-status')).toHaveText('Active');
  await expect(row.getByRole('button')).toHaveCount(0);
  await row.getByRole('link', { name: email }).click();
  await expect(support.getByRole('heading', { name: email })).toBeVisible();
  await expect(support.getByRole('table', { name: 'Subscriptions' }).getByRole('button')).toHaveCount(0);
  expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: false });
  await support.context().close();
});
