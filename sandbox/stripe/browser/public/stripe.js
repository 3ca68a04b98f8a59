/*
 * The Billfold sandbox's stand-in for Stripe.js, served at /js/stripe.js.
 *
 * Include it with a plain <script> before @stripe/stripe-js looks for `window.Stripe`; loadStripe()
 * then uses it instead of injecting https://js.stripe.com. The API it calls is this script's own
 * origin (the sandbox). Card details are typed into an iframe served by the sandbox
 * (/elements/frame), which creates the PaymentMethod itself: this script, running in the shop's
 * page, only ever sees the resulting PaymentMethod. Script and frame talk with postMessage and
 * check each other's origin and window.
 */
(() => {
  'use strict';

  if (window.Stripe && window.Stripe.__billfoldSandbox) return;

  // The release train @stripe/stripe-js expects (its RELEASE_TRAIN); it warns when a test-mode
  // page loads another. sandbox/stripe/tests/stripe-js.test.ts keeps the two in step.
  const RELEASE_TRAIN = 'endive';
  const MESSAGE_SOURCE = 'billfold-stripe-js';
  const SANDBOX_ORIGIN = scriptOrigin();
  const FRAME_TIMEOUT_MS = 20000;

  function scriptOrigin() {
    const current = document.currentScript;
    const candidates = current && current.src ? [current] : Array.from(document.querySelectorAll('script[src*="/js/stripe.js"]'));
    for (const script of candidates) {
      try {
        return new URL(script.src, location.href).origin;
      } catch {
        // An unparsable src: try the next one.
      }
    }
    return location.origin;
  }

  /** Stripe.js throws these for mistakes in the integration (as opposed to the customer's input). */
  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = 'IntegrationError';
    }
  }

  class Emitter {
    constructor() {
      this._handlers = new Map();
    }

    on(type, handler) {
      if (typeof handler !== 'function') {
        throw new IntegrationError(`When adding an event listener, the second argument should be a function. You specified: ${typeof handler}.`);
      }
      const list = this._handlers.get(type) || [];
      list.push(handler);
      this._handlers.set(type, list);
      return this;
    }

    once(type, handler) {
      const wrapped = (event) => {
        this.off(type, wrapped);
        handler(event);
      };
      wrapped.original = handler;
      return this.on(type, wrapped);
    }

    off(type, handler) {
      const list = this._handlers.get(type);
      if (!list) return this;
      if (!handler) this._handlers.delete(type);
      else this._handlers.set(type, list.filter((item) => item !== handler && item.original !== handler));
      return this;
    }

    addEventListener(type, handler) {
      return this.on(type, handler);
    }

    removeEventListener(type, handler) {
      return this.off(type, handler);
    }

    _emit(type, event) {
      for (const handler of [...(this._handlers.get(type) || [])]) {
        try {
          handler(event);
        } catch (error) {
          // A throwing listener must not stop the others, nor this script.
          setTimeout(() => {
            throw error;
          });
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The API

  /** Stripe's form encoding: `a[b]=1`, `list[0]=x`; null sends '' (unset), undefined nothing. */
  function encodeForm(params) {
    const pairs = [];
    const add = (key, value) => {
      if (value === undefined || typeof value === 'function') return;
      if (value === null) pairs.push([key, '']);
      else if (Array.isArray(value)) value.forEach((item, index) => add(`${key}[${index}]`, item));
      else if (typeof value === 'object') for (const [inner, item] of Object.entries(value)) add(`${key}[${inner}]`, item);
      else pairs.push([key, String(value)]);
    };
    for (const [key, value] of Object.entries(params || {})) add(key, value);
    return new URLSearchParams(pairs).toString();
  }

  async function callApi(key, method, path, params) {
    const url = new URL(path, SANDBOX_ORIGIN);
    const init = { method, headers: { Authorization: `Bearer ${key}` }, credentials: 'omit' };
    const encoded = encodeForm(params);
    if (method === 'GET') url.search = encoded;
    else {
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = encoded;
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch {
      return { error: { type: 'api_connection_error', message: `Could not reach the Billfold sandbox at ${SANDBOX_ORIGIN}. Is it running?` } };
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON: reported below.
    }
    if (!response.ok || !body || body.error) {
      return { error: (body && body.error) || { type: 'api_error', message: `The Billfold sandbox answered HTTP ${response.status}.` } };
    }
    return { data: body };
  }

  const INTENTS = {
    payment: {
      prefix: 'pi_',
      path: 'payment_intents',
      result: 'paymentIntent',
      errorKey: 'payment_intent',
      lastError: 'last_payment_error',
      query: 'payment_intent',
    },
    setup: {
      prefix: 'seti_',
      path: 'setup_intents',
      result: 'setupIntent',
      errorKey: 'setup_intent',
      lastError: 'last_setup_error',
      query: 'setup_intent',
    },
  };

  /** The intent a client secret (`pi_…_secret_…`) belongs to, or an IntegrationError. */
  function parseClientSecret(value, method, expected) {
    const match = typeof value === 'string' ? /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(value) : null;
    const kind = match ? (match[2] === 'pi' ? 'payment' : 'setup') : null;
    if (!match || (expected && kind !== expected)) {
      const form = expected === 'setup' ? '${id}_secret_${secret} (a SetupIntent)' : expected === 'payment' ? '${id}_secret_${secret} (a PaymentIntent)' : '${id}_secret_${secret}';
      throw new IntegrationError(`Invalid value for ${method}: clientSecret should be a client secret of the form ${form}. You specified: ${String(value)}.`);
    }
    return { kind, id: match[1] };
  }

  function checkReturnUrl(value, method) {
    if (value === undefined) return;
    try {
      new URL(value);
    } catch {
      throw new IntegrationError(`Invalid value for ${method}: return_url should be an absolute URL. You specified: ${String(value)}.`);
    }
  }

  function navigate(url) {
    window.location.assign(url);
    // As Stripe.js: the page is leaving, so the promise never settles.
    return new Promise(() => {});
  }

  function redirectStatus(status) {
    if (status === 'succeeded' || status === 'requires_capture') return 'succeeded';
    if (status === 'processing') return 'processing';
    return 'failed';
  }

  // ---------------------------------------------------------------------------------------------
  // 3-D Secure: the issuer's challenge in a modal iframe

  let challengeCount = 0;

  /** Shows the challenge page and resolves when it reports the outcome (Complete, Fail or ×). */
  function authenticate(challengeUrl) {
    return new Promise((resolve) => {
      const challenge = new URL(challengeUrl);
      const overlay = document.createElement('div');
      overlay.setAttribute('data-billfold-stripe-3ds', '');
      overlay.style.cssText =
        'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;justify-content:center;background:rgba(10,14,31,.55);';
      const dialog = document.createElement('div');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.setAttribute('aria-label', '3D Secure authentication');
      dialog.style.cssText =
        'position:relative;width:min(440px,calc(100vw - 24px));height:min(480px,calc(100vh - 24px));background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 24px 64px rgba(0,0,0,.35);';
      const frame = document.createElement('iframe');
      frame.name = `__privateStripe3DSFrame${++challengeCount}`;
      frame.title = '3D Secure authentication';
      frame.src = challenge.toString();
      frame.style.cssText = 'border:0;width:100%;height:100%;display:block;';
      dialog.appendChild(frame);

      // Closing the dialog fails the authentication, as cancelling Stripe's does.
      const clientSecret = challenge.searchParams.get('client_secret');
      if (/^\/3ds\/challenge\/[A-Za-z0-9_]+$/.test(challenge.pathname) && clientSecret) {
        const close = document.createElement('button');
        close.type = 'button';
        close.textContent = '×';
        close.setAttribute('aria-label', 'Cancel authentication');
        close.style.cssText =
          'position:absolute;top:8px;right:10px;width:32px;height:32px;border:0;border-radius:16px;background:transparent;color:#545969;font:24px/32px system-ui,sans-serif;cursor:pointer;';
        close.addEventListener('click', () => {
          const form = document.createElement('form');
          form.method = 'post';
          form.action = `${challenge.origin}${challenge.pathname}/fail`;
          form.target = frame.name;
          form.style.display = 'none';
          const secret = document.createElement('input');
          secret.type = 'hidden';
          secret.name = 'client_secret';
          secret.value = clientSecret;
          form.appendChild(secret);
          document.body.appendChild(form);
          form.submit();
          form.remove();
        });
        dialog.appendChild(close);
      }
      overlay.appendChild(dialog);

      const previousOverflow = document.body.style.overflow;
      const onMessage = (event) => {
        if (event.source !== frame.contentWindow || event.origin !== challenge.origin) return;
        const data = event.data;
        if (!data || typeof data !== 'object' || data.type !== 'billfold-sandbox-3ds') return;
        window.removeEventListener('message', onMessage);
        overlay.remove();
        document.body.style.overflow = previousOverflow;
        resolve(data);
      };
      window.addEventListener('message', onMessage);
      document.body.appendChild(overlay);
      document.body.style.overflow = 'hidden';
      frame.focus();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Elements

  const liveFrames = new Map();
  let frameCount = 0;

  window.addEventListener('message', (event) => {
    if (event.origin !== SANDBOX_ORIGIN) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.source !== MESSAGE_SOURCE) return;
    const element = liveFrames.get(data.frameId);
    if (!element || !element._frame || event.source !== element._frame.contentWindow) return;
    element._receive(data);
  });

  const ELEMENT_TYPES = {
    payment: { initialHeight: 230 },
    card: { initialHeight: 22 },
  };

  /** Structured-cloneable copy of options (functions and the like dropped). */
  function plain(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  class Element extends Emitter {
    constructor(group, type, options) {
      super();
      this._group = group;
      this._type = type;
      this._options = { ...(options || {}) };
      this._id = `${type}-${++frameCount}-${Math.random().toString(36).slice(2, 10)}`;
      this._frame = null;
      this._container = null;
      this._wrapper = null;
      this._loaded = false;
      this._ready = false;
      this._loadError = null;
      this._queue = [];
      this._waiting = [];
      this._pending = new Map();
      this._requestCount = 0;
      this._destroyed = false;
      this._state = { empty: true, complete: false, invalid: false, focused: false };
    }

    mount(target) {
      if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
      if (this._frame) throw new IntegrationError('This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting.');
      const node = typeof target === 'string' ? document.querySelector(target) : target;
      if (typeof target === 'string' && !node) {
        throw new IntegrationError(`The selector you specified (${target}) applies to no DOM elements that are currently on the page.\nMake sure the element exists on the page before calling mount().`);
      }
      if (!(node instanceof window.HTMLElement)) {
        throw new IntegrationError('Invalid DOM element. Make sure to call mount() with a valid DOM element or selector.');
      }
      const wrapper = document.createElement('div');
      wrapper.className = '__PrivateStripeElement';
      wrapper.style.cssText =
        'margin:0!important;padding:0!important;border:none!important;display:block!important;background:transparent!important;position:relative!important;opacity:1!important;';
      const frame = document.createElement('iframe');
      frame.name = `__privateStripeFrame${this._id}`;
      frame.title = 'Secure payment input frame';
      frame.setAttribute('frameborder', '0');
      frame.setAttribute('allowtransparency', 'true');
      frame.setAttribute('scrolling', 'no');
      frame.allow = 'payment *';
      frame.style.cssText = `border:none!important;margin:0!important;padding:0!important;width:1px!important;min-width:100%!important;overflow:hidden!important;display:block!important;user-select:none!important;color-scheme:normal!important;height:${ELEMENT_TYPES[this._type].initialHeight}px;`;
      const hash = new URLSearchParams({ origin: location.origin, id: this._id });
      frame.src = `${SANDBOX_ORIGIN}/elements/frame?type=${this._type}#${hash}`;
      wrapper.appendChild(frame);
      node.appendChild(wrapper);
      this._container = node;
      this._wrapper = wrapper;
      this._frame = frame;
      liveFrames.set(this._id, this);
      this._syncClasses();
      this._emit('loaderstart', { elementType: this._type });
    }

    unmount() {
      if (!this._frame) return;
      liveFrames.delete(this._id);
      this._wrapper.remove();
      const classes = this._classes();
      this._container.classList.remove(classes.base, classes.empty, classes.complete, classes.invalid, classes.focus);
      this._frame = null;
      this._wrapper = null;
      this._container = null;
      this._loaded = false;
      this._ready = false;
      this._abandon('The Element was unmounted before it answered.');
    }

    destroy() {
      if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
      this.unmount();
      this._destroyed = true;
      this._group._forget(this);
      this._handlers.clear();
    }

    update(options) {
      if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
      Object.assign(this._options, options || {});
      this._post('update', { options: plain(this._options) });
      return this;
    }

    focus() {
      this._post('focus');
      return this;
    }

    blur() {
      this._post('blur');
      return this;
    }

    clear() {
      this._post('clear');
      return this;
    }

    collapse() {
      return this;
    }

    _classes() {
      return {
        base: 'StripeElement',
        complete: 'StripeElement--complete',
        empty: 'StripeElement--empty',
        focus: 'StripeElement--focus',
        invalid: 'StripeElement--invalid',
        ...(this._options.classes || {}),
      };
    }

    _syncClasses() {
      const node = this._container;
      if (!node) return;
      const classes = this._classes();
      node.classList.add(classes.base);
      node.classList.toggle(classes.empty, this._state.empty);
      node.classList.toggle(classes.complete, this._state.complete);
      node.classList.toggle(classes.invalid, this._state.invalid);
      node.classList.toggle(classes.focus, this._state.focused);
    }

    _frameConfig() {
      const group = this._group;
      return {
        key: group._stripe._key,
        elementType: this._type,
        options: plain(this._options),
        group: plain({
          appearance: group._options.appearance,
          clientSecret: group._options.clientSecret,
          mode: group._mode(),
          locale: group._options.locale,
        }),
      };
    }

    _post(type, payload) {
      if (!this._frame) return;
      if (!this._loaded) {
        this._queue.push([type, payload]);
        return;
      }
      this._frame.contentWindow.postMessage({ source: MESSAGE_SOURCE, frameId: this._id, type, ...(payload || {}) }, SANDBOX_ORIGIN);
    }

    _receive(message) {
      switch (message.type) {
        case 'load': {
          // Also after the frame reloaded (moving an iframe in the DOM reloads it).
          this._abandon('The payment form reloaded before it answered.');
          this._loaded = true;
          this._ready = false;
          this._loadError = null;
          this._post('init', { config: this._frameConfig() });
          const queued = this._queue.splice(0);
          for (const [type, payload] of queued) this._post(type, payload);
          break;
        }
        case 'ready':
          this._ready = true;
          for (const waiter of this._waiting.splice(0)) waiter.resolve();
          this._emit('ready', { elementType: this._type });
          break;
        case 'loaderror':
          this._loadError = message.error;
          for (const waiter of this._waiting.splice(0)) waiter.resolve();
          this._emit('loaderror', { elementType: this._type, error: message.error });
          break;
        case 'change': {
          const event = message.event;
          if (message.valueChanged) this._group._changed();
          this._state.empty = event.empty;
          this._state.complete = event.complete;
          this._state.invalid = Boolean(event.error);
          this._syncClasses();
          this._emit('change', { elementType: this._type, ...event });
          break;
        }
        case 'focus':
          this._state.focused = true;
          this._syncClasses();
          this._emit('focus', { elementType: this._type });
          break;
        case 'blur':
          this._state.focused = false;
          this._syncClasses();
          this._emit('blur', { elementType: this._type });
          break;
        case 'escape':
          this._emit('escape', { elementType: this._type });
          break;
        case 'resize':
          if (this._frame && Number.isFinite(message.height)) this._frame.style.height = `${Math.ceil(message.height)}px`;
          break;
        case 'response': {
          const pending = this._pending.get(message.requestId);
          if (pending) {
            this._pending.delete(message.requestId);
            pending.resolve(message.result);
          }
          break;
        }
        default:
          break;
      }
    }

    _abandon(message) {
      for (const pending of this._pending.values()) pending.resolve({ error: { type: 'api_connection_error', message } });
      this._pending.clear();
    }

    _whenReady() {
      if (this._ready || this._loadError) return Promise.resolve();
      return new Promise((resolve) => {
        const waiter = { resolve };
        this._waiting.push(waiter);
        setTimeout(() => {
          const index = this._waiting.indexOf(waiter);
          if (index === -1) return;
          this._waiting.splice(index, 1);
          this._loadError = this._loadError || { type: 'api_connection_error', message: `The payment form did not load from the Billfold sandbox at ${SANDBOX_ORIGIN}.` };
          resolve();
        }, FRAME_TIMEOUT_MS);
      });
    }

    /** Asks the frame to do something; resolves with its answer (`{error}` when it cannot). */
    async _request(type, payload) {
      if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
      if (!this._frame) throw new IntegrationError(`The ${this._type} Element is not mounted. Call mount() before confirming or submitting.`);
      await this._whenReady();
      if (this._loadError) return { error: this._loadError };
      if (!this._frame) return { error: { type: 'api_connection_error', message: 'The Element was unmounted.' } };
      return new Promise((resolve) => {
        const requestId = ++this._requestCount;
        this._pending.set(requestId, { resolve });
        this._post(type, { requestId, ...(payload || {}) });
      });
    }

    _validate() {
      return this._request('validate');
    }

    /** The frame validates, creates the PaymentMethod and answers `{paymentMethod}` or `{error}`. */
    _createPaymentMethod(billingDetails, metadata) {
      return this._request('tokenize', { billingDetails: plain(billingDetails), metadata: plain(metadata) });
    }
  }

  const ELEMENTS_MODES = ['payment', 'setup', 'subscription'];

  class Elements extends Emitter {
    constructor(stripe, options) {
      super();
      if (options !== undefined && (options === null || typeof options !== 'object')) {
        throw new IntegrationError('Invalid value for elements(): options should be an object.');
      }
      this._stripe = stripe;
      this._options = { ...(options || {}) };
      this._elements = new Map();
      this._submitted = false;
      if (this._options.clientSecret !== undefined) {
        parseClientSecret(this._options.clientSecret, 'elements()');
        if (this._options.mode !== undefined) throw new IntegrationError('elements(): pass either clientSecret or mode, not both.');
      } else if (this._options.mode !== undefined) {
        this._checkMode(this._options);
      }
    }

    _checkMode(options) {
      if (!ELEMENTS_MODES.includes(options.mode)) {
        throw new IntegrationError(`Invalid value for elements(): mode should be one of the following strings: ${ELEMENTS_MODES.join(', ')}. You specified: ${String(options.mode)}.`);
      }
      if (options.mode !== 'setup' && !(Number.isInteger(options.amount) && options.amount >= 0)) {
        throw new IntegrationError(`Invalid value for elements(): amount should be a non-negative integer in the currency's minor unit when mode is ${options.mode}. You specified: ${String(options.amount)}.`);
      }
      if (options.mode !== 'setup' && !(typeof options.currency === 'string' && /^[a-zA-Z]{3}$/.test(options.currency))) {
        throw new IntegrationError(`Invalid value for elements(): currency should be a three-letter ISO currency code when mode is ${options.mode}. You specified: ${String(options.currency)}.`);
      }
    }

    /** 'payment' | 'setup' | 'subscription' | null: from the client secret or the deferred mode. */
    _mode() {
      if (this._options.clientSecret) return parseClientSecret(this._options.clientSecret, 'elements()').kind;
      return this._options.mode || null;
    }

    get _deferred() {
      return !this._options.clientSecret && Boolean(this._options.mode);
    }

    create(type, options) {
      if (!Object.hasOwn(ELEMENT_TYPES, type)) {
        throw new IntegrationError(`The Billfold sandbox's Stripe.js supports the "payment" and "card" Elements; "${String(type)}" is not available offline.`);
      }
      if (this._elements.has(type)) throw new IntegrationError(`Can only create one Element of type ${type}.`);
      if (type === 'payment' && !this._options.clientSecret && !this._options.mode) {
        throw new IntegrationError(
          'In order to create a payment element, you must pass a valid PaymentIntent or SetupIntent client secret when creating the Elements group, or a mode (with amount and currency).\n\n  e.g. stripe.elements({clientSecret: "{{CLIENT_SECRET}}"})',
        );
      }
      const element = new Element(this, type, options);
      this._elements.set(type, element);
      return element;
    }

    getElement(type) {
      return this._elements.get(type) || null;
    }

    update(options) {
      const changes = { ...(options || {}) };
      if ('clientSecret' in changes) {
        delete changes.clientSecret;
        // eslint-disable-next-line no-console -- Stripe.js reports integration mistakes on the console too.
        console.warn('Unsupported elements.update() option: clientSecret cannot be changed; create a new Elements group instead.');
      }
      const next = { ...this._options, ...changes };
      if (this._deferred) this._checkMode(next);
      this._options = next;
      for (const element of this._elements.values()) element._post('group', { group: element._frameConfig().group });
      this._emit('update-end', {});
      return Promise.resolve();
    }

    fetchUpdates() {
      return Promise.resolve({});
    }

    async submit() {
      const mounted = [...this._elements.values()].filter((element) => element._frame);
      if (mounted.length === 0) {
        throw new IntegrationError('elements.submit(): no Element of this group is mounted. Mount the Payment Element before submitting.');
      }
      for (const element of mounted) {
        const result = await element._validate();
        if (result && result.error) {
          this._submitted = false;
          return { error: result.error };
        }
      }
      this._submitted = true;
      return { selectedPaymentMethod: 'card' };
    }

    /** The customer changed something: a deferred payment must be submitted again. */
    _changed() {
      this._submitted = false;
    }

    _forget(element) {
      if (this._elements.get(element._type) === element) this._elements.delete(element._type);
    }

    _paymentElement() {
      return this._elements.get('payment') || this._elements.get('card') || null;
    }
  }

  function asElements(value, method) {
    if (!(value instanceof Elements)) throw new IntegrationError(`Invalid value for ${method}: elements should be an Elements group created with stripe.elements().`);
    return value;
  }

  const SUBMIT_FIRST = (method) =>
    `elements.submit() must be called before ${method}. Call elements.submit() as soon as your customer presses pay, prior to any asynchronous work. Integration guide: https://stripe.com/docs/payments/accept-a-payment-deferred`;

  // ---------------------------------------------------------------------------------------------
  // The Stripe object

  class StripeClient {
    constructor(key, options) {
      if (typeof key !== 'string' || key === '') {
        throw new IntegrationError(`Please call Stripe() with your publishable key. You used ${key === '' ? 'an empty string' : `a value of type ${typeof key}`}.`);
      }
      if (/^(sk|rk)_/.test(key)) throw new IntegrationError('You should not use your secret key with Stripe.js.\nPlease pass a publishable key instead.');
      if (!/^pk_test_[A-Za-z0-9_]+$/.test(key)) {
        throw new IntegrationError(`The Billfold sandbox's Stripe.js works with test-mode publishable keys (pk_test_…) only. You specified: ${key.slice(0, 8)}….`);
      }
      this._key = key;
      this._options = { ...(options || {}) };
      this._wrappers = [];
      this._appInfo = null;
    }

    /** Called by @stripe/stripe-js and @stripe/react-stripe-js to say they wrap this object. */
    _registerWrapper(wrapper) {
      this._wrappers.push({ ...wrapper });
    }

    registerAppInfo(info) {
      this._appInfo = { ...info };
    }

    elements(options) {
      return new Elements(this, options);
    }

    async createToken() {
      return {
        error: {
          type: 'invalid_request_error',
          message: "The Billfold sandbox's Stripe.js does not create tokens; use createPaymentMethod() or confirmPayment().",
        },
      };
    }

    async createPaymentMethod(first, second, third) {
      if (typeof first === 'string') return this.createPaymentMethod({ ...(third || {}), type: first, card: second });
      if (!first || typeof first !== 'object') throw new IntegrationError('Invalid value for createPaymentMethod(): expected an object.');
      if (first.elements !== undefined) {
        const group = asElements(first.elements, 'createPaymentMethod()');
        if (!group._submitted) throw new IntegrationError(SUBMIT_FIRST('stripe.createPaymentMethod()'));
        const element = group._paymentElement();
        if (!element) throw new IntegrationError('createPaymentMethod(): the Elements group has no Payment Element.');
        const params = first.params || {};
        return element._createPaymentMethod(params.billing_details, params.metadata);
      }
      if (first.type !== 'card') {
        return { error: { type: 'invalid_request_error', message: `The Billfold sandbox supports card PaymentMethods only; you asked for "${String(first.type)}".` } };
      }
      if (first.card instanceof Element) return first.card._createPaymentMethod(first.billing_details, first.metadata);
      if (first.card && typeof first.card.token === 'string') {
        const { data, error } = await callApi(this._key, 'POST', '/v1/payment_methods', {
          type: 'card',
          card: { token: first.card.token },
          billing_details: first.billing_details,
          metadata: first.metadata,
        });
        return error ? { error } : { paymentMethod: data };
      }
      throw new IntegrationError('Invalid value for createPaymentMethod(): card should be a card Element, or {token}.');
    }

    confirmPayment(options) {
      return this._confirmWithElements('payment', 'stripe.confirmPayment()', options);
    }

    confirmSetup(options) {
      return this._confirmWithElements('setup', 'stripe.confirmSetup()', options);
    }

    async _confirmWithElements(kind, method, options) {
      if (!options || typeof options !== 'object') throw new IntegrationError(`Invalid value for ${method}: expected an object with elements and confirmParams.`);
      const { elements, confirmParams = {}, redirect = 'always' } = options;
      const group = elements === undefined ? null : asElements(elements, method);
      if (redirect !== 'always' && redirect !== 'if_required') {
        throw new IntegrationError(`Invalid value for ${method}: redirect should be one of the following strings: always, if_required. You specified: ${String(redirect)}.`);
      }
      if (!confirmParams || typeof confirmParams !== 'object') throw new IntegrationError(`Invalid value for ${method}: confirmParams should be an object.`);
      const clientSecret = options.clientSecret || (group && group._options.clientSecret);
      if (!clientSecret) {
        throw new IntegrationError(
          group && group._deferred
            ? `${method}: the \`clientSecret\` argument is required when Elements was created with a mode. Create the intent after elements.submit() and pass its client secret.`
            : `${method}: pass \`elements\` created with a clientSecret, or \`clientSecret\`.`,
        );
      }
      parseClientSecret(clientSecret, method, kind);
      const { return_url: returnUrl, payment_method: paymentMethod, payment_method_data: paymentMethodData, ...params } = confirmParams;
      if (redirect === 'always' && !returnUrl) {
        throw new IntegrationError(`${method}: the \`confirmParams.return_url\` argument is required unless passing \`redirect: 'if_required'\``);
      }
      checkReturnUrl(returnUrl, method);
      if (group && group._deferred && !group._submitted) throw new IntegrationError(SUBMIT_FIRST(method));
      let element = null;
      if (typeof paymentMethod !== 'string') {
        element = group && group._paymentElement();
        if (!element) throw new IntegrationError(`${method}: pass \`elements\` with a mounted Payment Element, or \`confirmParams.payment_method\`.`);
      }
      return this._confirm(kind, clientSecret, {
        element,
        paymentMethod: typeof paymentMethod === 'string' ? paymentMethod : undefined,
        billingDetails: paymentMethodData && paymentMethodData.billing_details,
        params,
        returnUrl,
        redirect,
        handleActions: true,
      });
    }

    confirmCardPayment(clientSecret, data, options) {
      return this._confirmCard('payment', 'stripe.confirmCardPayment()', clientSecret, data, options);
    }

    confirmCardSetup(clientSecret, data, options) {
      return this._confirmCard('setup', 'stripe.confirmCardSetup()', clientSecret, data, options);
    }

    async _confirmCard(kind, method, clientSecret, data, options) {
      parseClientSecret(clientSecret, method, kind);
      const { payment_method: paymentMethod, return_url: returnUrl, ...params } = data || {};
      checkReturnUrl(returnUrl, method);
      let element = null;
      let paymentMethodId;
      let billingDetails;
      if (typeof paymentMethod === 'string') paymentMethodId = paymentMethod;
      else if (paymentMethod && typeof paymentMethod === 'object') {
        if (!(paymentMethod.card instanceof Element)) throw new IntegrationError(`Invalid value for ${method}: payment_method.card should be a card or payment Element.`);
        element = paymentMethod.card;
        billingDetails = paymentMethod.billing_details;
      }
      return this._confirm(kind, clientSecret, {
        element,
        paymentMethod: paymentMethodId,
        billingDetails,
        params,
        returnUrl,
        redirect: 'if_required',
        handleActions: !options || options.handleActions !== false,
      });
    }

    async _confirm(kind, clientSecret, { element, paymentMethod, billingDetails, params, returnUrl, redirect, handleActions }) {
      const intent = INTENTS[kind];
      const { id } = parseClientSecret(clientSecret, 'confirm', kind);
      let paymentMethodId = paymentMethod;
      if (!paymentMethodId && element) {
        const created = await element._createPaymentMethod(billingDetails);
        if (created.error) return { error: created.error };
        paymentMethodId = created.paymentMethod.id;
      }
      const body = { ...params, client_secret: clientSecret, use_stripe_sdk: true };
      if (paymentMethodId) body.payment_method = paymentMethodId;
      if (returnUrl) body.return_url = returnUrl;
      const { data, error } = await callApi(this._key, 'POST', `/v1/${intent.path}/${id}/confirm`, body);
      if (error) return { error };
      return this._settle(kind, data, clientSecret, { redirect, returnUrl, handleActions });
    }

    /** Handles a next action (3-D Secure, a redirect), then reports the outcome as Stripe.js does. */
    async _settle(kind, intentObject, clientSecret, { redirect, returnUrl, handleActions }) {
      const intent = INTENTS[kind];
      let current = intentObject;
      if (current.status === 'requires_action' && handleActions) {
        const next = current.next_action || {};
        if (next.type === 'use_stripe_sdk' && next.use_stripe_sdk && next.use_stripe_sdk.stripe_js) {
          await authenticate(next.use_stripe_sdk.stripe_js);
          const { data, error } = await callApi(this._key, 'GET', `/v1/${intent.path}/${current.id}`, { client_secret: clientSecret });
          if (error) return { error };
          current = data;
        } else if (next.type === 'redirect_to_url' && next.redirect_to_url && next.redirect_to_url.url) {
          return navigate(next.redirect_to_url.url);
        } else {
          return {
            error: {
              type: 'invalid_request_error',
              message: `The Billfold sandbox's Stripe.js cannot handle the next action "${String(next.type)}".`,
              [intent.errorKey]: current,
            },
          };
        }
      }
      const failure = current[intent.lastError];
      if (current.status === 'requires_payment_method' && failure) return { error: { ...failure, [intent.errorKey]: current } };
      if (redirect === 'always' && returnUrl && current.status !== 'requires_action') {
        const target = new URL(returnUrl);
        target.searchParams.set(intent.query, current.id);
        target.searchParams.set(`${intent.query}_client_secret`, clientSecret);
        target.searchParams.set('redirect_status', redirectStatus(current.status));
        return navigate(target.toString());
      }
      return { [intent.result]: current };
    }

    async handleNextAction(options) {
      const clientSecret = options && options.clientSecret;
      const { kind, id } = parseClientSecret(clientSecret, 'stripe.handleNextAction()');
      const { data, error } = await callApi(this._key, 'GET', `/v1/${INTENTS[kind].path}/${id}`, { client_secret: clientSecret });
      if (error) return { error };
      return this._settle(kind, data, clientSecret, { redirect: 'if_required', handleActions: true });
    }

    async handleCardAction(clientSecret) {
      parseClientSecret(clientSecret, 'stripe.handleCardAction()', 'payment');
      return this.handleNextAction({ clientSecret });
    }

    retrievePaymentIntent(clientSecret) {
      return this._retrieve('payment', 'stripe.retrievePaymentIntent()', clientSecret);
    }

    retrieveSetupIntent(clientSecret) {
      return this._retrieve('setup', 'stripe.retrieveSetupIntent()', clientSecret);
    }

    async _retrieve(kind, method, clientSecret) {
      const { id } = parseClientSecret(clientSecret, method, kind);
      const { data, error } = await callApi(this._key, 'GET', `/v1/${INTENTS[kind].path}/${id}`, { client_secret: clientSecret });
      return error ? { error } : { [INTENTS[kind].result]: data };
    }
  }

  function Stripe(key, options) {
    return new StripeClient(key, options);
  }
  Stripe.version = RELEASE_TRAIN;
  Object.defineProperty(Stripe, '__billfoldSandbox', { value: { origin: SANDBOX_ORIGIN } });
  window.Stripe = Stripe;
})();
