import { readFile } from 'node:fs/promises';
import { agreeInPaypal, advancePaypalSubscription, openPaypalSubscription, paypalSubscribeButton, paypalSubscription, paypalSubscriptionIdOf, subscribeWithPaypal } from './paypal-support';
import { advanceClock, enterCard, expect, expectPortalAfterSubscribing, newSubscriber, openSubscribe, reloadUntil, statusBadge, subscribe, subscriptionFor, test } from './subscription-support';

test.describe.configure({ timeout: 90_000 });

const longDay = (time: string | Date) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(time));

test.describe('subscribing with PayPal', () => {
  test('a customer subscribes monthly with PayPal: agrees in PayPal’s window, the page waits for PayPal’s confirmation, and the portal shows the plan, PayPal with their email and the first payment', { tag: '@phone' }, async ({ page }) => {
    const email = await newSubscriber(page, 'paypal-monthly');
    await openSubscribe(page, 'starter-monthly-usd');
    await expect(page.getByTestId('due-today')).toHaveText('$9.00');

    const window = await openPaypalSubscription(page);
    const id = paypalSubscriptionIdOf(window);
    await expect(window.getByText('Then 9.00 USD per month until cancelled')).toBeVisible();
    await agreeInPaypal(window);
    await expect(page.getByTestId('activation-status').or(page.getByRole('heading', { name: 'Plan and billing' }))).toBeVisible();
    await expectPortalAfterSubscribing(page);

    const subscription = await paypalSubscription(id);
    expect(subscription).toMatchObject({ status: 'ACTIVE', custom_id: expect.stringMatching(/^account:/) });
    await expect(page.getByTestId('current-plan')).toHaveText('Starter · $9.00 / month');
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${longDay(subscription.billing_info!.next_billing_time!)}`);
    await expect(page.getByTestId('payment-method')).toHaveText('Paid with PayPal (buyer@example.com)');
    const invoices = page.getByTestId('invoices').locator('tbody tr');
    await expect(invoices).toHaveCount(1);
    await expect(invoices.first()).toContainText('$9.00');
    await expect(invoices.first()).toContainText('Paid');

    // PayPal has no invoice documents: Billfold renders the receipt.
    const download = page.waitForEvent('download');
    await invoices.first().getByRole('link', { name: /^Receipt for invoice .+ as PDF$/ }).click();
    const receipt = await download;
    expect(receipt.suggestedFilename()).toMatch(/^receipt-.+\.pdf$/);
    const bytes = await readFile(await receipt.path());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(email).toContain('paypal-monthly');
  });

  test('the trial plan with PayPal charges nothing today and starts the free trial; when PayPal’s time passes its end, the first charge arrives as an invoice', async ({ page }) => {
    await newSubscriber(page, 'paypal-trial');
    await openSubscribe(page, 'pro-monthly-jpy');
    await expect(page.getByTestId('due-today')).toHaveText('¥0');

    const window = await openPaypalSubscription(page);
    const id = paypalSubscriptionIdOf(window);
    await expect(window.getByText('Free trial: 14 days')).toBeVisible();
    await agreeInPaypal(window);
    await expectPortalAfterSubscribing(page);

    const subscription = await paypalSubscription(id);
    const trialEnd = longDay(subscription.billing_info!.next_billing_time!);
    await expect(statusBadge(page)).toHaveText('Free trial');
    await expect(page.getByTestId('trial-end')).toHaveText(`Until ${trialEnd}`);
    await expect(page.getByTestId('next-charge')).toHaveText(`¥4,200 on ${trialEnd}`);
    await expect(page.getByTestId('payment-method')).toHaveText('Paid with PayPal (buyer@example.com)');
    await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(0);

    // PayPal's time for this subscription moves past the trial: the first charge is a renewal invoice.
    await advancePaypalSubscription(id, { cycles: 1 });
    await reloadUntil(page, async () => {
      await expect(statusBadge(page)).toHaveText('Active');
      await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(1);
    });
    await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('¥4,200');
  });

  test('PayPal’s button in a tab opened before the account subscribed by card in another sends it to its one subscription in the portal', async ({ page }) => {
    await newSubscriber(page, 'paypal-second');
    await openSubscribe(page, 'pro-monthly-usd');
    await expect(paypalSubscribeButton(page)).toBeVisible();

    const other = await page.context().newPage();
    await subscribe(other, 'starter-monthly-usd');

    await paypalSubscribeButton(page).click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=already-subscribed$/);
    await expect(page.getByTestId('current-plan')).toHaveText('Starter · $9.00 / month');
    await expect(page.getByTestId('payment-method')).toContainText('Visa •••• 4242');
  });
});

test.describe('cancelling a PayPal subscription', () => {
  test('a PayPal subscriber cancels at the period end and keeps the members page until PayPal’s time passes that end; then it closes', async ({ page }) => {
    await newSubscriber(page, 'paypal-cancel');
    const id = await subscribeWithPaypal(page, 'starter-monthly-usd');
    const periodEnd = longDay((await paypalSubscription(id)).billing_info!.next_billing_time!);

    await expect(page.getByText('Your plan stays active until the end of the period you have paid for, and you will not be charged again.')).toBeVisible();
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
    await expect(page.getByText(`Your subscription is canceled. You keep access until ${periodEnd}`)).toBeVisible();
    await expect(page.getByTestId('ends-on')).toHaveText(`On ${periodEnd}. You will not be charged again.`, { timeout: 30_000 });
    await expect(statusBadge(page)).toHaveText('Active');
    await page.goto('/members');
    await expect(page.getByTestId('members-content')).toBeVisible();

    // PayPal's time for this subscription passes the period's end: PayPal expires it, and its webhook closes the members page.
    await advancePaypalSubscription(id, { seconds: 32 * 86_400 });
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('members-access')).toHaveText('Your subscription has ended.', { timeout: 1_000 });
    });
    await expect(page.getByTestId('members-content')).toHaveCount(0);
    expect((await paypalSubscription(id)).status).toBe('EXPIRED');
  });
});

test.describe('a failed PayPal renewal', () => {
  test('a PayPal renewal that fails makes the subscription past due with a banner; the subscriber changes how they pay at PayPal, pays the balance, and it is active again', async ({ page }) => {
    await newSubscriber(page, 'paypal-dunning');
    const id = await subscribeWithPaypal(page, 'starter-monthly-usd', 'renewals-fail@example.com');

    // PayPal's time passes the renewal, which the buyer's funding refuses.
    await advancePaypalSubscription(id, { cycles: 1 });
    await page.goto('/');
    const banner = page.getByTestId('billing-banner');
    await reloadUntil(page, async () => {
      await expect(banner).toContainText('PayPal could not collect your latest subscription payment', { timeout: 1_000 });
    });
    expect((await paypalSubscription(id)).billing_info?.outstanding_balance.value).toBe('9.00');

    // Members keep access while it is owed, with a warning.
    await page.goto('/members');
    await expect(page.getByTestId('members-content')).toBeVisible();
    await expect(page.getByRole('main').getByRole('alert')).toContainText('Your last payment failed.');

    // Fix it at PayPal: its automatic payments page opens in a new tab.
    const opened = page.waitForEvent('popup');
    await banner.getByRole('link', { name: 'Fix it at PayPal' }).click();
    const paypal = await opened;
    await expect(paypal).toHaveURL(/\/paypal\/myaccount\/autopay\/$/);
    await paypal.getByLabel('Log in as a sandbox buyer').selectOption('renewals-fail@example.com');
    await paypal.getByRole('button', { name: 'Log in' }).click();
    await expect(paypal.getByRole('heading', { name: 'Automatic payments' })).toBeVisible();
    await paypal.getByRole('listitem').filter({ hasText: id }).getByRole('link').click();
    const form = paypal.getByRole('form', { name: 'Change payment method' });
    await form.getByLabel('PayPal balance').check();
    await form.getByRole('button', { name: 'Save payment method' }).click();
    await expect(paypal.getByText(/^PayPal will use PayPal balance for your automatic payments to /)).toBeVisible();
    await paypal.close();

    // Back at Billfold: pay the balance now rather than wait for PayPal's next attempt.
    await banner.getByRole('link', { name: 'Pay the balance' }).click();
    await expect(page).toHaveURL(/\/account\/billing#balance$/);
    await expect(statusBadge(page)).toHaveText('Payment overdue');
    await page.getByRole('button', { name: 'Pay $9.00 now with PayPal' }).click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=balance-paid$/, { timeout: 30_000 });
    await expect(page.getByText('the balance is paid and your subscription is active again')).toBeVisible();
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(banner).toHaveCount(0);
    const invoices = page.getByTestId('invoices').locator('tbody tr');
    await expect(invoices).toHaveCount(3);
    await expect(invoices.nth(0)).toContainText('Paid');
    await expect(invoices.nth(1)).toContainText('Paid with a later payment');
    expect(await paypalSubscription(id)).toMatchObject({ status: 'ACTIVE', billing_info: { outstanding_balance: { value: '0.00' } } });

    await page.goto('/members');
    await expect(page.getByTestId('members-content')).toBeVisible();
    await expect(page.getByRole('main').getByRole('alert')).toHaveCount(0);
  });
});

test.describe('resuming a PayPal subscription', () => {
  test('a PayPal subscriber who cancelled resumes before the period ends by approving on PayPal’s page, and is not charged again for the period', async ({ page }) => {
    await newSubscriber(page, 'paypal-resume');
    const id = await subscribeWithPaypal(page, 'starter-monthly-usd');
    const periodEnd = longDay((await paypalSubscription(id)).billing_info!.next_billing_time!);

    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.getByRole('button', { name: 'Yes, cancel at period end' }).click();
    await expect(page.getByTestId('ends-on')).toHaveText(`On ${periodEnd}. You will not be charged again.`, { timeout: 30_000 });

    await page.getByRole('button', { name: 'Resume with PayPal' }).click();
    await expect(page.getByRole('heading', { name: 'Agree to the changed subscription' })).toBeVisible();
    await page.getByRole('button', { name: 'Agree & Continue' }).click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=resume-approved/);
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${periodEnd}`, { timeout: 1_000 });
    });
    await expect(page.getByTestId('ends-on')).toHaveCount(0);
    await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(1);
  });
});

