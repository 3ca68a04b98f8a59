import type http from 'node:http';
import net from 'node:net';

/**
 * A small shop page for developers (and the Stripe.js tests): GET /js/demo creates an intent in
 * this sandbox and pays it through the Stripe.js stand-in with the real flow. Query parameters:
 * `amount` (minor units), `currency`, `mode=payment|setup`, `flow=intent|deferred` (create the
 * intent before or after elements.submit()), `element=payment|card`, `redirect=if_required|always`,
 * `address=billing|shipping` (an email and an address above the Payment Element, in the Link
 * Authentication and Address Elements), and `client_secret` to confirm an intent made elsewhere
 * (a SetupIntent for a subscriber's new card, say) instead of a new one.
 */

// The demo is a shop of its own: any test-mode keys work, these name it in the sandbox's data.
const DEMO_SECRET_KEY = 'sk_test_billfold_sandbox_demo';
export const DEMO_PUBLISHABLE_KEY = 'pk_test_billfold_sandbox_demo';

interface DemoOptions {
  amount: number;
  currency: string;
  mode: 'payment' | 'setup';
  flow: 'intent' | 'deferred';
  element: 'payment' | 'card';
  redirect: 'if_required' | 'always';
  /** Which address the page asks for with the Address Element, if any (with the Payment Element only). */
  address: 'none' | 'billing' | 'shipping';
  /** An existing intent's client secret: the page confirms that intent. */
  clientSecret: string | null;
}

interface CreatedIntent {
  id: string;
  client_secret: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON for a <script type="application/json"> block: `<` escaped so no `</script>` can close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.find((item) => item === value) ?? fallback;
}

function parseOptions(params: URLSearchParams): DemoOptions | string {
  const amountText = params.get('amount') ?? '1999';
  const amount = Number(amountText);
  if (!/^\d+$/.test(amountText) || !Number.isSafeInteger(amount) || amount < 1 || amount > 99_999_999) return 'amount must be a whole number of minor units between 1 and 99999999.';
  const currency = (params.get('currency') ?? 'usd').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) return 'currency must be a three-letter ISO code, such as usd.';
  const element = oneOf(params.get('element'), ['payment', 'card'] as const, 'payment');
  const clientSecret = params.get('client_secret');
  if (clientSecret !== null && !/^(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+$/.test(clientSecret)) return 'client_secret must be a PaymentIntent’s or SetupIntent’s client secret.';
  return {
    amount,
    currency,
    // An existing intent says what it is: a SetupIntent is confirmed with confirmSetup.
    mode: clientSecret ? (clientSecret.startsWith('seti_') ? 'setup' : 'payment') : oneOf(params.get('mode'), ['payment', 'setup'] as const, 'payment'),
    clientSecret,
    // The Card Element confirms with a client secret it already has.
    flow: element === 'card' || clientSecret ? 'intent' : oneOf(params.get('flow'), ['intent', 'deferred'] as const, 'intent'),
    element,
    redirect: oneOf(params.get('redirect'), ['if_required', 'always'] as const, 'if_required'),
    address: element === 'card' ? 'none' : oneOf(params.get('address'), ['none', 'billing', 'shipping'] as const, 'none'),
  };
}

function isCreatedIntent(value: unknown): value is CreatedIntent {
  if (typeof value !== 'object' || value === null) return false;
  const { id, client_secret } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof client_secret === 'string';
}

function errorMessage(value: unknown, status: number): string {
  const error = typeof value === 'object' && value !== null ? (value as { error?: { message?: unknown } }).error : undefined;
  return typeof error?.message === 'string' ? error.message : `The sandbox answered HTTP ${status}.`;
}

/**
 * Creates the intent through this sandbox's own API, as a shop's server would: over HTTP to the
 * address this request arrived on, so it goes through the same routes, checks and events.
 */
