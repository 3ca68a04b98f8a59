import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { describePattern, EXPECTED_SERVER_ERROR } from '../scripts/lib/server-log-gate';

export const PASSWORD = 'a sturdy passphrase';

/**
 * Each test (and each extra browser context) comes from its own client address, as real
 * customers do, so per-client rate limits apply to a test only as they would to one person.
 */
export function clientHeaders(): Record<string, string> {
  const octet = () => Math.floor(Math.random() * 250) + 1;
  return { 'X-Forwarded-For': `198.18.${octet()}.${octet()}` };
}

/** What the browsers of one test said went wrong, and what the test said to expect. */
interface BrowserErrors {
  seen: string[];
  expected: RegExp[];
  watch(context: BrowserContext): void;
}

/**
 * Watches every page of every browser context a test uses: the default one, and those it opens
 * itself (`browser.newContext()`, `browser.newPage()`). An uncaught page error or a console
 * error the test did not declare with `expectConsoleError` fails it.
 */
function watchBrowsers(browser: Browser): BrowserErrors & { stop(): void } {
  const watched = new WeakSet<BrowserContext>();
  const errors: BrowserErrors = {
    seen: [],
    expected: [],
    watch(context) {
      if (watched.has(context)) return;
      watched.add(context);
      context.on('console', (message) => {
        if (message.type() === 'error') errors.seen.push(`console error on ${message.page()?.url() ?? 'a worker'}: ${message.text()}`);
      });
      context.on('weberror', (error) => errors.seen.push(`uncaught error on ${error.page()?.url() ?? 'a worker'}: ${error.error().stack ?? error.error().message}`));
    },
  };
  const newContext = browser.newContext;
  browser.newContext = async function (...args) {
    const context = await newContext.apply(this, args);
    errors.watch(context);
    return context;
  };
  return { ...errors, stop: () => void (browser.newContext = newContext) };
}

export const test = base.extend<{
  /** Declares a console error (or uncaught page error) this test provokes on purpose, e.g. a card the provider declines. */
  expectConsoleError: (pattern: RegExp) => void;
  /** Declares an error-level server log this test provokes on purpose; the run's server-log gate matches it. */
  expectServerError: (pattern: RegExp) => void;
  browserErrors: BrowserErrors;
}>({
  extraHTTPHeaders: async ({}, use) => {
    await use(clientHeaders());
  },
  browserErrors: [
    async ({ browser }, use) => {
      const errors = watchBrowsers(browser);
      await use(errors);
      errors.stop();
      const unexpected = errors.seen.filter((line) => !errors.expected.some((pattern) => pattern.test(line)));
      expect(unexpected, 'uncaught page errors and console errors in the browser (declare expected ones with expectConsoleError)').toEqual([]);
    },
    { auto: true },
  ],
  context: async ({ context, browserErrors }, use) => {
    browserErrors.watch(context);
    await use(context);
  },
  expectConsoleError: async ({ browserErrors }, use) => {
    await use((pattern) => void browserErrors.expected.push(pattern));
  },
  expectServerError: async ({}, use, testInfo) => {
    await use((pattern) => void testInfo.annotations.push({ type: EXPECTED_SERVER_ERROR, description: describePattern(pattern) }));
  },
});
export { expect };

/**
 * The console error Chromium logs for any response with this status: a page that is a 404 on
 * purpose, or a card the provider refuses (Stripe answers the confirm with 402, and so does the
 * sandbox). A test expecting one declares it: `expectConsoleError(resourceFailedWith(402))`.
 */
export function resourceFailedWith(status: number): RegExp {
  return new RegExp(`Failed to load resource: the server responded with a status of ${status}\\b`);
}

export function uniqueEmail(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Signs up through the form, as a person does, and waits for the account page. */
export async function signUp(page: Page, email: string, options: { name?: string; password?: string; next?: string } = {}) {
  await page.goto(options.next ? `/sign-up?next=${encodeURIComponent(options.next)}` : '/sign-up');
  if (options.name) await page.getByLabel('Name').fill(options.name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(options.password ?? PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(options.next ?? '/account');
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/**
 * Every page and route handler under a folder of app/, as URL paths. Listing them from the
 * file system means a page added later is covered by the authorization tests without edits.
 */
export function routesUnder(appFolder: string, file: 'page.tsx' | 'route.ts'): string[] {
  return routeFilesUnder(appFolder, file).map((route) => route.path);
}

/**
 * Each page or route under `appFolder` of app/: its URL (any id for a dynamic segment), its
 * pattern (the URL with the segments' names, `/account/orders/[id]`) and its file.
 */
export function routeFilesUnder(appFolder: string, file: 'page.tsx' | 'route.ts' = 'route.ts'): { path: string; pattern: string; file: string }[] {
  const root = path.join(process.cwd(), 'app');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === file) found.push(path.relative(root, dir));
    }
  };
  walk(path.join(root, appFolder));
  return found.map((dir) => {
    const segments = dir.split(path.sep).filter((segment) => !/^\(.*\)$/.test(segment)); // route groups are not in the URL
    return {
      path: '/' + segments.map((segment) => (/^\[.*\]$/.test(segment) ? crypto.randomUUID() : segment)).join('/'), // any id: the guard runs first
      pattern: '/' + segments.join('/'),
      file: path.join(root, dir, file),
    };
  });
}
