import fs from 'node:fs';
import { chromium } from '@playwright/test';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// The headless shell first: the same engine without the full browser's UI and compositor,
// which spent about a sixth of the suite's time on two cores (measured on 30 journeys: 280 s against 332 s).
const SYSTEM_CHROMIUM = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

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
    'No Chromium for the browser tests. Install one: `npx playwright install chromium`, or on Debian/Ubuntu `apt-get install chromium-headless-shell` (or `chromium`) ' +
      '(or set BILLFOLD_BROWSER to a Chromium executable).',
  );
}
