import type { Page } from '@playwright/test';

/** The Playwright project (playwright.config.ts) that runs the journeys tagged @phone on a phone. */
export const PHONE_PROJECT = 'phone';

/** The narrowest phone the site is made for (Android phones at 360 CSS pixels are common). */
export const PHONE_WIDTH = 360;

declare global {
  interface Window {
    __checkSidewaysScroll?: () => void;
  }
}

/**
 * Watches every page this tab opens for sideways scrolling: whenever the document grows wider
 * than the screen (on load, and again as the page changes), it reports the page and the element
 * reaching farthest past the right edge, outside any box that scrolls on its own. The phone
 * project fails a journey on any report (see checkout-support.ts).
 */
export async function watchForSidewaysScroll(page: Page): Promise<string[]> {
  const reports: string[] = [];
  await page.exposeBinding('__reportSidewaysScroll', (_source, report: string) => {
    if (!reports.includes(report)) reports.push(report);
  });
  await page.addInitScript(() => {
    const report = (text: string) => (window as unknown as { __reportSidewaysScroll?: (text: string) => void }).__reportSidewaysScroll?.(text);
    const describe = (element: Element) => {
      const testId = element.getAttribute('data-testid');
      const classes = typeof element.className === 'string' ? element.className.trim().split(/\s+/).slice(0, 6).join('.') : '';
      const text = (element.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      return `<${element.tagName.toLowerCase()}${testId ? ` data-testid="${testId}"` : ''}${classes ? ` class="${classes.replace(/\./g, ' ')}"` : ''}>${text ? ` "${text}"` : ''}`;
    };
    const scrollsOnItsOwn = (element: Element) => {
      for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(parent).overflowX)) return true;
      }
      return false;
    };
    const check = () => {
      const width = window.innerWidth;
      const root = document.documentElement;
      if (root.scrollWidth <= width) return;
      let widest: Element | null = null;
      let farthest = width;
      for (const element of document.body.querySelectorAll('*')) {
        const right = element.getBoundingClientRect().right;
        if (right > farthest && !scrollsOnItsOwn(element)) {
          farthest = right;
          widest = element;
        }
      }
      report(
        `${location.pathname}: the page is ${root.scrollWidth}px wide on a ${width}px screen` +
          (widest ? `; widest: ${describe(widest)} reaching ${Math.round(farthest)}px` : ''),
      );
    };
    let queued = false;
    const queue = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        check();
      });
    };
    window.__checkSidewaysScroll = check;
    addEventListener('load', () => {
      check();
      new MutationObserver(queue).observe(document.body, { childList: true, subtree: true, characterData: true });
      addEventListener('resize', queue);
    });
  });
  return reports;
}

/** Checks the page as it is now (the watch also checks by itself as pages load and change). */
export async function checkSidewaysScroll(page: Page): Promise<void> {
  if (page.isClosed()) return;
  await page.evaluate(() => window.__checkSidewaysScroll?.()).catch(() => {}); // mid-navigation: the next load checks
}
