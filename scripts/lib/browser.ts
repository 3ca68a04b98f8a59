import fs from 'node:fs';
import { chromium } from '@playwright/test';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * The browser for e2e tests: Playwright's own when it is installed, else the system Chromium.
 * Returns undefined to let Playwright use its own, or a path.
 */
export function findBrowser(): string | undefined {
  if (process.env.BILLFOLD_BROWSER) return process.env.BILLFOLD_BROWSER;
  try {
    if (fs.existsSync(chromium.executablePath())) return undefined;
  } catch {
    // Playwright has no browser of its own here; look for the system's.
  }
  const system = SYSTEM_CHROMIUM.find((candidate) => fs.existsSync(candidate));
  if (system) return system;
  throw new Error(
    'No Chromium for the browser tests. Install one: `npx playwright install chromium`, or on Debian/Ubuntu `apt-get install chromium` ' +
      '(or set BILLFOLD_BROWSER to a Chromium executable).',
  );
}
