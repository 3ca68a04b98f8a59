import type { APIRequestContext, Browser, Page } from '@playwright/test';
import fs from 'node:fs';
import { E2E_ADMIN_EMAIL } from '../playwright.config';
import { adminBrowser, newTeamMember, openEmail, teamRow } from './admin-support';
import { addToCart, continueToPayment, enterCard, expectConfirmation, newCustomer, orderNumber, payButton } from './checkout-support';
import { approveInPaypal, openPaypal, paypalOrderIdOf, paypalSubscription, subscribeWithPaypal } from './paypal-support';
import { customerFor, newSubscriber, sandbox, subscribe, updateCard } from './subscription-support';
import { actionsUnder, callAction, type ServerAction } from './actions-support';
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

/** What Alice owns that a page, route or action takes an id or reference of. */
interface AlicesThings {
  orderId: string;
  /** The signed reference in her confirmation page's address (`?order=…`). */
  orderToken: string;
  invoiceId: string;
  /** The PayPal order her order was paid with. */
  paypalOrderId: string;
  paypalSubscriptionId: string;
  /** The succeeded SetupIntent of the card her subscription is moving to. */
  cardSetupId: string;
}

/** The same shapes, naming nothing: what Bob is told for Alice's must be what he is told for these. */
function madeUpThings(alice: AlicesThings): AlicesThings {
  // A signed reference with one character of its signature changed: well formed, signed by nobody.
  const last = alice.orderToken.at(-1) === 'A' ? 'B' : 'A';
  return {
    orderId: crypto.randomUUID(),
    orderToken: alice.orderToken.slice(0, -1) + last,
    invoiceId: crypto.randomUUID(),
    paypalOrderId: `${alice.paypalOrderId.slice(0, -4)}ZZZZ`,
    paypalSubscriptionId: `${alice.paypalSubscriptionId.slice(0, -4)}ZZZZ`,
    cardSetupId: `${alice.cardSetupId.slice(0, -4)}zzzz`,
  };
}

/**
 * Every page and route outside the console that takes an id or reference of something a
 * customer owns, and the address that names one. NAMES_NOTHING_OWNED lists the rest; a page or
 * route added in neither fails the coverage test until it is placed.
 */
const OWNED_REFERENCES: Record<string, { kind: 'page' | 'route'; address: (things: AlicesThings) => string }> = {
  '/account/orders/[id]': { kind: 'page', address: (things) => `/account/orders/${things.orderId}` },
  '/checkout/complete': { kind: 'page', address: (things) => `/checkout/complete?order=${things.orderToken}` },
  '/account/billing/invoices/[id]/receipt': { kind: 'route', address: (things) => `/account/billing/invoices/${things.invoiceId}/receipt` },
  '/api/checkout/order-status': { kind: 'route', address: (things) => `/api/checkout/order-status?order=${things.orderToken}` },
  // The pushed progress of the same order: Alice's stream ends at once, her order being settled.
  '/api/checkout/order-events': { kind: 'route', address: (things) => `/api/checkout/order-events?order=${things.orderToken}` },
};

/** Pages and routes that name nothing a customer owns: the catalog, the caller's own account, sign-in, provider webhooks, probes. */
const NAMES_NOTHING_OWNED = [
  '/',
  '/pricing',
  '/cart',
  '/checkout', // this browser's own order, from its cookie
  '/subscribe/[lookupKey]', // a plan of the catalog
  '/sign-in',
  '/sign-up',
  '/account',
  '/account/billing',
  '/account/billing/pay',
  '/members',
  '/api/auth/[...nextauth]',
  '/api/billing/subscription', // the caller's own subscription
  '/api/health',
  '/api/metrics',
  '/api/webhooks/paypal',
  '/api/webhooks/stripe',
];

/** Every page and route a customer could reach (the console has its own tests above), by pattern. */
function customerFacingPatterns(): string[] {
  const all = [...routeFilesUnder('', 'page.tsx'), ...routeFilesUnder('', 'route.ts')].map((route) => route.pattern);
  return all.filter((pattern) => !pattern.startsWith('/admin') && !pattern.startsWith('/api/admin'));
}

