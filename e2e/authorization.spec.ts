import type { APIRequestContext, Browser, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { E2E_ADMIN_EMAIL } from '../playwright.config';
import { adminBrowser, newTeamMember, openEmail, teamRow } from './admin-support';
import { addToCart, continueToPayment, enterCard, expectConfirmation, newCustomer, orderNumber, payButton } from './checkout-support';
import { customerFor, newSubscriber, sandbox, subscribe, updateCard } from './subscription-support';
import { clientHeaders, expect, resourceFailedWith, routeFilesUnder, routesUnder, signIn, signUp, test, uniqueEmail } from './support';

// Signed-in pages: the account area, the members' page, and subscribing to a plan.
const ACCOUNT_PAGES = [...routesUnder('(account)', 'page.tsx'), ...routesUnder('(shop)/subscribe', 'page.tsx')];
const ADMIN_PAGES = routesUnder('(admin)', 'page.tsx');

/** Every method each console route exports (a POST-only route answers GET with 405, before any guard). */
function consoleRoutes(): { path: string; method: string }[] {
  return routeFilesUnder('api/admin').flatMap(({ path: routePath, file }) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((match) => ({ path: routePath, method: match[1]! })),
  );
}

async function callRoute(request: APIRequestContext, route: { path: string; method: string }) {
  return request.fetch(route.path, { method: route.method, maxRedirects: 0 });
}

/**
 * What a forged call to a console action sends. The caller is checked before the input is read
 * (consoleAction), so any input is refused for who sends it; where an action acts on a person,
 * the forged call names one (`email`), and the tests check nothing happened to them.
 */
const FORGED_CONSOLE_INPUT: Record<string, (email: string) => unknown> = {
  changeUserRole: (email) => ({ email, role: 'admin' }),
  runReconciliationNow: () => ({ provider: 'stripe' }),
};

function forgedInput(action: ServerAction, email: string): unknown {
  return FORGED_CONSOLE_INPUT[action.exportedName]?.(email) ?? {};
}
const USER_ROUTES = routesUnder('api/billing', 'route.ts');

interface ServerAction {
  id: string;
  exportedName: string;
  /** A page that can invoke the action (Next only runs an action on a page that imports it). */
  pagePath: string;
}

/** Every server action the production build defines under these folders of app/, from Next's own manifest. */
function actionsUnder(...folders: string[]): ServerAction[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(process.cwd(), '.next/server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { filename?: string; exportedName?: string; workers: Record<string, unknown> }>;
  };
  return Object.entries(manifest.node)
    .filter(([, entry]) => folders.some((folder) => entry.filename?.startsWith(`app/${folder}/`)))
    .map(([id, entry]) => {
      const worker = Object.keys(entry.workers).find((name) => name.endsWith('/page')) ?? 'app/page';
      const segments = worker
        .split('/')
        .slice(1, -1)
        .filter((segment) => !/^\(.*\)$/.test(segment))
        .map((segment) => (/^\[.*\]$/.test(segment) ? 'starter-monthly-usd' : segment)); // a dynamic page: any value reaches the action
      return { id, exportedName: entry.exportedName ?? '', pagePath: `/${segments.join('/')}` };
    });
}

function adminActions(): ServerAction[] {
  return actionsUnder('(admin)');
}

/** The subscriber's actions: subscribing, and everything the billing portal does. */
function subscriberActions(): ServerAction[] {
  return actionsUnder('(account)', '(shop)/subscribe');
}

/**
 * Input each subscriber action accepts, so that the call is refused for who is calling and not
 * for what it sends. An action added without an entry here fails these tests until it has one.
 */
const VALID_INPUT: Record<string, unknown> = {
  startSubscription: { lookupKey: 'starter-monthly-usd' },
  previewPlanChange: { lookupKey: 'pro-monthly-usd' },
  changePlan: { lookupKey: 'pro-monthly-usd' },
  cancelSubscription: {},
  resumeSubscription: {},
  startPaymentMethodUpdate: {},
  finishPaymentMethodUpdate: { cardUpdateId: 'seti_1AnotherCustomers' },
  payOpenInvoice: {},
  startApprovedPlanChange: { lookupKey: 'pro-monthly-usd' },
  startApprovedResume: {},
  payOutstandingBalance: {},
  startSwitchToCard: {},
  finishSwitchToCard: { cardUpdateId: 'seti_1AnotherCustomers' },
  startSwitchToPaypal: {},
  finishSwitchToPaypal: { subscriptionId: 'I-ANOTHERACCOUNTS' },
  undoSwitch: {},
};

/** A receipt route with an invoice id that is nobody's: what matters is who may ask. */
const RECEIPT_ROUTE = '/account/billing/invoices/00000000-0000-4000-8000-000000000000/receipt';

// A cookie that gets past the proxy's "is there a session?" redirect but is no session at all.
const FORGED_SESSION = { name: 'authjs.session-token', value: 'forged', domain: '127.0.0.1', path: '/' };

/** Calls a server action the way the browser's fetch does, with whatever session `request` carries. */
async function callAction(request: APIRequestContext, baseURL: string, pagePath: string, actionId: string, args: unknown[]) {
  const response = await request.post(pagePath, {
    headers: { 'Next-Action': actionId, 'Content-Type': 'text/plain;charset=UTF-8', Origin: baseURL, Accept: 'text/x-component' },
    data: JSON.stringify(args),
    maxRedirects: 0,
  });
  return { status: response.status(), body: await response.text() };
}

async function signInAsAdmin(page: Page) {
  await signIn(page, E2E_ADMIN_EMAIL);
  await expect(page.getByRole('link', { name: 'Admin' })).toBeVisible();
}

/** Two people in two browsers: the run's admin, and a newly signed-up customer. */
async function adminAndCustomer(browser: Browser) {
  const adminPage = await (await browser.newContext({ extraHTTPHeaders: clientHeaders() })).newPage();
  await signInAsAdmin(adminPage);
  const customerEmail = uniqueEmail('customer');
  const customer = await (await browser.newContext({ extraHTTPHeaders: clientHeaders() })).newPage();
  await signUp(customer, customerEmail);
  return { adminPage, customer, customerEmail };
}

// The tests below walk every console and account page, route and action, some of them twice: a
// few seconds a page on a loaded two-core machine, more than the default 30 s in all.
test.describe.configure({ mode: 'serial', timeout: 90_000 });

test.beforeAll(async ({ browser }) => {
  // The run's admin exists from here on, whichever spec made it first.
  await (await adminBrowser(browser)).context().close();
});

test('the authorization tests cover at least the pages, routes and actions that exist today', () => {
  expect(ACCOUNT_PAGES).toEqual(expect.arrayContaining(['/account', '/account/billing', '/account/billing/pay', '/members']));
  expect(ACCOUNT_PAGES.some((page) => page.startsWith('/subscribe/'))).toBe(true);
  expect(ADMIN_PAGES).toEqual(expect.arrayContaining(['/admin', '/admin/team', '/admin/webhooks', '/admin/emails', '/admin/audit', '/admin/reconciliation']));
  expect(ADMIN_PAGES.filter((page) => /^\/admin\/(webhooks|emails)\/[0-9a-f-]{36}$/.test(page))).toHaveLength(2);
  expect(USER_ROUTES).toContain('/api/billing/subscription');
  expect(adminActions().map((action) => action.exportedName)).toEqual(expect.arrayContaining(['changeUserRole', 'reprocessEvent', 'reprocessDeadOfType', 'resendFailedEmail', 'runReconciliationNow']));
  expect(consoleRoutes()).toEqual(expect.arrayContaining([{ path: '/api/admin/users', method: 'GET' }, expect.objectContaining({ method: 'POST' })]));
  const subscriber = subscriberActions().map((action) => action.exportedName);
  expect(subscriber).toEqual(expect.arrayContaining(Object.keys(VALID_INPUT)));
  expect(Object.keys(VALID_INPUT)).toEqual(expect.arrayContaining(subscriber));
});

test('an anonymous visitor is refused by every subscriber action and route, even past the proxy', async ({ page, baseURL }) => {
  for (const route of USER_ROUTES) {
    expect((await page.request.get(route)).status(), route).toBe(401);
  }
  // Subscribing has no proxy in front of it; the portal's actions are tried with a forged cookie
  // that gets past the proxy's redirect.
  for (const action of subscriberActions().filter((candidate) => candidate.pagePath.startsWith('/subscribe/'))) {
    const result = await callAction(page.request, baseURL!, action.pagePath, action.id, [VALID_INPUT[action.exportedName]]);
    expect(result.body, action.exportedName).toContain('"code":"unauthenticated"');
  }
  await page.context().addCookies([FORGED_SESSION]);
  for (const route of [...USER_ROUTES, RECEIPT_ROUTE]) {
    expect((await page.request.get(route)).status(), route).toBe(401);
  }
  for (const action of subscriberActions()) {
    const result = await callAction(page.request, baseURL!, action.pagePath, action.id, [VALID_INPUT[action.exportedName]]);
    expect(result.body, action.exportedName).toContain('"code":"unauthenticated"');
  }
});

test('an anonymous visitor is sent to sign in by every account page', async ({ page }) => {
  for (const pagePath of ACCOUNT_PAGES) {
    await page.goto(pagePath);
    await expect(page, pagePath).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(pagePath)}`));
  }
});

test('an anonymous visitor is refused by every admin page, route and action, even past the proxy', async ({ page, baseURL }) => {
  for (const pagePath of ADMIN_PAGES) {
    await page.goto(pagePath);
    await expect(page, pagePath).toHaveURL(/\/sign-in/);
  }
  for (const route of consoleRoutes()) {
    expect((await callRoute(page.request, route)).status(), `${route.method} ${route.path}`).toBe(401);
  }
  // The proxy only redirects; with a forged cookie it lets the request through, and the
  // pages, routes and actions must still refuse on their own.
  await page.context().addCookies([FORGED_SESSION]);
  for (const pagePath of [...ADMIN_PAGES, ...ACCOUNT_PAGES]) {
    await page.goto(pagePath);
    await expect(page, pagePath).toHaveURL(/\/sign-in/);
  }
  for (const route of consoleRoutes()) {
    expect((await callRoute(page.request, route)).status(), `${route.method} ${route.path}`).toBe(401);
  }
  for (const action of adminActions()) {
    const result = await callAction(page.request, baseURL!, action.pagePath, action.id, [forgedInput(action, E2E_ADMIN_EMAIL)]);
    expect(result.body, action.exportedName).toContain('"code":"unauthenticated"');
  }
});

/** What CVE-2025-29927 sent: Next.js took it for its own subrequest and skipped the middleware (the proxy, since Next 16). */
const MIDDLEWARE_BYPASS = { 'x-middleware-subrequest': 'proxy:proxy:proxy:proxy:proxy:middleware:middleware:middleware:middleware:middleware:src/middleware:src/middleware:src/middleware:src/middleware:src/middleware' };

test('the middleware-bypass header opens nothing: with it, an anonymous visitor is still refused by every page, route and action', async ({ page, baseURL }) => {
  // With a cookie that gets past the proxy's redirect, so every page, route and action answers for itself.
  await page.context().addCookies([FORGED_SESSION]);
  for (const pagePath of [...ADMIN_PAGES, ...ACCOUNT_PAGES]) {
    const response = await page.request.get(pagePath, { headers: MIDDLEWARE_BYPASS, maxRedirects: 0 });
    expect([302, 303, 307, 308], pagePath).toContain(response.status());
    expect(response.headers()['location'], pagePath).toMatch(/\/sign-in/);
  }
  for (const route of [...consoleRoutes(), ...USER_ROUTES.map((path) => ({ path, method: 'GET' })), { path: RECEIPT_ROUTE, method: 'GET' }]) {
    const response = await page.request.fetch(route.path, { method: route.method, headers: MIDDLEWARE_BYPASS, maxRedirects: 0 });
    expect(response.status(), `${route.method} ${route.path}`).toBe(401);
  }
  for (const action of [...adminActions(), ...subscriberActions()]) {
    const response = await page.request.post(action.pagePath, {
      headers: { ...MIDDLEWARE_BYPASS, 'Next-Action': action.id, 'Content-Type': 'text/plain;charset=UTF-8', Origin: baseURL!, Accept: 'text/x-component' },
      data: JSON.stringify([VALID_INPUT[action.exportedName] ?? forgedInput(action, E2E_ADMIN_EMAIL)]),
      maxRedirects: 0,
    });
    expect(await response.text(), action.exportedName).toContain('"code":"unauthenticated"');
  }
});

test('a customer is refused by every admin page, route and action, and nothing changes', async ({ browser, baseURL, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(404)); // admin pages are a 404 to a customer
  // An admin is signed in, and so is a customer whose role the forged calls try to change.
  const { adminPage, customer, customerEmail: victim } = await adminAndCustomer(browser);
  const customerContext = customer.context();

  for (const pagePath of ADMIN_PAGES) {
    const response = await customer.goto(pagePath);
    expect(response?.status(), pagePath).toBe(404);
    await expect(customer.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
  }
  await expect(customer.getByRole('link', { name: 'Admin' })).toHaveCount(0);

  for (const route of consoleRoutes()) {
    const response = await callRoute(customerContext.request, route);
    expect(response.status(), `${route.method} ${route.path}`).toBe(403);
    expect(await response.json()).toEqual({ error: { code: 'forbidden', message: 'You do not have access to this.' } });
  }

  for (const action of adminActions()) {
    const result = await callAction(customerContext.request, baseURL!, action.pagePath, action.id, [forgedInput(action, victim)]);
    expect(result.body, action.exportedName).toContain('"code":"forbidden"');
  }

  // The forged promotion did not happen: the customer is still a customer, in the admin's view too.
  await customer.goto('/admin');
  await expect(customer.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
  await expect((await teamRow(adminPage, victim)).getByTestId('user-role')).toHaveText('Customer');

  await adminPage.context().close();
  await customerContext.close();
});

test('support reads every console page and route, and is refused every action and every change', async ({ browser, baseURL, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(404)); // a made-up id on a detail page is a 404 to anyone
  const { page: support } = await newTeamMember(browser, 'support');
  const victim = uniqueEmail('victim');
  await signUp(await (await browser.newContext({ extraHTTPHeaders: clientHeaders() })).newPage(), victim);

  for (const pagePath of ADMIN_PAGES) {
    const response = await support.goto(pagePath);
    // Detail pages are reached here with a made-up id: a 404 like anyone's, never a refusal or a 500.
    expect(response?.status(), pagePath).toBe(pagePath.split('/').some((segment) => /^[0-9a-f-]{36}$/.test(segment)) ? 404 : 200);
  }
  await expect(support.getByRole('navigation', { name: 'Admin console' })).toBeVisible();
  await support.goto('/admin/team');
  await expect(support.getByRole('button', { name: 'Change role' })).toHaveCount(0);

  for (const route of consoleRoutes()) {
    const response = await callRoute(support.context().request, route);
    expect(response.status(), `${route.method} ${route.path}`).toBe(route.method === 'GET' ? 200 : 403);
  }
  for (const action of adminActions()) {
    const result = await callAction(support.context().request, baseURL!, action.pagePath, action.id, [forgedInput(action, victim)]);
    expect(result.body, action.exportedName).toContain('"code":"forbidden"');
  }
  // The forged promotion did not happen.
  const admin = await adminBrowser(browser);
  await expect((await teamRow(admin, victim)).getByTestId('user-role')).toHaveText('Customer');
  await admin.context().close();
  await support.context().close();
});

test('the outbox is the console’s alone: /dev/outbox is gone, and no visitor or customer reads another’s receipt', async ({ browser, baseURL, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(404));
  // A guest pays; their receipt, with their address and order, is in the outbox.
  const page = await newCustomer(browser, baseURL!);
  const buyer = uniqueEmail('receipt-owner');
  await addToCart(page, 'Field Notebook');
  await continueToPayment(page, buyer);
  const number = await orderNumber(page);
  await enterCard(page, '4242424242424242');
  await payButton(page).click();
  await expectConfirmation(page);
  const admin = await adminBrowser(browser);
  await openEmail(admin, buyer, `Your receipt for order #${number} ($18.00)`);
  const receiptPage = new URL(admin.url()).pathname;
  expect(receiptPage).toMatch(/^\/admin\/emails\/[0-9a-f-]{36}$/);

  // The sandbox's public outbox page no longer exists, for a guest or even an admin.
  for (const visitor of [page, admin]) {
    expect((await visitor.goto('/dev/outbox'))?.status()).toBe(404);
    await expect(visitor.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
  }
  const outboxPages = ['/admin/emails', `/admin/emails?to=${encodeURIComponent(buyer)}`, receiptPage];
  // Anyone else: a visitor is sent to sign in, a customer finds nothing there.
  await page.context().clearCookies();
  for (const pagePath of outboxPages) {
    await page.goto(pagePath);
    await expect(page, pagePath).toHaveURL(/\/sign-in/);
    expect(await page.content(), pagePath).not.toContain(buyer);
  }
  const customer = await (await browser.newContext({ extraHTTPHeaders: clientHeaders() })).newPage();
  await signUp(customer, uniqueEmail('nosy'));
  for (const pagePath of outboxPages) {
    expect((await customer.goto(pagePath))?.status(), pagePath).toBe(404);
    await expect(customer.getByRole('heading', { name: 'This page does not exist' })).toBeVisible();
    expect(await customer.content(), pagePath).not.toContain(buyer);
  }
  await admin.context().close();
  await customer.context().close();
  await page.context().close();
});

test('an admin’s session does not work from another site: every console route that changes something refuses a cross-site request', async ({ browser, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(404));
  const admin = await adminBrowser(browser);
  const changing = consoleRoutes().filter((route) => route.method !== 'GET');
  expect(changing.length).toBeGreaterThan(0);
  for (const route of changing) {
    // What a form on another site makes the admin's browser send (it adds Sec-Fetch-Site itself).
    const crossSite = await admin.request.fetch(route.path, { method: route.method, headers: { 'sec-fetch-site': 'cross-site' }, maxRedirects: 0 });
    expect(crossSite.status(), `${route.method} ${route.path}`).toBe(403);
    expect(await crossSite.json()).toEqual({ error: { code: 'forbidden', message: 'You do not have access to this.' } });
    // The same request from the console itself gets past that check (to a 404 for the made-up id, or a refusal of the empty input).
    const sameOrigin = await admin.request.fetch(route.path, { method: route.method, headers: { 'sec-fetch-site': 'same-origin' }, maxRedirects: 0 });
    expect(sameOrigin.status(), `${route.method} ${route.path}`).not.toBe(403);
    expect(sameOrigin.status(), `${route.method} ${route.path}`).toBeLessThan(500);
  }
  await admin.context().close();
});

test('an admin can promote a customer, who then sees the admin area', async ({ browser }) => {
  const { adminPage, customer, customerEmail: promoted } = await adminAndCustomer(browser);
  const customerContext = customer.context();

  const row = await teamRow(adminPage, promoted);
  await row.getByLabel(`Role of ${promoted}`).selectOption('admin');
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(row.getByTestId('user-role')).toHaveText('Admin');

  // The role is read from the database on every request: no new sign-in needed.
  await customer.goto('/admin');
  await expect(customer.getByRole('navigation', { name: 'Admin console' })).toBeVisible();
  const api = await customerContext.request.get('/api/admin/users');
  expect(api.status()).toBe(200);

  await adminPage.context().close();
  await customerContext.close();
});

test('a subscriber cannot make another subscriber’s saved card their own', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  // Two subscribers; Alice saves a new card, which leaves a succeeded SetupIntent of hers.
  const alice = await newCustomer(browser, baseURL!);
  const aliceEmail = await newSubscriber(alice, 'alice');
  await subscribe(alice, 'starter-monthly-usd');
  await updateCard(alice, '5555555555554444', /Mastercard •••• 4444/);
  const aliceCustomer = await customerFor(aliceEmail);
  const [aliceSetup] = (await sandbox.setupIntents.list({ customer: aliceCustomer.id, limit: 1 })).data;
  expect(aliceSetup?.status).toBe('succeeded');

  const bob = await newCustomer(browser, baseURL!);
  await newSubscriber(bob, 'bob');
  await subscribe(bob, 'starter-monthly-usd');

  // Bob names Alice's SetupIntent, as a forged call would.
  const finish = subscriberActions().find((action) => action.exportedName === 'finishPaymentMethodUpdate')!;
  const result = await callAction(bob.context().request, baseURL!, finish.pagePath, finish.id, [{ cardUpdateId: aliceSetup!.id }]);
  expect(result.body).toContain('"ok":false');

  await bob.reload();
  await expect(bob.getByTestId('payment-method')).toContainText('Visa •••• 4242');
  const aliceNow = await customerFor(aliceEmail);
  expect(aliceNow.invoice_settings.default_payment_method).toBe(aliceCustomer.invoice_settings.default_payment_method);
  await alice.context().close();
  await bob.context().close();
});
