import type { Page } from '@playwright/test';
import { expect, SANDBOX_ORIGIN } from './checkout-support';

/**
 * PayPal as a buyer meets it at checkout: PayPal's button beside the card form, PayPal's window
 * (the sandbox's approval page, served from its own origin as PayPal's is from paypal.com) where
 * the buyer logs in as one of the sandbox's test buyers and approves or cancels. The sandbox's
 * buyers each fund a payment one way (sandbox/paypal/buyers.ts).
 */

export type SandboxBuyer = 'buyer@example.com' | 'declined@example.com' | 'refused@example.com' | 'pending@example.com' | 'denied@example.com' | 'renewals-fail@example.com';

export function paypalButton(page: Page) {
  return page.getByRole('button', { name: 'Pay with PayPal' });
}

/** Clicks PayPal's button and returns PayPal's window, once it shows the order to approve. */
export async function openPaypal(page: Page, click: (button: ReturnType<typeof paypalButton>) => Promise<void> = (button) => button.click()): Promise<Page> {
  const popup = page.waitForEvent('popup');
  await click(paypalButton(page));
  const window = await popup;
  await expect(window).toHaveURL(/\/paypal\/checkoutnow\?token=/);
  await expect(window.getByRole('heading', { name: 'Pay with PayPal' })).toBeVisible();
  return window;
}

/** The PayPal order PayPal's window is approving. */
export function paypalOrderIdOf(window: Page): string {
  return new URL(window.url()).searchParams.get('token') ?? '';
}

/** Logs in to PayPal's window as a sandbox buyer and approves; the window closes itself. */
export async function approveInPaypal(window: Page, buyer: SandboxBuyer = 'buyer@example.com') {
  await window.getByLabel('Log in as a sandbox buyer').selectOption(buyer);
  const closed = window.waitForEvent('close');
  await window.getByRole('button', { name: /^Pay / }).click();
  await closed;
}

/** A GET of PayPal's REST API (the sandbox's), as the merchant's server would make it. */
export async function paypalApi<T>(path: string): Promise<T> {
  const token = await fetch(`${SANDBOX_ORIGIN}/paypal/v1/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from('billfold-sandbox-client:billfold-sandbox-secret').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token } = (await token.json()) as { access_token: string };
  const response = await fetch(`${SANDBOX_ORIGIN}/paypal${path}`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(response.status, `GET ${path}`).toBe(200);
  return (await response.json()) as T;
}

/** PayPal's order as PayPal holds it, read through PayPal's REST API (the sandbox's). */
export function paypalOrder(id: string): Promise<{
  status: string;
  purchase_units: { amount: { currency_code: string; value: string }; custom_id?: string; invoice_id?: string; payments?: { captures?: { status: string }[] } }[];
}> {
  return paypalApi(`/v2/checkout/orders/${encodeURIComponent(id)}`);
}

/** PayPal's subscription button on the subscribe page, beside the card form. */
export function paypalSubscribeButton(page: Page) {
  return page.getByRole('button', { name: 'Subscribe with PayPal' });
}

/** Clicks PayPal's subscription button and returns PayPal's window, once it shows the subscription to agree to. */
export async function openPaypalSubscription(page: Page): Promise<Page> {
  const popup = page.waitForEvent('popup');
  await paypalSubscribeButton(page).click();
  const window = await popup;
  await expect(window).toHaveURL(/\/paypal\/webapps\/billing\/subscriptions\?subscription_id=/);
  await expect(window.getByRole('heading', { name: 'Agree to this subscription' })).toBeVisible();
  return window;
}

/** The PayPal subscription PayPal's window is asking the buyer to agree to. */
export function paypalSubscriptionIdOf(window: Page): string {
  return new URL(window.url()).searchParams.get('subscription_id') ?? '';
}

/** Logs in to PayPal's window as a sandbox buyer and agrees to the subscription; the window closes itself. */
export async function agreeInPaypal(window: Page, buyer: SandboxBuyer = 'buyer@example.com') {
  await window.getByLabel('Log in as a sandbox buyer').selectOption(buyer);
  const closed = window.waitForEvent('close');
  await window.getByRole('button', { name: 'Agree & Subscribe' }).click();
  await closed;
}

export interface PaypalSubscription {
  id: string;
  status: string;
  plan_id: string;
  custom_id?: string;
  subscriber?: { email_address: string };
  billing_info?: { next_billing_time?: string; outstanding_balance: { value: string }; failed_payments_count: number };
}

/** PayPal's subscription as PayPal holds it. */
export function paypalSubscription(id: string): Promise<PaypalSubscription> {
  return paypalApi(`/v1/billing/subscriptions/${encodeURIComponent(id)}`);
}

/**
 * Moves one PayPal subscription's time forward at the sandbox (its own clock, sandbox README):
 * the cycles that fall due are billed as PayPal bills them, and their webhooks reach Billfold.
 */
export async function advancePaypalSubscription(id: string, by: { seconds: number } | { cycles: number }) {
  const response = await fetch(`${SANDBOX_ORIGIN}/paypal/_sandbox/subscriptions/${encodeURIComponent(id)}/advance`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(by),
  });
  expect(response.status, await response.text()).toBe(200);
}

/**
 * Subscribes as a person does with PayPal (its button, its window, agree), then waits while the
 * page says it is activating, until PayPal's webhook has made it live and the portal is open.
 * The PayPal subscription's id.
 */
export async function subscribeWithPaypal(page: Page, lookupKey: string, buyer: SandboxBuyer = 'buyer@example.com'): Promise<string> {
  await page.goto(`/subscribe/${lookupKey}`);
  const window = await openPaypalSubscription(page);
  const id = paypalSubscriptionIdOf(window);
  await agreeInPaypal(window, buyer);
  await expect(page).toHaveURL(/\/account\/billing\?notice=subscribed$/, { timeout: 30_000 });
  return id;
}