async function createIntent(request: http.IncomingMessage, mode: 'payment' | 'setup', amount: number, currency: string): Promise<CreatedIntent | { error: string }> {
  const address = request.socket.localAddress ?? '127.0.0.1';
  const host = net.isIPv6(address) ? `[${address}]` : address;
  const body = new URLSearchParams({ description: 'Billfold sandbox Stripe.js demo', 'metadata[source]': 'stripe-js-demo' });
  if (mode === 'payment') {
    body.set('amount', String(amount));
    body.set('currency', currency);
  }
  try {
    const response = await fetch(`http://${host}:${request.socket.localPort}/v1/${mode === 'payment' ? 'payment_intents' : 'setup_intents'}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${DEMO_SECRET_KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    const json: unknown = await response.json().catch(() => null);
    if (response.ok && isCreatedIntent(json)) return { id: json.id, client_secret: json.client_secret };
    return { error: errorMessage(json, response.status) };
  } catch (error) {
    return { error: `The sandbox could not reach its own API: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string) {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(body);
}

const STYLE = `*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:#f6f7fb;color:#1a1f36;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Ubuntu,sans-serif}
.shell{max-width:980px;margin:0 auto;padding:48px 20px;display:grid;grid-template-columns:minmax(0,1.4fr) minmax(0,1fr);gap:28px;align-items:start}
header{grid-column:1/-1}
.eyebrow{margin:0 0 6px;color:#635bff;font-weight:600;font-size:13px;letter-spacing:.06em;text-transform:uppercase}
h1{margin:0;font-size:30px;letter-spacing:-.01em}
h2{margin:0 0 12px;font-size:15px}
h2.spaced{margin-top:20px}
.lede{margin:6px 0 0;color:#596171}
.panel{background:#fff;border:1px solid #e3e8ee;border-radius:14px;padding:24px;box-shadow:0 1px 2px rgba(16,24,40,.04),0 8px 24px rgba(16,24,40,.05)}
#payment-element{min-height:40px}
#payment-element.card-element{padding:12px 14px;border:1px solid #e3e8ee;border-radius:8px;background:#fff}
#payment-element.card-element.StripeElement--focus{border-color:#a5a1ff;box-shadow:0 0 0 3px rgba(99,91,255,.18)}
#payment-element.card-element.StripeElement--invalid{border-color:#df1b41}
#pay{margin-top:16px;width:100%;padding:12px 16px;border:0;border-radius:8px;background:#635bff;color:#fff;font:inherit;font-weight:600;cursor:pointer;transition:background .15s}
#pay:hover{background:#5249e6}
#pay:disabled{background:#b5b2f5;cursor:default}
#message{margin:14px 0 0;min-height:1.5em}
#message[data-state=error]{color:#df1b41}
#message[data-state=succeeded]{color:#0e7a4c;font-weight:600}
#message[data-state=pending]{color:#596171}
table{width:100%;border-collapse:collapse;font-size:14px}
td{padding:6px 0;border-top:1px solid #eef0f4;vertical-align:top}
td:first-child{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;white-space:nowrap;padding-right:12px}
.hint{color:#596171;font-size:13px;margin:12px 0 0}
nav a{display:block;color:#635bff;text-decoration:none;font-size:14px;padding:3px 0}
nav a:hover{text-decoration:underline}
@media (max-width:760px){.shell{grid-template-columns:1fr;padding:24px 16px}}`;

// 5555 5555 5555 4444 is left out on purpose: the tests type it to check that no card number
// reaches the shop's page, which would be meaningless if the page listed it.
const TEST_CARDS: [number: string, outcome: string][] = [
  ['4242 4242 4242 4242', 'Succeeds'],
  ['4000 0000 0000 0002', 'Declined'],
  ['4000 0000 0000 9995', 'Declined: insufficient funds'],
  ['4000 0027 6000 3184', '3-D Secure on every payment'],
  ['4000 0025 0000 3155', '3-D Secure until set up for off-session'],
  ['4000 0000 0000 0259', 'Succeeds, then disputed'],
];

function layout(sandboxOrigin: string, title: string, page: 'checkout' | 'complete', main: string, config: unknown): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Billfold sandbox</title>
<script src="${escapeHtml(sandboxOrigin)}/js/stripe.js"></script>
<style>${STYLE}</style></head>
<body data-page="${page}">
${main}
<script type="application/json" id="demo-config">${scriptJson(config)}</script>
<script src="/js/demo.js"></script>
</body></html>`;
}

function checkoutPage(sandboxOrigin: string, options: DemoOptions, intent: CreatedIntent | { error: string } | null): string {
  const query = (changes: Record<string, string>) =>
    `/js/demo?${new URLSearchParams({ amount: String(options.amount), currency: options.currency, ...changes }).toString()}`;
  const flows: [string, string][] = [
    ['Payment Element, intent created first', query({})],
    ['Payment Element, intent created after submit', query({ flow: 'deferred' })],
    ['Card Element', query({ element: 'card' })],
    ['Email and billing address', query({ address: 'billing' })],
    ['Email and shipping address', query({ address: 'shipping' })],
    ['Redirect to the return URL after paying', query({ redirect: 'always' })],
    ['Save a card (SetupIntent)', query({ mode: 'setup' })],
  ];
  const main = `<main class="shell">
<header><p class="eyebrow">Billfold sandbox · Stripe.js</p><h1 id="title">${options.mode === 'setup' ? 'Save a card' : 'Checkout'}</h1>
<p class="lede">${options.flow === 'deferred' ? 'The PaymentIntent is created when you press the button, after the card details are checked.' : `A ${options.mode === 'setup' ? 'SetupIntent' : 'PaymentIntent'} was just created in this sandbox; pay it as a customer would.`}</p></header>
<form id="payment-form" class="panel">
${options.address === 'none' ? '' : `<h2>Contact</h2><div id="link-authentication-element"></div><h2 class="spaced">${options.address === 'billing' ? 'Billing address' : 'Shipping address'}</h2><div id="address-element"></div><h2 class="spaced">Payment</h2>`}
<div id="payment-element" class="${options.element}-element"></div>
<button id="pay" type="submit" disabled>${options.mode === 'setup' ? 'Save card' : 'Pay'}</button>
<p id="message" role="status" aria-live="polite"></p>
</form>
<aside class="panel">
<h2>Test cards</h2>
<table>${TEST_CARDS.map(([number, outcome]) => `<tr><td>${number}</td><td>${escapeHtml(outcome)}</td></tr>`).join('')}</table>
<p class="hint">Any future expiration date, any security code, any ZIP.</p>
<h2 class="spaced">Other flows</h2>
<nav>${flows.map(([label, href]) => `<a href="${escapeHtml(href)}">${escapeHtml(label)}</a>`).join('')}</nav>
</aside>
</main>`;
  const config = {
    ...options,
    publishableKey: DEMO_PUBLISHABLE_KEY,
    intentId: intent && 'id' in intent ? intent.id : null,
    clientSecret: intent && 'client_secret' in intent ? intent.client_secret : null,
    error: intent && 'error' in intent ? intent.error : null,
  };
  return layout(sandboxOrigin, options.mode === 'setup' ? 'Save a card' : 'Checkout', 'checkout', main, config);
}

function completePage(sandboxOrigin: string): string {
  const main = `<main class="shell"><header><p class="eyebrow">Billfold sandbox · Stripe.js</p><h1>Back from the payment</h1>
<p class="lede">Stripe.js sent the customer here with the intent's id, client secret and redirect status.</p></header>
<section class="panel"><p id="message" role="status" aria-live="polite" data-state="pending">Checking the payment…</p>
<nav><a href="/js/demo">Start another payment</a></nav></section></main>`;
  return layout(sandboxOrigin, 'Payment result', 'complete', main, { publishableKey: DEMO_PUBLISHABLE_KEY });
}

/** GET /js/demo, GET /js/demo/complete and POST /js/demo/intents (for the deferred flow). */
export async function handleDemo(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
  if (url.pathname === '/js/demo/intents') {
    if (request.method !== 'POST') return send(response, 405, 'text/plain; charset=utf-8', 'Use POST.');
    let text = '';
    for await (const chunk of request) {
      text += String(chunk);
      if (text.length > 4096) return send(response, 413, 'application/json', JSON.stringify({ error: { message: 'Request too large.' } }));
    }
    const options = parseOptions(new URLSearchParams(text));
    if (typeof options === 'string') return send(response, 400, 'application/json', JSON.stringify({ error: { message: options } }));
    const intent = await createIntent(request, options.mode, options.amount, options.currency);
    return send(response, 'error' in intent ? 502 : 200, 'application/json', JSON.stringify('error' in intent ? { error: { message: intent.error } } : intent));
  }
  if (url.pathname === '/js/demo/complete') return send(response, 200, 'text/html; charset=utf-8', completePage(url.origin));
  const options = parseOptions(url.searchParams);
  if (typeof options === 'string') return send(response, 400, 'text/html; charset=utf-8', `<p>${escapeHtml(options)}</p>`);
  const existing = options.clientSecret ? { id: options.clientSecret.split('_secret_')[0] ?? '', client_secret: options.clientSecret } : null;
  const intent = existing ?? (options.flow === 'deferred' ? null : await createIntent(request, options.mode, options.amount, options.currency));
  return send(response, 200, 'text/html; charset=utf-8', checkoutPage(url.origin, options, intent));
}
