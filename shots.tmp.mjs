import { chromium } from '@playwright/test';
const base = process.env.BASE;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
const page = await context.newPage();
for (const path of (process.env.PATHS ?? '/,/pricing,/sign-up').split(',')) {
  await page.goto(base + path);
  await page.waitForLoadState('networkidle');
  if (path === '/') {
    for (const b of await page.getByRole('button', { name: /Add to cart/ }).all()) { await b.click().catch(() => {}); break; }
  }
  const m = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  console.log(path, m);
  await page.screenshot({ path: `/tmp/phones-shots/${path.replace(/\W+/g, '_') || 'home'}.png`, fullPage: false });
}
await browser.close();