test.describe('changing plan with PayPal', () => {
  test('a PayPal subscriber switches plan: approves the change on PayPal’s page, comes back, and the portal shows the new plan once PayPal confirms it', async ({ page }) => {
    await newSubscriber(page, 'paypal-revise');
    const id = await subscribeWithPaypal(page, 'starter-monthly-usd');
    const nextBilling = longDay((await paypalSubscription(id)).billing_info!.next_billing_time!);

    await expect(page.getByText('PayPal asks you to approve the change on its own page.')).toBeVisible();
    await page.getByRole('button', { name: 'Switch to Pro ($29.00 / month) with PayPal' }).click();
    await expect(page.getByRole('heading', { name: 'Agree to the changed subscription' })).toBeVisible();
    await expect(page.getByText('Then 29.00 USD per month until cancelled')).toBeVisible();
    await page.getByRole('button', { name: 'Agree & Continue' }).click();

    await expect(page).toHaveURL(/\/account\/billing\?notice=plan-change-approved/);
    await expect(page.getByText('You approved the change.')).toBeVisible();
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('current-plan')).toHaveText('Pro · $29.00 / month', { timeout: 1_000 });
    });
    await expect(page.getByTestId('next-charge')).toHaveText(`$29.00 on ${nextBilling}`);
    await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(1);
    expect((await paypalSubscription(id)).status).toBe('ACTIVE');
  });
});

