import { PASSWORD, resourceFailedWith, signUp, uniqueEmail } from './support';
import { newCustomer, SANDBOX_ORIGIN } from './checkout-support';
import {
  advanceClock,
  cardFrame,
  enterCard,
  expect,
  expectPortalAfterSubscribing,
  newSubscriber,
  openSubscribe,
  sandbox,
  statusBadge,
  subscribe,
  subscribeButton,
  subscriptionFor,
  subscriptionsFor,
  test,
  threeDSecure,
} from './subscription-support';

test.describe.configure({ timeout: 90_000 });

test.describe('choosing a plan and subscribing', () => {
  test('the pricing page shows each plan in its own currency, with a monthly/yearly switch that works without JavaScript', async ({ browser, baseURL }) => {
    // No JavaScript at all: the switch is a link, and Choose is a link too.
    const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Pricing' }).click();
    await expect(page.getByRole('heading', { name: 'Pricing' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Billing period' }).getByRole('link', { name: 'Monthly' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByTestId('plan-starter-monthly-usd').getByTestId('plan-price')).toHaveText('$9.00');
    await expect(page.getByTestId('plan-pro-monthly-usd').getByTestId('plan-price')).toHaveText('$29.00');
    await expect(page.getByTestId('plan-pro-monthly-jpy').getByTestId('plan-price')).toHaveText('¥4,200');
    await expect(page.getByTestId('plan-pro-monthly-jpy')).toContainText('14-day free trial');
    await expect(page.getByTestId('plan-starter-monthly-usd')).not.toContainText('free trial');
    await expect(page.getByTestId('plan-starter-yearly-usd')).toHaveCount(0);

    await page.getByRole('navigation', { name: 'Billing period' }).getByRole('link', { name: 'Yearly' }).click();
    await expect(page).toHaveURL(/\/pricing\?billing=yearly$/);
    await expect(page.getByRole('navigation', { name: 'Billing period' }).getByRole('link', { name: 'Yearly' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByTestId('plan-starter-yearly-usd').getByTestId('plan-price')).toHaveText('$90.00');
    await expect(page.getByTestId('plan-pro-yearly-usd').getByTestId('plan-price')).toHaveText('$290.00');
    await expect(page.getByTestId('plan-starter-monthly-usd')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Choose Starter, yearly in USD' })).toHaveAttribute('href', `/sign-up?next=${encodeURIComponent('/subscribe/starter-yearly-usd')}`);
    await context.close();
  });

  test('a visitor who picks a plan creates an account and lands on that plan’s checkout, then subscribes', async ({ page }) => {
    const email = uniqueEmail('visitor');
    await page.goto('/pricing');
    await page.getByRole('link', { name: 'Choose Starter, monthly in USD' }).click();
    await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();

    await expect(page).toHaveURL(/\/subscribe\/starter-monthly-usd$/);
    await expect(page.getByRole('heading', { name: 'Subscribe to Starter' })).toBeVisible();
    await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
    await expect(page.getByTestId('due-today')).toHaveText('$9.00');
    await enterCard(page, '4242424242424242');
    await subscribeButton(page).click();
    await expectPortalAfterSubscribing(page);
    await expect(statusBadge(page)).toHaveText('Active');
    expect((await subscriptionFor(email)).status).toBe('active');
  });

  test('a visitor with an account signs in from the plan and lands on that plan’s checkout', async ({ page, browser, baseURL }) => {
    const email = uniqueEmail('returning-subscriber');
    const other = await newCustomer(browser, baseURL!);
    await signUp(other, email);
    await other.context().close();

    await page.goto('/pricing');
    await page.getByRole('link', { name: 'Choose Pro, monthly in JPY' }).click();
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in to Billfold' })).toBeVisible();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/subscribe\/pro-monthly-jpy$/);
    await expect(subscribeButton(page)).toBeEnabled();
    await expect(page.getByTestId('due-today')).toHaveText('¥0');
  });

  test('a customer subscribes to a monthly plan by card and sees it active in the portal', { tag: '@phone' }, async ({ page }) => {
    const email = await newSubscriber(page, 'monthly');
    await page.goto('/pricing');
    await page.getByRole('link', { name: 'Choose Starter, monthly in USD' }).click();
    await expect(page.getByTestId('plan-price')).toHaveText('$9.00 / month');
    await expect(page.getByTestId('due-today')).toHaveText('$9.00');
    await expect(subscribeButton(page)).toHaveText('Subscribe and pay $9.00');

    await enterCard(page, '4242424242424242');
    await subscribeButton(page).click();
    // Honest about the wait: the provider has the payment, the webhook has not arrived yet.
    await expect(page.getByTestId('activation-status').or(page.getByRole('heading', { name: 'Plan and billing' }))).toBeVisible();
    await expectPortalAfterSubscribing(page);
    await expect(page.getByRole('status').filter({ hasText: 'You are subscribed' })).toBeVisible();

    const subscription = await subscriptionFor(email);
    expect(subscription).toMatchObject({ status: 'active', cancel_at_period_end: false });
    const periodEnd = new Date(subscription.items.data[0]!.current_period_end * 1000);
    const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(periodEnd);

    await expect(page.getByTestId('current-plan')).toHaveText('Starter · $9.00 / month');
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${day}`);
    await expect(page.getByTestId('payment-method')).toHaveText(/^Visa •••• 4242, expires 12\/20\d\d$/);
    const invoices = page.getByTestId('invoices').locator('tbody tr');
    await expect(invoices).toHaveCount(1);
    await expect(invoices.first()).toContainText('$9.00');
    await expect(invoices.first()).toContainText('Paid');

    // One invoice, paid once.
    const charges = await sandbox.charges.list({ customer: subscription.customer as string });
    expect(charges.data.map((charge) => [charge.amount, charge.status])).toEqual([[900, 'succeeded']]);
  });

  test('the trial plan saves the card, charges nothing today, and starts the free trial', async ({ page }) => {
    const email = await newSubscriber(page, 'trial');
    await openSubscribe(page, 'pro-monthly-jpy');
    await expect(page.getByTestId('plan-price')).toHaveText('¥4,200 / month');
    await expect(page.getByTestId('due-today')).toHaveText('¥0');
    await expect(page.getByTestId('plan-trial')).toContainText('14 days, then ¥4,200 / month from');
    await expect(subscribeButton(page)).toHaveText('Start 14-day free trial');

    await enterCard(page, '4242424242424242');
    await subscribeButton(page).click();
    await expectPortalAfterSubscribing(page);

    const subscription = await subscriptionFor(email);
    expect(subscription.status).toBe('trialing');
    const trialEnd = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(subscription.trial_end! * 1000));
    await expect(statusBadge(page)).toHaveText('Free trial');
    await expect(page.getByTestId('trial-end')).toHaveText(`Until ${trialEnd}`);
    await expect(page.getByTestId('next-charge')).toHaveText(`¥4,200 on ${trialEnd}`);
    await expect(page.getByTestId('payment-method')).toContainText('Visa •••• 4242');
    expect((await sandbox.charges.list({ customer: subscription.customer as string })).data).toHaveLength(0);
  });

  test('a free trial is given once: after a trial that ended, the same plan is paid for today', async ({ page }) => {
    const email = await newSubscriber(page, 'second-trial');
    await subscribe(page, 'pro-monthly-jpy');
    const trialEnd = (await subscriptionFor(email)).trial_end!;
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
    await expect(page.getByText('Your subscription is canceled.')).toBeVisible();
    await advanceClock(email, { to: new Date((trialEnd + 2 * 60 * 60) * 1000) });
    expect(await subscriptionFor(email)).toMatchObject({ status: 'canceled' });

    // Until the provider's webhook lands, the subscription is still live here and the page sends
    // the subscriber to the portal; a person would come back to it.
    await expect(async () => {
      await page.goto('/subscribe/pro-monthly-jpy');
      await expect(page.getByTestId('trial-used')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });
    await expect(page.getByTestId('trial-used')).toHaveText('The free trial is for a first subscription, and your account has had one: this subscription starts today.');
    await expect(page.getByTestId('plan-trial')).toHaveCount(0);
    await expect(page.getByTestId('due-today')).toHaveText('¥4,200');
    await expect(subscribeButton(page)).toHaveText('Subscribe and pay ¥4,200');
    await enterCard(page, '4242424242424242');
    await subscribeButton(page).click();
    await expectPortalAfterSubscribing(page);

    const [latest] = await subscriptionsFor(email);
    expect(latest).toMatchObject({ status: 'active', trial_end: null });
    await expect(statusBadge(page)).toHaveText('Active');
    const charges = await sandbox.charges.list({ customer: latest!.customer as string });
    expect(charges.data.map((charge) => [charge.amount, charge.currency, charge.status])).toEqual([[4200, 'jpy', 'succeeded']]);
  });

  test('3-D Secure on subscribe: the challenge is completed and the subscription becomes active', async ({ page }) => {
    const email = await newSubscriber(page, 'subscribe-3ds');
    await openSubscribe(page, 'starter-monthly-usd');
    await enterCard(page, '4000002760003184');
    await subscribeButton(page).click();
    await threeDSecure(page).getByRole('button', { name: 'Complete' }).click();
    await expectPortalAfterSubscribing(page);
    await expect(statusBadge(page)).toHaveText('Active');
    expect((await subscriptionFor(email)).status).toBe('active');
  });

  test('3-D Secure failed, then a declined card: each says why where the card is entered, and another card subscribes the same subscription', async ({ page, expectConsoleError }) => {
    expectConsoleError(resourceFailedWith(402)); // the provider refuses the declined card
    const email = await newSubscriber(page, 'subscribe-declined');
    await openSubscribe(page, 'starter-monthly-usd');
    await enterCard(page, '4000002760003184');
    await subscribeButton(page).click();
    await threeDSecure(page).getByRole('button', { name: 'Fail' }).click();
    await expect(page.getByTestId('payment-error')).toContainText('3-D Secure was not completed');
    await expect(page.getByTestId('payment-error')).toContainText('You have not been charged.');

    await cardFrame(page).getByLabel('Card number').fill('4000000000000002');
    await subscribeButton(page).click();
    await expect(page.getByTestId('payment-error')).toContainText('Your card was declined.');
    await expect(page).toHaveURL(/\/subscribe\/starter-monthly-usd$/);

    await cardFrame(page).getByLabel('Card number').fill('4242424242424242');
    await subscribeButton(page).click();
    await expectPortalAfterSubscribing(page);
    await expect(statusBadge(page)).toHaveText('Active');
    const subscriptions = await subscriptionsFor(email);
    expect(subscriptions.map((subscription) => subscription.status)).toEqual(['active']);
  });

  test('double-clicking Subscribe, and a second tab, make one subscription; the second tab is sent to the portal', async ({ page, context }) => {
    const email = await newSubscriber(page, 'subscribe-twice');
    await openSubscribe(page, 'starter-monthly-usd');
    const second = await context.newPage();
    await openSubscribe(second, 'starter-monthly-usd');

    await enterCard(page, '4242424242424242');
    await subscribeButton(page).dblclick();
    await expectPortalAfterSubscribing(page);

    // The other tab still shows the form; subscribing there finds the account subscribed.
    await enterCard(second, '4242424242424242');
    await subscribeButton(second).click();
    await expect(second).toHaveURL(/\/account\/billing\?notice=already-subscribed$/);
    await expect(second.getByText('You already have a subscription.')).toBeVisible();

    const subscriptions = await subscriptionsFor(email);
    expect(subscriptions).toHaveLength(1);
    expect((await sandbox.charges.list({ customer: subscriptions[0]!.customer as string })).data).toHaveLength(1);

    // And the subscribe page itself sends a subscribed account to the portal.
    await page.goto('/subscribe/pro-monthly-usd');
    await expect(page).toHaveURL(/\/account\/billing\?notice=already-subscribed$/);
  });

  test('the subscribe and billing pages carry the payment pages’ nonce CSP, cannot be framed, and run only nonced scripts', async ({ page }) => {
    await newSubscriber(page, 'csp');
    for (const path of ['/subscribe/starter-monthly-usd', '/account/billing', '/account/billing/pay']) {
      const response = await page.goto(path);
      const headers = response?.headers() ?? {};
      const policy = headers['content-security-policy'] ?? '';
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(nonce, path).toBeTruthy();
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(policy, path).toContain(`frame-src ${SANDBOX_ORIGIN}`);
      expect(policy, path).not.toMatch(/unsafe-inline|unsafe-eval|js\.stripe\.com/);
      expect(headers['x-frame-options'], path).toBe('DENY');
      const scripts = await page.locator('script').evaluateAll((elements) => elements.map((element) => (element as HTMLScriptElement).nonce));
      expect(scripts.length, path).toBeGreaterThan(0);
      expect(scripts.every((value) => value === nonce), path).toBe(true);
    }
  });

  test('a plan that does not exist is a 404', async ({ page, expectConsoleError }) => {
    expectConsoleError(resourceFailedWith(404));
    await newSubscriber(page, 'no-such-plan');
    const response = await page.goto('/subscribe/platinum-monthly-usd');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
  });
});
