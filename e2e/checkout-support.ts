import { readFileSync } from 'node:fs';
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import Stripe from 'stripe';
import type { ArmedFault } from '../sandbox/stripe/faults';
import { checkSidewaysScroll, PHONE_PROJECT, watchForSidewaysScroll } from './phone-support';
import { clientHeaders, test as base } from './support';

/** The sandbox the e2e stack runs (playwright.config.ts), read through the official SDK. */
export const SANDBOX_ORIGIN = `http://127.0.0.1:${Number(process.env.E2E_SANDBOX_PORT ?? 4343)}`;
export const sandbox = new Stripe('sk_test_billfold_e2e', { host: '127.0.0.1', port: new URL(SANDBOX_ORIGIN).port, protocol: 'http', telemetry: false });

export const EXPIRY = `12 / ${String((new Date().getFullYear() + 2) % 100).padStart(2, '0')}`;

export interface PolicyReport {
  violations: string[];
  /** Every script the pages asked for, by URL. */
  scripts: string[];
  /** Every frame the pages opened, by URL. */
  frames: string[];
}

interface InventoryEntry {
  /** `app` (Billfold's origin), `provider` (the payment provider's hosts: the sandbox here), or an origin. */
  origin: string;
  /** The path, or a prefix ending in `*`. */
  path: string;
  why: string;
}

/**
 * PCI DSS 6.4.3 / 11.6.1: the scripts and frames the payment pages may load, committed in
 * e2e/script-inventory.json. A journey that loads anything else fails, so a new third-party
 * script (or a provider script at a new path) is reviewed before it ships.
 */
const INVENTORY = JSON.parse(readFileSync(new URL('./script-inventory.json', import.meta.url), 'utf8')) as { scripts: InventoryEntry[]; frames: InventoryEntry[] };

function inventoried(entries: InventoryEntry[], url: string, appOrigin: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'about:' || parsed.protocol === 'data:' || parsed.protocol === 'blob:') return parsed.protocol === 'about:';
  const origin = parsed.origin === appOrigin ? 'app' : parsed.origin === SANDBOX_ORIGIN ? 'provider' : parsed.origin;
  return entries.some((entry) => entry.origin === origin && (entry.path.endsWith('*') ? parsed.pathname.startsWith(entry.path.slice(0, -1)) : parsed.pathname === entry.path));
}

/**
 * A customer of their own (see support.ts's clientHeaders) for our origin only: the header must
 * not go to the sandbox, whose CORS preflight, like Stripe's, does not allow X-Forwarded-For.
 * The headers, for the context's API requests to send too (routing covers only the pages').
 */
export async function asOwnClient(context: BrowserContext, baseURL: string): Promise<Record<string, string>> {
  const origin = new URL(baseURL).origin;
  const headers = clientHeaders();
  await context.route(
    (url) => url.origin === origin,
    (route) =>
      route.continue({ headers: { ...route.request().headers(), ...headers } }).catch((error: unknown) => {
        // A page's own handler (a spec tampering with a request) may have answered this request
        // already; Playwright then still calls this one now and then. Nothing is left to do.
        if (!(error instanceof Error && error.message.includes('Route is already handled'))) throw error;
      }),
  );
  return headers;
}

/** A second person, in a browser of their own. */
export async function newCustomer(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  await asOwnClient(context, baseURL);
  return context.newPage();
}

/**
 * Every journey in these specs runs with a watch on the Content-Security-Policy: a violation
 * anywhere (our page or the payment frames) fails the test, as does a script from any origin
 * but ours and the payment provider's.
 */
