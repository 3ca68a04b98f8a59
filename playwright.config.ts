import { defineConfig, devices } from '@playwright/test';
import { PHONE_PROJECT, PHONE_WIDTH } from './e2e/phone-support';
import { CHROMIUM_ARGS, findBrowser } from './scripts/lib/browser';

const PORT = Number(process.env.E2E_PORT ?? 3100);
const SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 4343);
export const E2E_ADMIN_EMAIL = 'admin@billfold.test';
const PROVIDER_CHAOS_SPEC = 'provider-chaos.spec.ts';

/**
 * Browser journeys against the production build (`npm run build` first; `npm test` does it),
 * with real PostgreSQL and the sandbox, started the way `npm start` starts them.
 */
export default defineConfig({
  testDir: 'e2e',
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // The server-log gate fails the run on an error in the servers' logs that no test declared.
  reporter: [['list'], ...(process.env.CI ? [['html', { open: 'never' }] as const] : []), ['./scripts/lib/server-log-gate.ts']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    // A failed journey keeps its trace: every action with the page's DOM before and after it
    // (snapshots), its network and console. Without the screencast, which cost a third of the
    // suite's time on two cores; the failure's own screenshot is kept below.
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: false },
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: ['phone.spec.ts', PROVIDER_CHAOS_SPEC],
      use: { ...devices['Desktop Chrome'], launchOptions: { executablePath: findBrowser(), args: CHROMIUM_ARGS } },
    },
    {
      // The main journeys again on a narrow phone, by touch, failing on any page that scrolls
      // sideways (e2e/phone-support.ts); the journeys tagged @phone, and every page at 360 px.
      name: PHONE_PROJECT,
      grep: /@phone/,
      testIgnore: PROVIDER_CHAOS_SPEC,
      use: {
        ...devices['Pixel 7'],
        viewport: { width: PHONE_WIDTH, height: 780 },
        launchOptions: { executablePath: findBrowser(), args: CHROMIUM_ARGS },
      },
    },
    {
      // The provider failing a share of all calls (e2e/provider-chaos.spec.ts). The sandbox's
      // switch disturbs every caller, so this runs alone, after every other journey has ended:
      // a project that depends on the others starts only once they are all done.
      name: 'provider-chaos',
      testMatch: PROVIDER_CHAOS_SPEC,
      dependencies: ['chromium', PHONE_PROJECT],
      // Four people at once in one worker's browser: each step may wait behind the others'.
      expect: { timeout: 20_000 },
      use: { ...devices['Desktop Chrome'], launchOptions: { executablePath: findBrowser(), args: CHROMIUM_ARGS } },
    },
  ],
  webServer: {
    command: 'node_modules/.bin/tsx scripts/e2e-server.ts',
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    // The app, the worker and the sandbox write to SERVER_LOG_DIR (scripts/e2e-server.ts);
    // what reaches here is the orchestrator's own few lines.
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    env: {
      PORT: String(PORT),
      SANDBOX_PORT: String(SANDBOX_PORT),
      AUTH_SECRET: 'e2e-secret-that-is-long-enough-for-auth-js-0123456789',
      BILLFOLD_ALLOW_TEST_MODE: '1',
      ADMIN_EMAILS: E2E_ADMIN_EMAIL,
      // Refunds above $100.00 wait for a second admin (e2e/admin-refunds.spec.ts); no other journey refunds that much.
      ADMIN_REFUND_APPROVAL_ABOVE: 'USD:10000',
      LOG_LEVEL: 'warn',
      // A failed webhook event is retried every second, not with backoff over minutes: the same
      // eight attempts, so e2e/admin-webhooks.spec.ts sees one die. Others only recover sooner.
      WEBHOOK_RETRY_FIXED_DELAY_SECONDS: '1',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
});
