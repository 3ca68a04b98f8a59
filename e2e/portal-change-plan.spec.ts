import type { Page } from '@playwright/test';
import { advanceClock, expect, newSubscriber, reloadUntil, sandbox, statusBadge, subscribe, subscriptionFor, test } from './subscription-support';

test.describe.configure({ timeout: 120_000 });

const day = (seconds: number) => new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(seconds * 1000));

function switchTo(page: Page, plan: string) {
  return page.getByRole('button', { name: `Switch to ${plan}` });
}

async function upgradeToPro(page: Page) {
  await switchTo(page, 'Pro ($29.00 / month)').click();
  const preview = page.getByTestId('plan-change-preview');
  await expect(preview.getByTestId('plan-change-timing')).toContainText('Takes effect now.');
  await preview.getByRole('button', { name: /^Switch now and pay / }).click();
  await expect(page.getByText('Your plan is now Pro.')).toBeVisible();
  await expect(page.getByTestId('current-plan')).toHaveText('Pro · $29.00 / month', { timeout: 30_000 });
}

test.describe('changing plan in the portal', () => {
  test('an upgrade shows the proration before confirming, takes effect now and charges the difference once', { tag: '@phone' }, async ({ page }) => {
    const email = await newSubscriber(page, 'upgrade');
    await subscribe(page, 'starter-monthly-usd');
    const before = await subscriptionFor(email);

    // Other plans in the subscription's currency only: the JPY plan is not offered.
    await expect(page.getByTestId('plan-options').getByRole('listitem')).toHaveCount(3);
    await expect(page.getByTestId('plan-options')).not.toContainText('¥');

    await switchTo(page, 'Pro ($29.00 / month)').click();
    const preview = page.getByTestId('plan-change-preview');
    await expect(preview.getByTestId('plan-change-timing')).toContainText('Takes effect now.');
    // A whole month of Pro less a whole month of Starter, to the second: just under $20.
    await expect(preview.getByTestId('plan-change-amount')).toHaveText(/^\$(19\.9\d|20\.00)$/);
    const quoted = (await preview.getByTestId('plan-change-amount').textContent())!;
    await expect(preview.getByRole('row')).not.toHaveCount(0);
    // Nothing has changed yet: a preview is only a preview.
    expect((await subscriptionFor(email)).items.data[0]!.price.lookup_key).toBe('starter-monthly-usd');

    await preview.getByRole('button', { name: `Switch now and pay ${quoted}` }).click();
    await expect(page.getByText('Your plan is now Pro.')).toBeVisible();
    await expect(page.getByTestId('current-plan')).toHaveText('Pro · $29.00 / month', { timeout: 30_000 });
    await expect(statusBadge(page)).toHaveText('Active');
    await expect(page.getByTestId('next-charge')).toContainText('$29.00 on');

    const after = await subscriptionFor(email);
    expect(after.id).toBe(before.id);
    expect(after.items.data[0]!.price.lookup_key).toBe('pro-monthly-usd');
    const invoices = await sandbox.invoices.list({ subscription: after.id, limit: 10 });
    const proration = invoices.data.find((invoice) => invoice.billing_reason === 'subscription_update');
    expect(proration).toMatchObject({ status: 'paid' });
    expect(Math.abs(proration!.amount_paid - Number(quoted.replace(/[$.]/g, '')))).toBeLessThanOrEqual(1); // charged what was quoted, to the cent and second
    await expect(page.getByTestId('invoices').locator('tbody tr')).toHaveCount(2, { timeout: 30_000 });
  });

  test('a downgrade is scheduled for the period end, charges nothing now, and takes effect when the period renews', async ({ page }) => {
    const email = await newSubscriber(page, 'downgrade');
    await subscribe(page, 'starter-monthly-usd');
    await upgradeToPro(page);
    const periodEnd = (await subscriptionFor(email)).items.data[0]!.current_period_end;

    await switchTo(page, 'Starter ($9.00 / month)').click();
    const preview = page.getByTestId('plan-change-preview');
    await expect(preview.getByTestId('plan-change-timing')).toHaveText(
      `Takes effect at the end of your current period, on ${day(periodEnd)}. Nothing is charged today; you keep your current plan until then.`,
    );
    await preview.getByRole('button', { name: `Switch on ${day(periodEnd)}` }).click();
    await expect(page.getByText(`Your plan changes to Starter on ${day(periodEnd)}.`)).toBeVisible();
    await expect(page.getByTestId('pending-change')).toHaveText(`To Starter ($9.00 / month) on ${day(periodEnd)}`, { timeout: 30_000 });
    await expect(page.getByTestId('current-plan')).toHaveText('Pro · $29.00 / month');
    await expect(page.getByTestId('next-charge')).toHaveText(`$9.00 on ${day(periodEnd)}`);
    const invoicesBefore = (await sandbox.invoices.list({ customer: (await subscriptionFor(email)).customer as string })).data.length;

    // A month later, the renewal bills Starter.
    await advanceClock(email, { to: new Date((periodEnd + 2 * 60 * 60) * 1000) });
    await reloadUntil(page, async () => {
      await expect(page.getByTestId('current-plan')).toHaveText('Starter · $9.00 / month', { timeout: 1_000 });
      await expect(page.getByTestId('invoices').locator('tbody tr').first()).toContainText('Paid', { timeout: 1_000 });
    });
    await expect(page.getByTestId('pending-change')).toHaveCount(0);
    const invoices = (await sandbox.invoices.list({ customer: (await subscriptionFor(email)).customer as string })).data;
    expect(invoices).toHaveLength(invoicesBefore + 1);
    expect(invoices[0]).toMatchObject({ billing_reason: 'subscription_cycle', amount_paid: 900, status: 'paid' });
  });
});
