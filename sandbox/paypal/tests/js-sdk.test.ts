import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CheckoutPaymentIntent, CustomError, OrdersController, SubscriptionsController } from '@paypal/paypal-server-sdk';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkoutSecurityHeaders } from '@/lib/security-headers';
import { CHROMIUM_ARGS, findBrowser } from '@/scripts/lib/browser';
import { buyerByEmail, DEFAULT_BUYER } from '../buyers';
import { CLIENT_ID, CLIENT_SECRET, paypalSandbox } from './support';

/**
 * The JS SDK stand-in in a real browser, driven through the real `@paypal/react-paypal-js/sdk-v6`
 * components as Billfold's checkout uses them (fixtures/react-checkout.tsx). The shop lives on an
 * origin of its own (localhost:<port>, with Billfold's own checkout CSP), the sandbox on another
 * (127.0.0.1:<port>); the shop's server mints the browser client token, creates orders and
 * captures them at the sandbox with the official server SDK, and creates subscriptions (to a
 * product and plan of its own, through the sandbox's REST API) that the buyer agrees to on the
 * sandbox's consent page. Nothing may reach a PayPal host.
 */

const t = paypalSandbox();

const PACKAGE_JSON = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { overrides?: Record<string, string> };
function installedVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(path.resolve('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}
/** Polling what the page's callbacks recorded: generous, as a busy machine runs React slowly. */
const POLL = { timeout: 10_000 };
const AMOUNT = { currencyCode: 'USD', value: '19.99' };

let browser: Browser;
let checkoutScript: string;
let shop: http.Server;
let SHOP: string;

interface CheckoutEvent {
  type: 'approve' | 'captured' | 'cancel' | 'error' | 'complete';
  data: Record<string, unknown>;
}

interface Checkout {
  page: Page;
  context: BrowserContext;
  /** Page errors and console errors of the page and its popups. */
  errors: string[];
  /** Every request of the page and its popups. */
  requests: string[];
  /** Console errors the test expects (a 500 the shop answers on purpose). */
  allowErrors(pattern: RegExp): void;
}

const open: { checkout: Checkout; offsite: string[]; allowed: RegExp[] }[] = [];

beforeAll(async () => {
  const bundled = await build({
    entryPoints: [path.resolve('sandbox/paypal/tests/fixtures/react-checkout.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  checkoutScript = bundled.outputFiles[0]?.text ?? '';
  browser = await chromium.launch({ executablePath: findBrowser(), args: CHROMIUM_ARGS });
  shop = http.createServer((request, response) => void serveShop(request, response).catch((error: unknown) => fail(response, error)));
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  SHOP = `http://localhost:${(shop.address() as AddressInfo).port}`;
});

afterEach(async () => {
  const finished = open.splice(0);
  for (const { checkout } of finished) await checkout.context.close();
  for (const { checkout, offsite, allowed } of finished) {
    expect(offsite, 'requests that left the machine (a PayPal host?)').toEqual([]);
    expect(checkout.errors.filter((error) => !allowed.some((pattern) => pattern.test(error)))).toEqual([]);
  }
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => shop?.close(resolve));
});

function fail(response: http.ServerResponse, error: unknown) {
  if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
  response.end(error instanceof Error ? error.message : String(error));
}

function sendJson(response: http.ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

const orders = () => new OrdersController(t.client);
const subscriptions = () => new SubscriptionsController(t.client);

/** The shop's monthly plan (and its product), made at the sandbox once, on the first subscription. */
let shopPlan: Promise<string> | undefined;

async function created<T>(path: string, body: unknown): Promise<T> {
  const reply = await t.rest<T>('POST', path, body);
  if (reply.status !== 201) throw new Error(`POST ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

async function makePlan(): Promise<string> {
  const product = await created<{ id: string }>('/v1/catalogs/products', { name: 'Billfold Pro', type: 'SERVICE' });
  const plan = await created<{ id: string }>('/v1/billing/plans', {
    product_id: product.id,
    name: 'Billfold Pro monthly',
    billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, pricing_scheme: { fixed_price: { currency_code: 'USD', value: '9.99' } } }],
    payment_preferences: { payment_failure_threshold: 1 },
  });
  return plan.id;
}

/**
 * Carts whose order's funding was declined at capture (INSTRUMENT_DECLINED): the shop's next
 * createOrder for the cart answers that order again, so the buyer approves it with other funding.
 */
const declinedOrders = new Map<string, string>();

/** While set, the shop's order creation waits for it (a shop slower than the buyer). */
let orderGate: Promise<void> | null = null;

/** Holds the shop's next order creations until the returned function is called. */
function holdOrders(): () => void {
  let release = () => {};
  orderGate = new Promise<void>((resolve) => (release = resolve));
  return () => {
    orderGate = null;
    release();
  };
}

/** The shop: its checkout page (with Billfold's CSP) and the server side of its PayPal button. */
async function serveShop(request: http.IncomingMessage, response: http.ServerResponse) {
  const url = new URL(request.url ?? '/', SHOP);
  if (request.method === 'GET' && url.pathname === '/') {
    const nonce = crypto.randomBytes(16).toString('base64');
    const headers = checkoutSecurityHeaders({ nonce, paymentOrigins: [t.server.url], development: false, https: false, production: false });
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Checkout</title>
<script src="${t.paypalUrl}/web-sdk/v6/core" nonce="${nonce}"></script>
<script src="/checkout.js" nonce="${nonce}" defer></script></head>
<body><h1>Checkout</h1><div id="root"></div></body></html>`);
  } else if (request.method === 'GET' && url.pathname === '/checkout.js') {
    response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    response.end(checkoutScript);
  } else if (request.method === 'POST' && url.pathname === '/api/client-token') {
    const token = await fetch(`${t.paypalUrl}/v1/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&response_type=client_token',
    });
    sendJson(response, 200, { clientToken: ((await token.json()) as { access_token: string }).access_token });
  } else if (request.method === 'POST' && url.pathname === '/api/orders') {
    if (url.searchParams.has('fail')) return sendJson(response, 500, { error: 'The cart is empty.' });
    await orderGate;
    const cart = url.searchParams.get('cart') ?? '';
    const declined = declinedOrders.get(cart);
    if (declined) {
      declinedOrders.delete(cart);
      return sendJson(response, 200, { orderId: declined });
    }
    // As PayPal's v6 samples do: a popup needs no return address; a redirect names where the
    // buyer comes back to (which makes the order PAYER_ACTION_REQUIRED until approved).
    const redirect = url.searchParams.get('mode') === 'redirect';
    const { result } = await orders().createOrder({
      body: {
        intent: CheckoutPaymentIntent.Capture,
        purchaseUnits: [{ amount: AMOUNT }],
        ...(redirect ? { paymentSource: { paypal: { experienceContext: { returnUrl: `${SHOP}/?mode=redirect`, cancelUrl: `${SHOP}/?mode=redirect&cancelled=1` } } } } : {}),
      },
    });
    sendJson(response, 201, { orderId: result.id });
  } else if (request.method === 'POST' && /^\/api\/orders\/[^/]+\/capture$/.test(url.pathname)) {
    const orderId = url.pathname.split('/')[3] ?? '';
    try {
      const { result } = await orders().captureOrder({ id: orderId, prefer: 'return=representation' });
      sendJson(response, 200, { status: result.status });
    } catch (error) {
      const issue = error instanceof CustomError ? error.result?.details?.[0]?.issue : undefined;
      if (issue !== 'INSTRUMENT_DECLINED') throw error;
      declinedOrders.set(new URL(request.headers.referer ?? SHOP).searchParams.get('cart') ?? '', orderId);
      sendJson(response, 200, { issue });
    }
  } else if (request.method === 'POST' && url.pathname === '/api/subscriptions') {
    // A popup needs no return address (the consent page tells the opener), as for orders.
    shopPlan ??= makePlan();
    const subscription = await created<{ id: string }>('/v1/billing/subscriptions', { plan_id: await shopPlan, application_context: { brand_name: 'Billfold' } });
    sendJson(response, 201, { subscriptionId: subscription.id });
  } else {
    fail(response, new Error(`shop: nothing at ${request.method} ${url.pathname}`));
  }
}

/** Opens the shop's checkout in a fresh context that records errors and any request that leaves the machine. */
async function openCheckout(query = '', options: { blockPopups?: boolean } = {}): Promise<Checkout> {
  const context = await browser.newContext({ locale: 'en-US' });
  context.setDefaultTimeout(10_000);
  const offsite: string[] = [];
  const allowed: RegExp[] = [];
  const errors: string[] = [];
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  await context.route(
    (url) => url.hostname !== 'localhost' && url.hostname !== '127.0.0.1',
    (route) => {
      offsite.push(route.request().url());
      return route.abort();
    },
  );
  const watch = (page: Page) => {
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
  };
  context.on('page', watch);
  // A popup blocker, as a browser's own would answer window.open.
  if (options.blockPopups) await context.addInitScript('window.open = () => null;');
  const page = await context.newPage();
  const checkout: Checkout = { page, context, errors, requests, allowErrors: (pattern) => allowed.push(pattern) };
  open.push({ checkout, offsite, allowed });
  await page.goto(`${SHOP}/${query}`);
  return checkout;
}

function payButton(page: Page) {
  return page.getByRole('button', { name: 'Pay with PayPal' });
}

/** Waits for the button to be enabled: PayPal's components disable it until the SDK instance exists. */
async function buttonReady(page: Page): Promise<void> {
  await page.locator('paypal-button:not([disabled])').waitFor();
}

async function events(page: Page): Promise<CheckoutEvent[]> {
  return (await page.evaluate('window.checkout.events')) as CheckoutEvent[];
}

async function eventsOf(page: Page, type: CheckoutEvent['type']): Promise<Record<string, unknown>[]> {
  return (await events(page)).filter((event) => event.type === type).map((event) => event.data);
}

/** Presses the button and returns the approval popup once it shows the approval page. */
async function openApproval(page: Page, button = payButton(page)): Promise<Page> {
  const popupOpened = page.waitForEvent('popup');
  await button.click();
  const popup = await popupOpened;
  await popup.getByLabel('Log in as a sandbox buyer').waitFor();
  return popup;
}

/** Logs in as `buyer` on the approval page and presses its approve or cancel button. */
async function decide(approval: Page, decision: 'approve' | 'cancel', buyer = DEFAULT_BUYER.email) {
  await approval.getByLabel('Log in as a sandbox buyer').selectOption(buyer);
  const closed = approval.waitForEvent('close');
  const form = approval.locator('form');
  await (decision === 'approve' ? form.locator('button[value="approve"]') : form.locator('button[value="cancel"]')).click();
  await closed;
}

async function orderStatus(id: string): Promise<string | undefined> {
  return (await orders().getOrder({ id })).result.status;
}

async function subscriptionStatus(id: string): Promise<string | undefined> {
  return (await subscriptions().getSubscription({ id })).result.status;
}

function subscribeButton(page: Page) {
  return page.getByRole('button', { name: 'Subscribe with PayPal' });
}

describe('the stand-in picked up by @paypal/react-paypal-js', { timeout: 60_000 }, () => {
  it(
    'is what PayPalProvider uses: an upgrade of @paypal/react-paypal-js or @paypal/paypal-js that loads PayPal’s script or replaces window.paypal fails here',
    async () => {
      const versions = `@paypal/react-paypal-js ${installedVersion('@paypal/react-paypal-js')}, @paypal/paypal-js ${installedVersion('@paypal/paypal-js')}`;
      // The version the stand-in's short-circuit was verified against is the one installed.
      expect(installedVersion('@paypal/paypal-js'), versions).toBe(PACKAGE_JSON.overrides?.['@paypal/paypal-js']);

      const { page, requests } = await openCheckout();
      await buttonReady(page).catch(() => {
        throw new Error(`The PayPal button never became ready with ${versions}: is the stand-in still picked up?`);
      });
      const state = (await page.evaluate(`({
        sandbox: typeof window.paypal?.sandbox?.base,
        version: window.paypal?.version,
        // loadCoreSdkScript marks a <script> it injects with these attributes.
        injected: [...document.querySelectorAll('script[data-loading-state], script[data-sdk-integration-source]')].map((script) => script.src),
        scripts: [...document.scripts].map((script) => script.src),
      })`)) as { sandbox: string; version: string; injected: string[]; scripts: string[] };
      expect(state, versions).toEqual({
        sandbox: 'string',
        version: expect.stringMatching(/^6\./),
        injected: [],
        scripts: [`${t.paypalUrl}/web-sdk/v6/core`, `${SHOP}/checkout.js`],
      });
      expect(requests.filter((url) => url.includes('/web-sdk/')), versions).toEqual([`${t.paypalUrl}/web-sdk/v6/core`]);
    },
  );

  it('lets the installed loader (loadCoreSdkScript) resolve to the stand-in without injecting a script', async () => {
    const loader = await build({
      stdin: {
        contents: `import { loadCoreSdkScript } from '@paypal/paypal-js/sdk-v6';
          window.loaded = loadCoreSdkScript({ environment: 'sandbox' }).then((namespace) => ({
            same: namespace === window.paypal,
            injected: document.querySelectorAll('script[data-loading-state]').length,
          }));`,
        resolveDir: process.cwd(),
      },
      bundle: true,
      write: false,
      format: 'iife',
      logLevel: 'silent',
    });
    const { page } = await openCheckout();
    await buttonReady(page);
    await page.evaluate(loader.outputFiles[0]?.text ?? '');
    expect(await page.evaluate('window.loaded')).toEqual({ same: true, injected: 0 });
  });

  it('renders the PayPal button with its accessible name, enabled once the SDK instance exists', async () => {
    const { page } = await openCheckout();
    await buttonReady(page);
    await expect(payButton(page).isEnabled()).resolves.toBe(true);
    expect(await page.locator('paypal-button').getAttribute('type')).toBe('pay');
  });
});

describe('paying with the one-time payment button', { timeout: 60_000 }, () => {
  it('opens the approval popup; approving as buyer@ calls onApprove with the order and payer ids, and the shop’s capture completes the order', async () => {
    const { page } = await openCheckout('?mode=popup');
    const approval = await openApproval(page);
    const orderId = new URL(approval.url()).searchParams.get('token') ?? '';
    expect(approval.url()).toBe(`${t.paypalUrl}/checkoutnow?token=${orderId}&sdk_origin=${encodeURIComponent(SHOP)}`);
    expect(await orderStatus(orderId)).toBe('CREATED');

    await decide(approval, 'approve');
    await expect.poll(() => eventsOf(page, 'complete'), POLL).toEqual([{ paymentSessionState: 'approved' }]);
    expect(await events(page)).toEqual([
      { type: 'approve', data: { orderId, payerId: DEFAULT_BUYER.payerId, fundingSource: 'paypal' } },
      { type: 'captured', data: { status: 'COMPLETED' } },
      { type: 'complete', data: { paymentSessionState: 'approved' } },
    ]);
    expect(await orderStatus(orderId)).toBe('COMPLETED');
  });

  it('lets the buyer approve the same order again after its funding was declined at capture (INSTRUMENT_DECLINED)', async () => {
    const { page } = await openCheckout('?mode=popup&cart=declined');
    const first = await openApproval(page);
    const orderId = new URL(first.url()).searchParams.get('token') ?? '';
    await decide(first, 'approve', 'declined@example.com');
    await expect.poll(() => eventsOf(page, 'captured'), POLL).toEqual([{ issue: 'INSTRUMENT_DECLINED' }]);

    const again = await openApproval(page);
    expect(new URL(again.url()).searchParams.get('token')).toBe(orderId);
    await decide(again, 'approve');
    await expect.poll(() => eventsOf(page, 'captured'), POLL).toEqual([{ issue: 'INSTRUMENT_DECLINED' }, { status: 'COMPLETED' }]);
    expect(await eventsOf(page, 'approve')).toEqual([
      { orderId, payerId: buyerByEmail('declined@example.com')?.payerId, fundingSource: 'paypal' },
      { orderId, payerId: DEFAULT_BUYER.payerId, fundingSource: 'paypal' },
    ]);
    expect(await orderStatus(orderId)).toBe('COMPLETED');
  });

  it('calls onCancel when the buyer cancels on the approval page, and leaves the order CREATED', async () => {
    const { page } = await openCheckout('?mode=popup');
    const approval = await openApproval(page);
    const orderId = new URL(approval.url()).searchParams.get('token') ?? '';
    await decide(approval, 'cancel');
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'cancel', data: { orderId } },
      { type: 'complete', data: { paymentSessionState: 'canceled' } },
    ]);
    expect(await orderStatus(orderId)).toBe('CREATED');
  });

  it('calls onCancel when the buyer closes the popup, and the button starts a new approval afterwards', async () => {
    const { page } = await openCheckout();
    const approval = await openApproval(page);
    const orderId = new URL(approval.url()).searchParams.get('token') ?? '';
    await approval.close();
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'cancel', data: { orderId } },
      { type: 'complete', data: { paymentSessionState: 'canceled' } },
    ]);

    const again = await openApproval(page);
    const secondOrderId = new URL(again.url()).searchParams.get('token') ?? '';
    expect(secondOrderId).not.toBe(orderId);
    await decide(again, 'approve');
    await expect.poll(() => eventsOf(page, 'captured'), POLL).toEqual([{ status: 'COMPLETED' }]);
  });

  it('calls onCancel when the buyer closes the popup before the shop has made the order', async () => {
    const { page } = await openCheckout('?mode=popup');
    const release = holdOrders();
    const popupOpened = page.waitForEvent('popup');
    await payButton(page).click();
    const popup = await popupOpened;
    await popup.close();
    // The shop answers well after the stand-in has seen the popup closed (its poll and grace
    // take under a second), so the cancel is noticed before there is an order id.
    await page.waitForTimeout(1_500);
    release();
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'cancel', data: { orderId: expect.any(String) } },
      { type: 'complete', data: { paymentSessionState: 'canceled' } },
    ]);
  });

  it('ignores an approval message that does not come from the sandbox’s popup', async () => {
    const { page } = await openCheckout('?mode=popup');
    const approval = await openApproval(page);
    const orderId = new URL(approval.url()).searchParams.get('token') ?? '';
    await page.evaluate(
      ([id]) => window.postMessage({ source: 'billfold-paypal-sandbox', outcome: 'approved', orderId: id, payerId: 'FORGED' }, '*'),
      [orderId],
    );
    await decide(approval, 'cancel');
    await expect.poll(() => eventsOf(page, 'complete'), POLL).toEqual([{ paymentSessionState: 'canceled' }]);
    expect(await eventsOf(page, 'approve')).toEqual([]);
  });

  it('in redirect mode, goes to the approval page and back to return_url with token and PayerID, where the session resumes with onApprove', async () => {
    const { page } = await openCheckout('?mode=redirect');
    await payButton(page).click();
    await page.waitForURL(/\/checkoutnow\?token=/);
    const orderId = new URL(page.url()).searchParams.get('token') ?? '';
    expect(new URL(page.url()).searchParams.has('sdk_origin')).toBe(false);
    await page.getByLabel('Log in as a sandbox buyer').selectOption(DEFAULT_BUYER.email);
    await page.locator('button[value="approve"]').click();
    await page.waitForURL(`${SHOP}/?mode=redirect&token=${orderId}&PayerID=${DEFAULT_BUYER.payerId}`);
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'approve', data: { orderId, payerId: DEFAULT_BUYER.payerId, fundingSource: 'paypal' } },
      { type: 'captured', data: { status: 'COMPLETED' } },
      { type: 'complete', data: { paymentSessionState: 'approved' } },
    ]);
  });

  it('in redirect mode, comes back to cancel_url when the buyer cancels, where the session resumes with onCancel', async () => {
    const { page } = await openCheckout('?mode=redirect');
    await payButton(page).click();
    await page.waitForURL(/\/checkoutnow\?token=/);
    const orderId = new URL(page.url()).searchParams.get('token') ?? '';
    await page.locator('button[value="cancel"]').click();
    await page.waitForURL(`${SHOP}/?mode=redirect&cancelled=1&token=${orderId}`);
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'cancel', data: { orderId } },
      { type: 'complete', data: { paymentSessionState: 'canceled' } },
    ]);
    expect(await orderStatus(orderId)).toBe('PAYER_ACTION_REQUIRED');
  });

  it('falls back to the redirect when the browser blocks the popup in auto mode, and reports a recoverable onError in popup mode', async () => {
    const auto = await openCheckout('', { blockPopups: true });
    await payButton(auto.page).click();
    await auto.page.waitForURL(/\/checkoutnow\?token=/);

    const popupOnly = await openCheckout('?mode=popup', { blockPopups: true });
    // start() rejects too, so a page can try another mode (PayPal's documented fallback loop);
    // the React button leaves that rejection unhandled.
    popupOnly.allowErrors(/ERR_POPUP_BLOCKED|blocked the PayPal popup/);
    await payButton(popupOnly.page).click();
    await expect.poll(() => events(popupOnly.page), POLL).toEqual([
      { type: 'error', data: { code: 'ERR_POPUP_BLOCKED', message: expect.stringContaining('blocked the PayPal popup') } },
      { type: 'complete', data: { paymentSessionState: 'error' } },
    ]);
  });

  it('calls onError and closes the popup when createOrder rejects', async () => {
    const checkout = await openCheckout('?mode=popup&fail=1');
    checkout.allowErrors(/status of 500/);
    const popupOpened = checkout.page.waitForEvent('popup');
    await payButton(checkout.page).click();
    const popup = await popupOpened;
    // The shop refuses at once, so the popup may be gone before a 'close' listener could wait.
    await expect.poll(() => popup.isClosed(), POLL).toBe(true);
    await expect.poll(() => events(checkout.page), POLL).toEqual([
      { type: 'error', data: { code: 'ERR_CREATE_ORDER', message: 'The promise passed to start() was rejected: /api/orders?mode=popup&fail=1 answered 500' } },
      { type: 'complete', data: { paymentSessionState: 'error' } },
    ]);
  });
});

describe('subscribing with the subscription button', { timeout: 60_000 }, () => {
  it('opens the consent page of the subscription the shop created in a popup; agreeing as buyer@ calls onApprove with the subscription and payer ids, and the subscription is ACTIVE', async () => {
    const { page } = await openCheckout('?flow=subscription');
    const approval = await openApproval(page, subscribeButton(page));
    const subscriptionId = new URL(approval.url()).searchParams.get('subscription_id') ?? '';
    expect(approval.url()).toBe(`${t.paypalUrl}/webapps/billing/subscriptions?subscription_id=${subscriptionId}&sdk_origin=${encodeURIComponent(SHOP)}`);
    expect(await subscriptionStatus(subscriptionId)).toBe('APPROVAL_PENDING');
    await approval.getByText('Then 9.99 USD per month until cancelled').waitFor();

    await decide(approval, 'approve');
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'approve', data: { subscriptionId, payerId: DEFAULT_BUYER.payerId, fundingSource: 'paypal' } },
      { type: 'complete', data: { paymentSessionState: 'approved' } },
    ]);
    const { result } = await subscriptions().getSubscription({ id: subscriptionId });
    expect(result.status).toBe('ACTIVE');
    expect(result.subscriber?.emailAddress).toBe(DEFAULT_BUYER.email);
  });

  it('calls onCancel when the buyer cancels on the consent page, and leaves the subscription APPROVAL_PENDING', async () => {
    const { page } = await openCheckout('?flow=subscription&mode=popup');
    const approval = await openApproval(page, subscribeButton(page));
    const subscriptionId = new URL(approval.url()).searchParams.get('subscription_id') ?? '';
    await decide(approval, 'cancel');
    await expect.poll(() => events(page), POLL).toEqual([
      { type: 'cancel', data: {} },
      { type: 'complete', data: { paymentSessionState: 'canceled' } },
    ]);
    expect(await subscriptionStatus(subscriptionId)).toBe('APPROVAL_PENDING');
  });
});

describe('what the sandbox serves at /paypal/web-sdk/v6/core', () => {
  it('serves the stand-in as a script any origin can load, revalidated with an ETag', async () => {
    const first = await fetch(`${t.paypalUrl}/web-sdk/v6/core`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(await first.text()).toContain('createInstance');
    const again = await fetch(`${t.paypalUrl}/web-sdk/v6/core`, { headers: { 'If-None-Match': first.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
    const post = await fetch(`${t.paypalUrl}/web-sdk/v6/core`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
