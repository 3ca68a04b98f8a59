import type { Page } from '@playwright/test';
import { addToCart } from './checkout-support';
import { checkSidewaysScroll } from './phone-support';
import { expect, newSubscriber, subscribe, test } from './subscription-support';
import { signInAsAdmin } from './admin-support';
import { resourceFailedWith, routesUnder } from './support';

// Runs on the phone project only (playwright.config.ts): every page at 360 px, by touch.

/** Opens a page and waits until it has settled, so the check sees what the person sees. */
async function visit(page: Page, path: string) {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  await checkSidewaysScroll(page); // names the widest element in the report the fixture checks
  expect(scrollWidth, `${path} scrolls sideways on a ${innerWidth}px screen`).toBeLessThanOrEqual(innerWidth);
}

/** Buttons a thumb can hit (44 px, Apple's and Google's guidance) and inputs iOS does not zoom into (16 px). */
async function expectThumbSized(page: Page, path: string) {
  const problems = await page.locator('main').evaluate((main) => {
    const found: string[] = [];
    for (const element of main.querySelectorAll<HTMLElement>('button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea, a[class*="bg-"]')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || element.closest('.sr-only')) continue;
      const name = (element.getAttribute('aria-label') ?? element.textContent ?? element.getAttribute('name') ?? '').trim().slice(0, 40);
      if (box.height < 44) found.push(`${element.tagName.toLowerCase()} "${name}" is ${Math.round(box.height)}px tall`);
      if (element.matches('input, select, textarea') && parseFloat(getComputedStyle(element).fontSize) < 16) found.push(`${element.tagName.toLowerCase()} "${name}" has a font under 16px`);
    }
    return found;
  });
  expect(problems, `controls on ${path} too small for a thumb`).toEqual([]);
}

test('every shop and sign-in page fits a phone screen, with controls sized for a thumb', { tag: '@phone' }, async ({ page, expectConsoleError }) => {
  test.setTimeout(90_000);
  expectConsoleError(resourceFailedWith(404)); // the not-found page is answered with its status
  for (const path of ['/', '/pricing', '/cart', '/a-page-that-does-not-exist']) await visit(page, path);
  for (const path of ['/sign-in', '/sign-up']) {
    await visit(page, path);
    await expectThumbSized(page, path);
  }
  await addToCart(page, 'Field Notebook');
  await addToCart(page, 'Brass Fountain Pen');
  await visit(page, '/cart');
  await expect(page.getByTestId('cart-total')).not.toHaveText('—');
  await expectThumbSized(page, '/cart');
  await visit(page, '/checkout');
  await expectThumbSized(page, '/checkout');
});

test('a subscriber’s portal pages fit a phone screen, each invoice stacked on its own lines', { tag: '@phone' }, async ({ page }) => {
  test.setTimeout(90_000);
  await newSubscriber(page, 'phone-portal');
  await subscribe(page, 'starter-monthly-usd');
  await expect(page.getByTestId('invoices')).toBeVisible();
  await expectThumbSized(page, '/account/billing');
  for (const path of ['/account/billing', '/account', '/members', '/pricing', '/subscribe/pro-monthly-usd']) await visit(page, path);
});

test('every list of the admin console fits a phone screen', { tag: '@phone' }, async ({ page }) => {
  test.setTimeout(90_000);
  await signInAsAdmin(page);
  // The console's pages without an id in their path: every list, and the overview with its charts.
  for (const path of routesUnder('(admin)', 'page.tsx').filter((route) => !/[0-9a-f]{8}-/.test(route))) await visit(page, path);
});
