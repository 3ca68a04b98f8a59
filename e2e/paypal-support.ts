import type { Page } from '@playwright/test';
import { expect, SANDBOX_ORIGIN } from './checkout-support';

/**
 * PayPal as a buyer meets it at checkout: PayPal's button beside the card form, PayPal's window
 * (the sandbox's approval page, served from its own origin as PayPal's is from paypal.com) where
 * the buyer logs in as one of the sandbox's test buyers and approves or cancels. The sandbox's
 * buyers each fund a payment one way (sandbox/paypal/buyers.ts).
 */

export type SandboxBuyer = 'buyer@example.com' | 'declined@example.com' | 'refused@example.com' | 'pending@example.com' | 'denied@example.com';

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

/** PayPal's order as PayPal holds it, read through PayPal's REST API (the sandbox's). */
export async function paypalOrder(id: string): Promise<{
  status: string;
  purchase_units: { amount: { currency_code: string; value: string }; custom_id?: string; invoice_id?: string; payments?: { captures?: { status: string }[] } }[];
}> {
  const token = await fetch(`${SANDBOX_ORIGIN}/paypal/v1/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from('billfold-sandbox-client:billfold-sandbox-secret').toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token } = (await token.json()) as { access_token: string };
  const response = await fetch(`${SANDBOX_ORIGIN}/paypal/v2/checkout/orders/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Awaited<ReturnType<typeof paypalOrder>>;
}
