import type { Page } from '@playwright/test';
import type Stripe from 'stripe';
import { enterCard, expect, sandbox, SANDBOX_ORIGIN } from './checkout-support';
import { signUp, uniqueEmail } from './support';

export { test, expect, sandbox, enterCard, cardFrame, threeDSecure } from './checkout-support';

/** The button that starts a subscription: "Subscribe and pay $9.00", "Start 14-day free trial". */
export function subscribeButton(page: Page) {
  return page.getByRole('button', { name: /^(Subscribe and pay|Start \d+-day free trial)/ });
}

/** A new account, signed in, on a fresh page. */
export async function newSubscriber(page: Page, label: string): Promise<string> {
  const email = uniqueEmail(label);
  await signUp(page, email);
  return email;
}

/** Opens the plan's subscribe page and waits for the card form. */
export async function openSubscribe(page: Page, lookupKey: string) {
  await page.goto(`/subscribe/${lookupKey}`);
  await expect(subscribeButton(page)).toBeEnabled();
}

/**
 * Subscribes as a person does (card typed into the provider's frame), then waits while the page
 * says it is activating, until the provider's webhooks have made the subscription live and the
 * page has moved on to the portal.
 */
export async function subscribe(page: Page, lookupKey: string, card = '4242424242424242') {
  await openSubscribe(page, lookupKey);
  await enterCard(page, card);
  await subscribeButton(page).click();
  await expectPortalAfterSubscribing(page);
}

export async function expectPortalAfterSubscribing(page: Page) {
  await expect(page).toHaveURL(/\/account\/billing\?notice=subscribed$/, { timeout: 30_000 });
  await expect(page.getByRole('heading', { name: 'Plan and billing' })).toBeVisible();
}

export function statusBadge(page: Page) {
  return page.getByTestId('subscription-status');
}

/**
 * Reloads the portal until `check` passes: what a person does while a provider's webhook is
 * still on its way after a change made elsewhere (a clock advanced at the provider).
 */
export async function reloadUntil(page: Page, check: () => Promise<void>, timeout = 30_000) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout, intervals: [500, 1_000, 2_000] });
}

/** The one sandbox customer with this email. */
export async function customerFor(email: string): Promise<Stripe.Customer> {
  const customers = await sandbox.customers.list({ email, limit: 10 });
  expect(customers.data, `sandbox customers for ${email}`).toHaveLength(1);
  return customers.data[0]!;
}

/** Every subscription the sandbox holds for this customer, whatever its status. */
export async function subscriptionsFor(email: string): Promise<Stripe.Subscription[]> {
  const customer = await customerFor(email);
  return (await sandbox.subscriptions.list({ customer: customer.id, status: 'all', limit: 100 })).data;
}

/** The customer's one subscription at the sandbox. */
export async function subscriptionFor(email: string): Promise<Stripe.Subscription> {
  const subscriptions = await subscriptionsFor(email);
  expect(subscriptions, `sandbox subscriptions for ${email}`).toHaveLength(1);
  return subscriptions[0]!;
}

/**
 * Moves this one customer's time forward at the sandbox (its per-customer test clock, README
 * "Test clocks"): renewals, trial ends and retries in that span run as Stripe runs them, and
 * their webhooks reach Billfold as any other. Other journeys' customers are not affected.
 */
export async function advanceClock(email: string, by: { days: number } | { to: Date }) {
  const customer = await customerFor(email);
  const body = 'days' in by ? { days: by.days } : { to: Math.floor(by.to.getTime() / 1000) };
  const response = await fetch(`${SANDBOX_ORIGIN}/_sandbox/customers/${customer.id}/advance`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${'sk_test_billfold_e2e'}` },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.text()).toBe(200);
}

/** Updates the card in the portal, as a person does, and waits until the portal shows it. */
export async function updateCard(page: Page, number: string, shown: RegExp) {
  await page.getByRole('button', { name: 'Update card' }).click();
  await enterCard(page, number);
  await page.getByRole('button', { name: 'Save card' }).click();
  await expect(page.getByText('Your new card is saved.')).toBeVisible();
  await expect(page.getByTestId('payment-method')).toHaveText(shown, { timeout: 30_000 });
}
