import type { Browser, Page } from '@playwright/test';
import { E2E_ADMIN_EMAIL } from '../playwright.config';
import { sandbox } from './checkout-support';
import { clientHeaders, expect, PASSWORD, signIn, signUp, uniqueEmail } from './support';

/**
 * Signs in as the run's admin (ADMIN_EMAILS names E2E_ADMIN_EMAIL), creating the account on first
 * use. Sign-up comes first: trying to sign in before the account exists would count failures
 * against the account's sign-in limit, and specs running side by side may race to create it.
 */
export async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(E2E_ADMIN_EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  const created = page.waitForURL('/account').then(() => true);
  const taken = page
    .getByText('An account with this email already exists')
    .waitFor()
    .then(() => false);
  if (!(await Promise.race([created, taken]))) await signIn(page, E2E_ADMIN_EMAIL);
  await expect(page.getByRole('link', { name: 'Admin' })).toBeVisible();
}

/** A browser of its own signed in as the run's admin. */
export async function adminBrowser(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ extraHTTPHeaders: clientHeaders() })).newPage();
  await signInAsAdmin(page);
  return page;
}

/** Looks someone up on the team page: their row, with their role and the form that changes it. */
export async function teamRow(admin: Page, email: string) {
  await admin.goto(`/admin/team?email=${encodeURIComponent(email)}`);
  return admin.getByRole('table', { name: 'Search result' }).getByTestId(`user-row-${email}`);
}

/**
 * Someone new on the team: signs up in a browser of their own, and the run's admin gives them
 * `role` on the team page, as a person would. Returns their signed-in page.
 */
export async function newTeamMember(browser: Browser, role: 'admin' | 'support'): Promise<{ page: Page; email: string }> {
  const email = uniqueEmail(role);
  const page = await (await browser.newContext({ extraHTTPHeaders: clientHeaders() })).newPage();
  await signUp(page, email);
  const admin = await adminBrowser(browser);
  const row = await teamRow(admin, email);
  await row.getByLabel(`Role of ${email}`).selectOption(role);
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(row.getByTestId('user-role')).toHaveText(role === 'admin' ? 'Admin' : 'Support');
  await admin.context().close();
  await page.reload();
  return { page, email };
}

/**
 * Opens, in the admin's console, the email with this subject sent to `to` (the outbox: sandbox
 * mode holds every email there). Waits for it to be written: a receipt is written when the
 * payment's webhook is applied.
 */
export async function openEmail(admin: Page, to: string, subject: string): Promise<void> {
  await expect(async () => {
    await admin.goto(`/admin/emails?to=${encodeURIComponent(to)}`);
    await admin.getByRole('table', { name: 'Emails' }).getByRole('link', { name: subject }).click({ timeout: 1_000 });
    await expect(admin.getByRole('heading', { name: subject })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

/** Our id of the payment a buyer made, as an admin finds it: searched by email in the transactions list. */
export async function paymentIdOf(browser: Browser, email: string): Promise<string> {
  const admin = await adminBrowser(browser);
  await admin.goto(`/admin/transactions?q=${encodeURIComponent(email)}`);
  const link = admin.getByRole('table', { name: 'Transactions' }).getByTestId('transaction-link');
  await expect(link).toHaveCount(1);
  const href = await link.getAttribute('href');
  await admin.context().close();
  const id = /^\/admin\/transactions\/([0-9a-f-]{36})$/.exec(href ?? '')?.[1];
  if (!id) throw new Error(`the transactions list links ${email}'s payment as ${href}`);
  return id;
}

/** Fills the payment page's refund form as an admin does and sends it (a double click when asked). */
export async function refund(admin: Page, amount: string, options: { note?: string; click?: 'once' | 'twice' } = {}) {
  const form = admin.getByTestId('refund-form');
  await form.getByLabel(/^Amount/).fill(amount);
  await form.getByLabel('Reason').selectOption('requested_by_customer');
  if (options.note) await form.getByLabel(/^Note/).fill(options.note);
  const button = form.getByRole('button', { name: 'Refund' });
  if (options.click === 'twice') await button.dblclick();
  else await button.click();
}

/** The provider's refunds of the payment, as its dashboard would list them. */
export async function refundsAtProvider(intentId: string) {
  return (await sandbox.refunds.list({ payment_intent: intentId, limit: 100 })).data;
}
