/*
 * The demo shop's own script (GET /js/demo, /js/demo/complete; ../demo.ts renders the pages):
 * what a shop writes around Stripe.js, kept as plain as Stripe's own quickstart, and typed with
 * @stripe/stripe-js as a shop's would be. `window.demo` exposes the Stripe objects for poking at
 * them from the console (and for the tests).
 */
'use strict';

import type {
  PaymentIntentResult,
  SetupIntentResult,
  StripeAddressElement,
  StripeCardElement,
  StripeError,
  StripeLinkAuthenticationElement,
  StripePaymentElement,
} from '@stripe/stripe-js';

/** The page's configuration, as ../demo.ts writes it into #demo-config. */
interface DemoConfig {
  publishableKey: string;
  amount: number;
  currency: string;
  mode: 'payment' | 'setup';
  flow: 'intent' | 'deferred';
  element: 'payment' | 'card';
  redirect: 'if_required' | 'always';
  address: 'none' | 'billing' | 'shipping';
  intentId: string | null;
  clientSecret: string | null;
  error: string | null;
}

type Outcome = PaymentIntentResult | SetupIntentResult | { error: Pick<StripeError, 'message'> };

function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The demo page has no #${id}.`);
  return node;
}

const config: DemoConfig = JSON.parse(byId('demo-config', HTMLScriptElement).textContent ?? '{}');
const message = byId('message', HTMLParagraphElement);

function show(text: string, state: string): void {
  message.textContent = text;
  message.dataset.state = state;
}

function formatAmount(amount: number, currency: string): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
  // Minor units to major by the currency's own exponent (0 for JPY, 2 for USD, 3 for KWD).
  const exponent = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amount / 10 ** exponent);
}

function outcome(result: Outcome): [text: string, state: string] {
  if (result.error) return [result.error.message ?? '', 'error'];
  const setup = 'setupIntent' in result;
  const intent = 'setupIntent' in result ? result.setupIntent : 'paymentIntent' in result ? result.paymentIntent : undefined;
  if (!intent) return ['Stripe.js answered with neither an intent nor an error.', 'error'];
  message.dataset.intent = intent.id;
  if (intent.status === 'succeeded') return [setup ? 'Card saved.' : 'Payment succeeded.', 'succeeded'];
  if (intent.status === 'requires_capture') return ['Payment authorised; capture it from the server.', 'succeeded'];
  if (intent.status === 'processing') return ['Payment processing.', 'pending'];
  return [`The ${setup ? 'SetupIntent' : 'PaymentIntent'} is ${intent.status}.`, 'error'];
}

/** The Stripe.js the page loaded: the sandbox's, from the <script> before this one. */
function stripeJs() {
  if (!window.Stripe) throw new Error('Stripe.js did not load from the sandbox.');
  return window.Stripe(config.publishableKey);
}

async function complete(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const stripe = stripeJs();
  const paymentSecret = params.get('payment_intent_client_secret');
  const setupSecret = params.get('setup_intent_client_secret');
  if (!paymentSecret && !setupSecret) {
    show('There is no payment to show: this page is where Stripe.js sends the customer back.', 'error');
    return;
  }
  const result = paymentSecret ? await stripe.retrievePaymentIntent(paymentSecret) : await stripe.retrieveSetupIntent(setupSecret ?? '');
  const [text, state] = outcome(result);
  show(`${text} (redirect_status: ${params.get('redirect_status')})`, state);
}

