import { test as base, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

export const PASSWORD = 'a sturdy passphrase';

/**
 * Each test (and each extra browser context) comes from its own client address, as real
 * customers do, so per-client rate limits apply to a test only as they would to one person.
 */
export function clientHeaders(): Record<string, string> {
  const octet = () => Math.floor(Math.random() * 250) + 1;
  return { 'X-Forwarded-For': `198.18.${octet()}.${octet()}` };
}

export const test = base.extend({
  extraHTTPHeaders: async ({}, use) => {
    await use(clientHeaders());
  },
});
export { expect };

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
  return found.map(
    (dir) =>
      '/' +
      dir
        .split(path.sep)
        .filter((segment) => !/^\(.*\)$/.test(segment)) // route groups are not in the URL
        .map((segment) => (/^\[.*\]$/.test(segment) ? crypto.randomUUID() : segment)) // any id: the guard runs first
        .join('/'),
  );
}