export const test = base.extend<{ policy: PolicyReport; sidewaysScroll: string[] }>({
  extraHTTPHeaders: async ({}, use) => {
    await use(undefined);
  },
  context: async ({ context, baseURL }, use) => {
    await asOwnClient(context, baseURL ?? '');
    await use(context);
  },
  policy: [
    async ({ page, baseURL }, use) => {
      const report: PolicyReport = { violations: [], scripts: [], frames: [] };
      await page.exposeBinding('__reportPolicyViolation', (_source, violation: string) => {
        report.violations.push(violation);
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const report = (window as unknown as { __reportPolicyViolation?: (text: string) => void }).__reportPolicyViolation;
          report?.(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} on ${event.documentURI}`);
        });
      });
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) report.violations.push(message.text());
      });
      page.on('request', (request) => {
        if (request.resourceType() === 'script') report.scripts.push(request.url());
      });
      page.on('framenavigated', (frame) => {
        if (frame !== page.mainFrame()) report.frames.push(frame.url());
      });
      await use(report);
      expect(report.violations, 'Content-Security-Policy violations').toEqual([]);
      const appOrigin = new URL(baseURL ?? '').origin;
      const unlisted = (urls: string[], entries: InventoryEntry[]) => [...new Set(urls.filter((url) => !inventoried(entries, url, appOrigin)))];
      expect(unlisted(report.scripts, INVENTORY.scripts), 'scripts missing from e2e/script-inventory.json (PCI DSS 11.6.1: review, then list them)').toEqual([]);
      expect(unlisted(report.frames, INVENTORY.frames), 'frames missing from e2e/script-inventory.json (PCI DSS 11.6.1: review, then list them)').toEqual([]);
    },
    { auto: true },
  ],
  // On the phone project, a journey fails if any page it opens scrolls sideways.
  sidewaysScroll: [
    async ({ page }, use, testInfo) => {
      if (testInfo.project.name !== PHONE_PROJECT) return use([]);
      const reports = await watchForSidewaysScroll(page);
      await use(reports);
      await checkSidewaysScroll(page);
      expect(reports, 'pages wider than the phone screen').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export async function addToCart(page: Page, product: string, times = 1) {
  if (new URL(page.url(), 'http://x').pathname !== '/') await page.goto('/');
  const card = page.getByRole('article').filter({ has: page.getByRole('heading', { name: product }) });
  for (let i = 0; i < times; i++) {
    await card.getByRole('button', { name: /Add to cart/ }).click();
    await expect(card.getByRole('status')).toHaveText('Added to your cart');
  }
}

/** Opens checkout, gives the guest's email and waits for the card form. */
export async function continueToPayment(page: Page, email?: string) {
  if (new URL(page.url(), 'http://x').pathname !== '/checkout') await page.goto('/checkout');
  if (email) await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await expect(payButton(page)).toBeEnabled();
}

/** The order number the checkout shows, once the order exists. */
export async function orderNumber(page: Page): Promise<string> {
  return (await page.getByTestId('order-number').textContent())?.trim() ?? '';
}

/** The card form's button ("Pay $36.00"), not PayPal's beside it ("Pay with PayPal"). */
export function payButton(page: Page) {
  return page.getByRole('button', { name: /^Pay (?!with PayPal$)/ });
}

export function cardFrame(page: Page) {
  return page.frameLocator('iframe[title="Secure payment input frame"]');
}

export async function enterCard(page: Page, number: string) {
  const frame = cardFrame(page);
  await frame.getByLabel('Card number').fill(number);
  await frame.getByLabel('Expiration date').fill(EXPIRY);
  await frame.getByLabel('Security code').fill('123');
  await frame.getByLabel('ZIP').fill('94103');
}

export function threeDSecure(page: Page) {
  return page.frameLocator('iframe[title="3D Secure authentication"]');
}

export async function expectConfirmation(page: Page) {
  await expect(page).toHaveURL(/\/checkout\/complete\?order=/);
  // "Processing" until the webhook pipeline has applied payment_intent.succeeded, then "Paid".
  await expect(page.getByTestId('order-status')).toHaveText(/Processing|Paid/);
  await expect(page.getByTestId('order-status')).toHaveText('Paid', { timeout: 30_000 });
}

/** The PaymentIntents of the one sandbox customer with this email. */
export async function intentsFor(email: string) {
  const customers = await sandbox.customers.list({ email, limit: 10 });
  expect(customers.data, `sandbox customers for ${email}`).toHaveLength(1);
  return (await sandbox.paymentIntents.list({ customer: customers.data[0]!.id, limit: 100 })).data;
}

/** A fault for one customer's requests, as the sandbox's admin call takes it (README, "Chaos switches"). */
export interface ProviderFault {
  /** The customer's email: only requests about that customer fail. */
  email: string;
  kind: 'unreachable' | '500' | 'silent';
  times?: number;
  method?: 'GET' | 'POST' | 'DELETE';
  /** `:id` stands for any one path segment. */
  path?: string;
}

/**
 * Makes the payment provider fail for one customer, through the sandbox's admin endpoint as a
 * tester would: journeys running beside this one, for other customers, are not disturbed.
 */
export async function armProviderFault(fault: ProviderFault): Promise<void> {
  const response = await fetch(`${SANDBOX_ORIGIN}/_sandbox/chaos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ faults: [fault] }) });
  expect(response.status, await response.text()).toBe(200);
}

/** Ends the provider's outage for this customer: their faults still armed are disarmed, others' stay. */
export async function endProviderFaults(email: string): Promise<void> {
  const response = await fetch(`${SANDBOX_ORIGIN}/_sandbox/chaos?email=${encodeURIComponent(email)}`, { method: 'DELETE' });
  expect(response.status, await response.text()).toBe(200);
}

/** The faults still armed for this customer: none once every one has fired. */
export async function faultsArmedFor(email: string): Promise<ArmedFault[]> {
  const response = await fetch(`${SANDBOX_ORIGIN}/_sandbox/chaos`);
  const body = (await response.json()) as { faults: ArmedFault[] };
  return body.faults.filter((fault) => fault.email === email);
}

/** The sandbox's global chaos switches (README, "Chaos switches"): they disturb every caller, so only a spec running alone sets them. */
export async function setProviderChaos(switches: { apiFaultRate: number; apiFaultAfterShare: number }): Promise<void> {
  const response = await fetch(`${SANDBOX_ORIGIN}/_sandbox/chaos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(switches) });
  expect(response.status, await response.text()).toBe(200);
}

/** How many API faults the sandbox has injected since it started, by when they struck (before the work, or after it with the answer lost). */
export async function injectedApiFaults(): Promise<{ before: number; after: number }> {
  const response = await fetch(`${SANDBOX_ORIGIN}/_sandbox/chaos`);
  return ((await response.json()) as { injectedApiFaults: { before: number; after: number } }).injectedApiFaults;
}