/**
 * The input each action that takes an id is called with, naming Alice's things (or the made-up
 * ones). Actions without an id are sent one anyway (`subscriptionId`), as a forged call would:
 * which subscription is never an input, so the call is refused whatever it names.
 */
const REFERENCE_INPUT: Record<string, (things: AlicesThings) => unknown> = {
  finishPaymentMethodUpdate: (things) => ({ cardUpdateId: things.cardSetupId }),
  finishSwitchToCard: (things) => ({ cardUpdateId: things.cardSetupId }),
  finishSwitchToPaypal: (things) => ({ subscriptionId: things.paypalSubscriptionId }),
  finishApprovalPayment: (things) => ({ provider: 'paypal', paymentId: things.paypalOrderId }),
};

/** Checkout's actions that take no reference: they price a cart and start this browser's own order. */
const CHECKOUT_ACTIONS_WITHOUT_REFERENCES = ['startCheckout', 'startApprovalPayment'];

function inputNaming(action: ServerAction, things: AlicesThings): unknown {
  const reference = REFERENCE_INPUT[action.exportedName];
  if (reference) return reference(things);
  return { ...(VALID_INPUT[action.exportedName] as object), subscriptionId: things.paypalSubscriptionId };
}

/** The actions a customer can call that could name someone's things: the portal's, subscribing, and checkout's with a reference. */
function actionsNamingThings(): ServerAction[] {
  return [...subscriberActions(), ...actionsUnder('(shop)/checkout').filter((action) => !CHECKOUT_ACTIONS_WITHOUT_REFERENCES.includes(action.exportedName))];
}

test('the another-customer tests cover every page, route and action that takes an id or reference', () => {
  const patterns = customerFacingPatterns();
  expect(patterns).toEqual(expect.arrayContaining(['/account/orders/[id]', '/account/billing/invoices/[id]/receipt', '/api/checkout/order-status']));
  // Each one is placed, in exactly one list.
  const placed = [...Object.keys(OWNED_REFERENCES), ...NAMES_NOTHING_OWNED];
  expect([...patterns].sort()).toEqual([...placed].sort());
  // A page or route with a dynamic segment names something: it cannot be listed as naming nothing unless it names a catalog item.
  expect(NAMES_NOTHING_OWNED.filter((pattern) => /\[(?!lookupKey\]|\.\.\.nextauth\])/.test(pattern))).toEqual([]);
  const checkout = actionsUnder('(shop)/checkout').map((action) => action.exportedName);
  expect(checkout).toEqual(expect.arrayContaining(CHECKOUT_ACTIONS_WITHOUT_REFERENCES));
  for (const name of checkout.filter((candidate) => !CHECKOUT_ACTIONS_WITHOUT_REFERENCES.includes(candidate))) expect(Object.keys(REFERENCE_INPUT), name).toContain(name);
  expect(actionsNamingThings().map((action) => action.exportedName)).toEqual(expect.arrayContaining(Object.keys(REFERENCE_INPUT)));
});

/**
 * Alice, as a person makes her: an order paid with PayPal, a PayPal subscription with its first
 * invoice, then a move to a card (a saved card, taking over at the period's end).
 */
async function aliceWithEverything(browser: Browser, baseURL: string): Promise<{ page: Page; email: string; things: AlicesThings }> {
  const page = await newCustomer(browser, baseURL);
  const email = await newSubscriber(page, 'alice-owner');
  await addToCart(page, 'Field Notebook');
  await continueToPayment(page);
  const window = await openPaypal(page);
  const paypalOrderId = paypalOrderIdOf(window);
  await approveInPaypal(window);
  await expectConfirmation(page);
  const orderToken = new URL(page.url()).searchParams.get('order')!;
  await page.goto('/account');
  const orderId = (await page.getByTestId('order-list').getByRole('link').first().getAttribute('href'))!.split('/').pop()!;

  const paypalSubscriptionId = await subscribeWithPaypal(page, 'starter-monthly-usd');
  const receiptHref = await page.getByTestId('invoices').getByRole('link', { name: /^Receipt for invoice .+ as PDF$/ }).first().getAttribute('href');
  const invoiceId = receiptHref!.split('/').at(-2)!;

  await page.getByRole('button', { name: 'Pay with a card instead' }).click();
  await enterCard(page, '4242424242424242');
  await page.getByRole('button', { name: 'Switch to this card' }).click();
  await expect(page).toHaveURL(/\/account\/billing\?notice=switch-scheduled$/, { timeout: 30_000 });
  const [setup] = (await sandbox.setupIntents.list({ customer: (await customerFor(email)).id, limit: 1 })).data;
  expect(setup?.status).toBe('succeeded');
  return { page, email, things: { orderId, orderToken, invoiceId, paypalOrderId, paypalSubscriptionId, cardSetupId: setup!.id } };
}

