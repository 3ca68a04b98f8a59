/*
 * The demo shop's own script (GET /js/demo, /js/demo/complete): what a shop writes around
 * Stripe.js, kept as plain as Stripe's own quickstart. `window.demo` exposes the Stripe objects
 * for poking at them from the console (and for the tests).
 */
(() => {
  'use strict';

  const config = JSON.parse(document.getElementById('demo-config').textContent);
  const message = document.getElementById('message');

  function show(text, state) {
    message.textContent = text;
    message.dataset.state = state;
  }

  function formatAmount(amount, currency) {
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() });
    // Minor units to major by the currency's own exponent (0 for JPY, 2 for USD, 3 for KWD).
    const exponent = format.resolvedOptions().maximumFractionDigits;
    return format.format(amount / 10 ** exponent);
  }

  function outcome(result) {
    if (result.error) return [result.error.message, 'error'];
    const intent = result.paymentIntent || result.setupIntent;
    message.dataset.intent = intent.id;
    if (intent.status === 'succeeded') return [result.setupIntent ? 'Card saved.' : 'Payment succeeded.', 'succeeded'];
    if (intent.status === 'requires_capture') return ['Payment authorised; capture it from the server.', 'succeeded'];
    if (intent.status === 'processing') return ['Payment processing.', 'pending'];
    return [`The ${result.setupIntent ? 'SetupIntent' : 'PaymentIntent'} is ${intent.status}.`, 'error'];
  }

  async function complete() {
    const params = new URLSearchParams(location.search);
    const stripe = Stripe(config.publishableKey);
    const paymentSecret = params.get('payment_intent_client_secret');
    const setupSecret = params.get('setup_intent_client_secret');
    if (!paymentSecret && !setupSecret) {
      show('There is no payment to show: this page is where Stripe.js sends the customer back.', 'error');
      return;
    }
    const result = paymentSecret ? await stripe.retrievePaymentIntent(paymentSecret) : await stripe.retrieveSetupIntent(setupSecret);
    const [text, state] = outcome(result);
    show(`${text} (redirect_status: ${params.get('redirect_status')})`, state);
  }

  function checkout() {
    const button = document.getElementById('pay');
    if (config.intentId) message.dataset.intent = config.intentId;
    if (config.mode === 'payment') {
      const amount = formatAmount(config.amount, config.currency);
      document.getElementById('title').textContent = `Pay ${amount}`;
      button.textContent = `Pay ${amount}`;
    }
    if (config.error) {
      show(config.error, 'error');
      return;
    }

    const stripe = Stripe(config.publishableKey);
    const appearance = { theme: 'stripe', variables: { colorPrimary: '#635bff', borderRadius: '8px' } };
    const elements =
      config.flow === 'deferred'
        ? stripe.elements(config.mode === 'setup' ? { mode: 'setup', currency: config.currency, appearance } : { mode: 'payment', amount: config.amount, currency: config.currency, appearance })
        : stripe.elements({ clientSecret: config.clientSecret, appearance });
    const element = config.element === 'card' ? elements.create('card', { style: { base: { fontSize: '16px', color: '#1a1f36' } } }) : elements.create('payment', { layout: 'tabs' });
    const events = [];
    window.demo = { stripe, elements, element, events, config };
    for (const type of ['ready', 'change', 'focus', 'blur', 'loaderror']) element.on(type, (event) => events.push({ type, event }));
    element.on('ready', () => {
      button.disabled = false;
    });
    element.on('loaderror', (event) => show(event.error.message, 'error'));
    if (config.element === 'card') {
      // The Card Element shows no messages of its own: the shop shows its change events' errors.
      element.on('change', (event) => show(event.error ? event.error.message : '', event.error ? 'error' : ''));
    }
    element.mount('#payment-element');

    const returnUrl = new URL('/js/demo/complete', location.href).toString();

    async function pay() {
      if (config.element === 'card') {
        const data = { payment_method: { card: element } };
        return config.mode === 'setup' ? stripe.confirmCardSetup(config.clientSecret, data) : stripe.confirmCardPayment(config.clientSecret, data);
      }
      let clientSecret = config.clientSecret;
      if (config.flow === 'deferred') {
        const submitted = await elements.submit();
        if (submitted.error) return submitted;
        const response = await fetch('/js/demo/intents', {
          method: 'POST',
          body: new URLSearchParams({ amount: String(config.amount), currency: config.currency, mode: config.mode }),
        });
        const created = await response.json();
        if (created.error) return created;
        clientSecret = created.client_secret;
        message.dataset.intent = created.id;
      }
      const confirm = config.mode === 'setup' ? stripe.confirmSetup : stripe.confirmPayment;
      return confirm.call(stripe, { elements, clientSecret, confirmParams: { return_url: returnUrl }, redirect: config.redirect });
    }

    document.getElementById('payment-form').addEventListener('submit', async (event) => {
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
})();
