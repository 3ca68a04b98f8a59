import {
  advanceClock,
  enterCard,
  expect,
  newSubscriber,
  reloadUntil,
  sandbox,
  statusBadge,
  subscribe,
  subscriptionFor,
  test,
  threeDSecure,
  updateCard,
} from './subscription-support';

test.describe.configure({ timeout: 150_000 });

const day = (seconds: number) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(seconds * 1000));

/** Past the period end, and past the hour between a renewal invoice's draft and its charge. */
const pastRenewal = (periodEnd: number) => new Date((periodEnd + 2 * 60 * 60) * 1000);

test.describe('renewals, after the subscriber’s clock is advanced at the provider', () => {
  test('a renewal charges the card: a second paid invoice, and the next charge a period later', async ({ page }) => {
    const email = await newSubscriber(page, 'renewal');
    await subscribe(page, 'starter-monthly-usd');
    const first = (await subscriptionFor(email)).items.data[0]!.current_period_end;

    await advanceClock(email, { to: pastRenewal(first) });
    const second = (await subscriptionFor(email)).items.data[0]!.current_period_end;
    expect(second).toBeGreaterThan(first);
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${day(second)}`, { timeout: 1_000 });
      await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(2, { timeout: 1_000 });
    });
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('Paid');
    await expect(page.getByTestId('billing-banner')).toHaveCount(0);
  });

  test('a renewal that fails makes the subscription past due with a banner; update card and pay makes it active again', async ({ page }) => {
    const email = await newSubscriber(page, 'dunning');
    await subscribe(page, 'starter-monthly-usd');
    // A card that saves fine, but every charge to it fails.
    await updateCard(page, '4000000000000341', /•••• 0341/);
    const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;

    await advanceClock(email, { to: pastRenewal(periodEnd) });
    await page.goto('/');
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('billing-banner')).toContainText('We could not charge your card', { timeout: 1_000 });
    });
    expect((await subscriptionFor(email)).status).toBe('past_due');

    // Members keep access while the provider retries, with a warning.
    await page.goto('/members');
    await expect(page.getByTestId('members-content')).toBeVisible();
    await expect(page.getByRole('main').getByRole('alert')).toContainText('Your last payment failed.');

    await page.goto('/account/billing');
    await expect(statusBadge(page)).toHaveText('Payment overdue');
    await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('Due');

    await page.getByTestId('billing-banner').getByRole('link', { name: 'Update card and pay' }).click();
    await expect(page).toHaveURL(/\/account\/billing\/pay$/);
    await expect(page.getByTestId('amount-due')).toHaveText('$9.00');
    const pay = page.getByRole('button', { name: 'Pay $9.00' });
    await expect(pay).toBeEnabled();
    await enterCard(page, '4242424242424242');
    await pay.click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=paid$/, { timeout: 30_000 });
    await expect(page.getByText('the invoice is paid and your subscription is active again')).toBeVisible();
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('billing-banner')).toHaveCount(0);
    await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('Paid');

    const subscription = await subscriptionFor(email);
    expect(subscription.status).toBe('active');
    const [latest] = (await sandbox.invoices.list({ subscription: subscription.id, limit: 1 })).data;
    expect(latest).toMatchObject({ status: 'paid', amount_paid: 900, billing_reason: 'subscription_cycle' });
    // The card that paid is the one renewals use from now on.
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('payment-method')).toContainText('Visa •••• 4242', { timeout: 1_000 });
    });
  });

  test('a renewal the bank wants confirmed: the banner asks for it, and paying with 3-D Secure makes the subscription active again', async ({ page }) => {
    const email = await newSubscriber(page, 'renewal-3ds');
    await subscribe(page, 'starter-monthly-usd');
    // A card that always asks for 3-D Secure: saving it asks once, and a renewal off-session cannot be confirmed.
    await page.getByRole('button', { name: 'Update card' }).click();
    await enterCard(page, '4000002760003184');
    await page.getByRole('button', { name: 'Save card' }).click();
    await threeDSecure(page).getByRole('button', { name: 'Complete' }).click();
    await expect(page.getByTestId('payment-method')).toContainText('•••• 3184', { timeout: 30_000 });
    const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;

    await advanceClock(email, { to: pastRenewal(periodEnd) });
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('billing-banner')).toContainText('Your bank needs you to confirm', { timeout: 1_000 });
    });
    await page.getByTestId('billing-banner').getByRole('link', { name: 'Confirm the payment' }).click();
    await expect(page.getByTestId('amount-due')).toHaveText('$9.00');
    await enterCard(page, '4000002760003184');
    await page.getByRole('button', { name: 'Pay $9.00' }).click();
    await threeDSecure(page).getByRole('button', { name: 'Complete' }).click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=paid$/, { timeout: 30_000 });
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('billing-banner')).toHaveCount(0);
    expect((await subscriptionFor(email)).status).toBe('active');
  });

  test('a trial about to end says so in a banner, and when it ends the first charge is made', async ({ page }) => {
    const email = await newSubscriber(page, 'trial-ending');
    await subscribe(page, 'pro-monthly-jpy');
    const trialEnd = (await subscriptionFor(email)).trial_end!;

    // Three days before the trial ends, the provider says so (customer.subscription.trial_will_end).
    await advanceClock(email, { to: new Date((trialEnd - 2 * 24 * 60 * 60) * 1000) });
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('billing-banner')).toHaveText(
        new RegExp(`Your free trial ends on ${day(trialEnd)}; your card ending 4242 will then be charged\\.\\s*Review your plan`),
        { timeout: 1_000 },
      );
    });
    await expect(statusBadge(page)).toHaveText('Free trial');

    await advanceClock(email, { to: pastRenewal(trialEnd) });
    await reloadUntil(page, async () => {
      await expect(statusBadge(page)).toHaveText('Active', { timeout: 1_000 });
      await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('¥4,200', { timeout: 1_000 });
    });
    await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('Paid');
    await expect(page.getByTestId('billing-banner')).toHaveCount(0);
  });
});