test.describe('moving from PayPal to a card', () => {
  test('a PayPal subscriber switches to a card: the card is charged only when the period paid with PayPal ends, and PayPal never again', async ({ page }) => {
    await newSubscriber(page, 'paypal-to-card');
    const id = await subscribeWithPaypal(page, 'starter-monthly-usd');
    const paidUntil = longDay((await paypalSubscription(id)).billing_info!.next_billing_time!);

    await page.getByRole('button', { name: 'Pay with a card instead' }).click();
    await expect(page.getByTestId('switch-terms')).toHaveText(
      `Your card is charged $9.00 on ${paidUntil}, when the period you paid for with PayPal ends, and then every period. PayPal will not charge you again.`,
    );
    await enterCard(page, '4242424242424242');
    await page.getByRole('button', { name: 'Switch to this card' }).click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=switch-scheduled$/, { timeout: 30_000 });
    await expect(page.getByText('Your card is saved. It takes over when the period you have paid for ends')).toBeVisible();
    await expect(page.getByTestId('moving-to-card')).toHaveText(`From ${paidUntil}, your Visa •••• 4242 pays instead. PayPal will not charge you again.`);
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${paidUntil}, to your card`);
    await expect(page.getByRole('button', { name: 'Cancel subscription' })).toHaveCount(0);
    await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(1);

    // PayPal's time passes the paid period: PayPal ends the subscription, and the card takes over.
    await advancePaypalSubscription(id, { seconds: 32 * 86_400 });
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('payment-method')).toHaveText(/^Visa •••• 4242, expires/, { timeout: 1_000 });
    });
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('current-plan')).toHaveText('Starter · $9.00 / month');
    const invoices = page.getByTestId('invoices').locator('tbody tr');
    await expect(invoices).toHaveCount(2);
    await expect(invoices.nth(0)).toContainText('$9.00');
    await expect(invoices.nth(0)).toContainText('Paid');
    expect((await paypalSubscription(id)).status).toBe('EXPIRED');

    await page.goto('/members');
    await expect(page.getByTestId('members-content')).toBeVisible();
  });
});

test.describe('moving from a card to PayPal', () => {
  test('a card subscriber switches to PayPal: approves in PayPal’s window now, and PayPal takes over when the period paid by card ends, with the card charged no more', async ({ page }) => {
    const email = await newSubscriber(page, 'card-to-paypal');
    await subscribe(page, 'starter-monthly-usd');
    const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;
    const paidUntil = longDay(new Date(periodEnd * 1000));

    await page.getByRole('button', { name: 'Pay with PayPal instead' }).click();
    await expect(page.getByTestId('switch-terms')).toHaveText(
      `PayPal collects $9.00 on ${paidUntil}, when the period you paid for by card ends, and then every period. Your card will not be charged again.`,
    );
    const window = await openPaypalSubscription(page);
    const id = paypalSubscriptionIdOf(window);
    await agreeInPaypal(window);
    await expect(page).toHaveURL(/\/account\/billing\?notice=switch-approved$/, { timeout: 30_000 });
    await expect(page.getByTestId('moving-to-provider')).toHaveText(`From ${paidUntil}, PayPal pays instead. Your card will not be charged again.`);
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${paidUntil}, with PayPal`);
    await expect(statusBadge(page)).toHaveText('Active');
    expect(await paypalSubscription(id)).toMatchObject({ status: 'ACTIVE', billing_info: { next_billing_time: new Date(periodEnd * 1000).toISOString().replace('.000Z', 'Z') } });

    // The card's period ends: Stripe ends that subscription, and PayPal's takes over.
    await advanceClock(email, { to: new Date((periodEnd + 2 * 60 * 60) * 1000) });
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('payment-method')).toHaveText('Paid with PayPal (buyer@example.com)', { timeout: 1_000 });
    });
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${paidUntil}`);
    // One payment, by card: PayPal has taken nothing yet.
    await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(1);
    expect((await subscriptionFor(email)).status).toBe('canceled');

    await page.goto('/members');
    await expect(page.getByTestId('members-content')).toBeVisible();
  });
});

test.describe('calling off a move', () => {
  test('a card subscriber who approved PayPal to take over keeps paying by card: PayPal’s subscription is cancelled, and the card renews as before', async ({ page }) => {
    const email = await newSubscriber(page, 'undo-to-paypal');
    await subscribe(page, 'starter-monthly-usd');
    const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;
    const paidUntil = longDay(new Date(periodEnd * 1000));

    await page.getByRole('button', { name: 'Pay with PayPal instead' }).click();
    const window = await openPaypalSubscription(page);
    const id = paypalSubscriptionIdOf(window);
    await agreeInPaypal(window);
    await expect(page).toHaveURL(/\/account\/billing\?notice=switch-approved$/, { timeout: 30_000 });
    await expect(page.getByTestId('moving-to-provider')).toBeVisible();

    await page.getByRole('button', { name: 'Keep paying by card' }).click();
    await expect(page).toHaveURL(/\/account\/billing\?notice=switch-undone$/, { timeout: 30_000 });
    await expect(page.getByText('The move is called off: your subscription renews as before')).toBeVisible();
    await expect(page.getByTestId('moving-to-provider')).toHaveCount(0);
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${paidUntil}`);
    await expect(page.getByRole('button', { name: 'Pay with PayPal instead' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Cancel subscription' })).toBeVisible();
    expect((await paypalSubscription(id)).status).toBe('CANCELLED');
    expect(await subscriptionFor(email)).toMatchObject({ status: 'active', cancel_at_period_end: false });
  });
});