test('another customer’s order, invoice, saved card and subscriptions are not found by a customer who names them, exactly as a made-up id, and nothing of theirs changes', async ({ browser, baseURL, expectConsoleError }) => {
  test.setTimeout(300_000);
  expectConsoleError(resourceFailedWith(404)); // others' pages are a 404
  const alice = await aliceWithEverything(browser, baseURL!);
  const madeUp = madeUpThings(alice.things);
  const aliceCustomer = await customerFor(alice.email);
  const movingBefore = await alice.page.getByTestId('moving-to-card').textContent();

  // Alice herself opens each of them: the ids are real.
  for (const [pattern, reference] of Object.entries(OWNED_REFERENCES)) {
    const response = await alice.page.request.get(reference.address(alice.things), { maxRedirects: 0 });
    expect(response.status(), `Alice: ${pattern}`).toBe(200);
  }

  // Bob, a subscriber paying by card, so that the portal's actions get as far as the ids he names.
  const bob = await newCustomer(browser, baseURL!);
  await newSubscriber(bob, 'bob-prober');
  await subscribe(bob, 'starter-monthly-usd');
  const bobCard = await bob.getByTestId('payment-method').textContent();

  // Bob's calls carry the middleware-bypass header: the proxy refuses nobody signed in anyway, and
  // what each page, route and action answers must not depend on it.
  for (const [pattern, reference] of Object.entries(OWNED_REFERENCES)) {
    const alices = await bob.request.get(reference.address(alice.things), { headers: MIDDLEWARE_BYPASS, maxRedirects: 0 });
    const nobodys = await bob.request.get(reference.address(madeUp), { headers: MIDDLEWARE_BYPASS, maxRedirects: 0 });
    expect(alices.status(), `Bob: ${pattern}`).toBe(404);
    expect(nobodys.status(), `Bob, made up: ${pattern}`).toBe(404);
    const body = await alices.text();
    expect(body, pattern).not.toContain(alice.email);
    if (reference.kind === 'route') expect(body, pattern).toBe(await nobodys.text());
    else {
      await bob.goto(reference.address(alice.things));
      await expect(bob.getByRole('heading', { name: 'This page does not exist' }), pattern).toBeVisible();
    }
  }

  for (const action of actionsNamingThings()) {
    const alices = await callAction(bob.context().request, baseURL!, action.pagePath, action.id, [inputNaming(action, alice.things)], MIDDLEWARE_BYPASS);
    const nobodys = await callAction(bob.context().request, baseURL!, action.pagePath, action.id, [inputNaming(action, madeUp)], MIDDLEWARE_BYPASS);
    expect(alices.body, action.exportedName).toContain('"ok":false');
    expect(alices.body, `${action.exportedName}: Alice's is answered as a made-up one`).toBe(nobodys.body);
  }

  // Nothing of Alice's changed: her subscription, its move to her card, her card, her order.
  expect((await paypalSubscription(alice.things.paypalSubscriptionId)).status).toBe('ACTIVE');
  expect((await customerFor(alice.email)).invoice_settings.default_payment_method).toBe(aliceCustomer.invoice_settings.default_payment_method);
  await alice.page.reload();
  await expect(alice.page.getByTestId('moving-to-card')).toHaveText(movingBefore!);
  await alice.page.goto(`/account/orders/${alice.things.orderId}`);
  await expect(alice.page.getByRole('main').getByText('Paid', { exact: true })).toBeVisible();
  // Nor Bob's own: his subscription still pays with his own card.
  await bob.goto('/account/billing');
  await expect(bob.getByTestId('payment-method')).toHaveText(bobCard!);
  await alice.page.context().close();
  await bob.context().close();
});