function checkout(): void {
  const button = byId('pay', HTMLButtonElement);
  if (config.intentId) message.dataset.intent = config.intentId;
  if (config.mode === 'payment') {
    const amount = formatAmount(config.amount, config.currency);
    byId('title', HTMLHeadingElement).textContent = `Pay ${amount}`;
    button.textContent = `Pay ${amount}`;
  }
  if (config.error) {
    show(config.error, 'error');
    return;
  }

  const stripe = stripeJs();
  const appearance = { theme: 'stripe', variables: { colorPrimary: '#635bff', borderRadius: '8px' } } as const;
  const elements =
    config.flow === 'deferred'
      ? stripe.elements(config.mode === 'setup' ? { mode: 'setup', currency: config.currency, appearance } : { mode: 'payment', amount: config.amount, currency: config.currency, appearance })
      : stripe.elements({ clientSecret: config.clientSecret ?? undefined, appearance });
  const element: StripeCardElement | StripePaymentElement =
    config.element === 'card' ? elements.create('card', { style: { base: { fontSize: '16px', color: '#1a1f36' } } }) : elements.create('payment', { layout: 'tabs' });
  // The two kinds of Element share these events; their typings list them per kind.
  const on = element.on.bind(element) as (type: string, handler: (event: { error?: { message?: string } }) => void) => void;
  const events: { type: string; event: unknown }[] = [];
  for (const type of ['ready', 'change', 'focus', 'blur', 'loaderror']) on(type, (event) => events.push({ type, event }));
  // The customer's email and address, above the card, in the Elements made for them.
  let contact: { email: StripeLinkAuthenticationElement; address: StripeAddressElement } | null = null;
  if (config.address !== 'none') {
    contact = {
      email: elements.create('linkAuthentication', { defaultValues: { email: '' } }),
      address: elements.create('address', { mode: config.address, autocomplete: { mode: 'disabled' } }),
    };
    // Their typings list each event per kind, as for the Payment and Card Elements.
    for (const contactElement of [contact.email, contact.address]) {
      const onContact = contactElement.on.bind(contactElement) as (type: string, handler: (event: unknown) => void) => void;
      for (const type of ['ready', 'change', 'focus', 'blur', 'loaderror']) onContact(type, (event) => events.push({ type, event }));
    }
    contact.email.mount('#link-authentication-element');
    contact.address.mount('#address-element');
  }
  Object.assign(window, { demo: { stripe, elements, element, contact, events, config } });
  on('ready', () => {
    button.disabled = false;
  });
  on('loaderror', (event) => show(event.error?.message ?? '', 'error'));
  if (config.element === 'card') {
    // The Card Element shows no messages of its own: the shop shows its change events' errors.
    on('change', (event) => show(event.error ? (event.error.message ?? '') : '', event.error ? 'error' : ''));
  }
  element.mount('#payment-element');

  const returnUrl = new URL('/js/demo/complete', location.href).toString();

  async function pay(): Promise<Outcome> {
    if (config.element === 'card') {
      const data = { payment_method: { card: element as StripeCardElement } };
      return config.mode === 'setup' ? stripe.confirmCardSetup(config.clientSecret ?? '', data) : stripe.confirmCardPayment(config.clientSecret ?? '', data);
    }
    let clientSecret = config.clientSecret ?? '';
    if (config.flow === 'deferred') {
      const submitted = await elements.submit();
      if (submitted.error) return { error: submitted.error };
      const response = await fetch('/js/demo/intents', {
        method: 'POST',
        body: new URLSearchParams({ amount: String(config.amount), currency: config.currency, mode: config.mode }),
      });
      const created: { id: string; client_secret: string } | { error: { message: string } } = await response.json();
      if ('error' in created) return created;
      clientSecret = created.client_secret;
      message.dataset.intent = created.id;
    }
    const confirmation = { elements, clientSecret, confirmParams: { return_url: returnUrl } };
    if (config.redirect === 'always') {
      // A successful confirmation leaves for the return URL: only an error comes back.
      return config.mode === 'setup' ? stripe.confirmSetup({ ...confirmation, redirect: 'always' }) : stripe.confirmPayment({ ...confirmation, redirect: 'always' });
    }
    return config.mode === 'setup' ? stripe.confirmSetup({ ...confirmation, redirect: 'if_required' }) : stripe.confirmPayment({ ...confirmation, redirect: 'if_required' });
  }

  byId('payment-form', HTMLFormElement).addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    show('Processing…', 'pending');
    try {
      const [text, state] = outcome(await pay());
      show(text, state);
    } catch (error) {
      show(error instanceof Error ? error.message : String(error), 'error');
    } finally {
      button.disabled = false;
    }
  });
}

if (document.body.dataset.page === 'complete') void complete();
else checkout();
