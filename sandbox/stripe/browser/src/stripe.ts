/*
 * The Billfold sandbox's stand-in for Stripe.js, served at /js/stripe.js (bundled by
 * ../bundle.ts when the sandbox starts).
 *
 * Include it with a plain <script> before @stripe/stripe-js looks for `window.Stripe`; loadStripe()
 * then uses it instead of injecting https://js.stripe.com. The API it calls is this script's own
 * origin (the sandbox). Card details are typed into an iframe served by the sandbox
 * (/elements/frame), which creates the PaymentMethod itself: this script, running in the shop's
 * page, only ever sees the resulting PaymentMethod. The Link Authentication and Address
 * Elements' frames hand their email and address to this script, which puts them on the
 * confirmation. Script and frames talk with postMessage (./messages.ts) and check each other's
 * origin and window.
 *
 * It is a subset of Stripe.js, not the whole of @stripe/stripe-js's types: what the shop passes
 * in is checked here at run time, as Stripe.js checks it, so its parameters are typed loosely.
 */
'use strict';

import {
  MESSAGE_SOURCE,
  isEnvelope,
  type Appearance,
  type AddressValue,
  type BillingDetails,
  type ContactDetails,
  type ElementOptions,
  type ElementType,
  type Envelope,
  type FrameConfig,
  type FrameResult,
  type FromFrame,
  type StripeJsError,
  type ToFrame,
} from './messages';

// The release train @stripe/stripe-js expects (its RELEASE_TRAIN); it warns when a test-mode
// page loads another. sandbox/stripe/tests/stripe-js.test.ts keeps the two in step.
const RELEASE_TRAIN = 'endive';
const SANDBOX_ORIGIN = scriptOrigin();
const FRAME_TIMEOUT_MS = 20000;

type Params = Record<string, unknown>;

function scriptOrigin(): string {
  const current = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;
  const candidates = current && current.src ? [current] : Array.from(document.querySelectorAll<HTMLScriptElement>('script[src*="/js/stripe.js"]'));
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
  constructor(message: string) {
    super(message);
    this.name = 'IntegrationError';
  }
}

type Listener = ((event: unknown) => void) & { original?: Listener };

class Emitter {
  _handlers = new Map<string, Listener[]>();

  on(type: string, handler: Listener): this {
    if (typeof handler !== 'function') {
      throw new IntegrationError(`When adding an event listener, the second argument should be a function. You specified: ${typeof handler}.`);
    }
    const list = this._handlers.get(type) || [];
    list.push(handler);
    this._handlers.set(type, list);
    return this;
  }

  once(type: string, handler: Listener): this {
    const wrapped: Listener = Object.assign(
      (event: unknown) => {
        this.off(type, wrapped);
        handler(event);
      },
      { original: handler },
    );
    return this.on(type, wrapped);
  }

  off(type: string, handler?: Listener): this {
    const list = this._handlers.get(type);
    if (!list) return this;
    if (!handler) this._handlers.delete(type);
    else this._handlers.set(type, list.filter((item) => item !== handler && item.original !== handler));
    return this;
  }

  addEventListener(type: string, handler: Listener): this {
    return this.on(type, handler);
  }

  removeEventListener(type: string, handler?: Listener): this {
    return this.off(type, handler);
  }

  _emit(type: string, event: unknown): void {
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
function encodeForm(params: Params | undefined): string {
  const pairs: [string, string][] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined || typeof value === 'function') return;
    if (value === null) pairs.push([key, '']);
    else if (Array.isArray(value)) value.forEach((item, index) => add(`${key}[${index}]`, item));
    else if (typeof value === 'object') for (const [inner, item] of Object.entries(value)) add(`${key}[${inner}]`, item);
    else pairs.push([key, String(value)]);
  };
  for (const [key, value] of Object.entries(params || {})) add(key, value);
  return new URLSearchParams(pairs).toString();
}

type ApiReply<T> = { data: T } | { error: StripeJsError };

async function callApi<T>(key: string, method: 'GET' | 'POST', path: string, params: Params): Promise<ApiReply<T>> {
  const url = new URL(path, SANDBOX_ORIGIN);
  const headers: Record<string, string> = { Authorization: `Bearer ${key}` };
  const init: RequestInit = { method, headers, credentials: 'omit' };
  const encoded = encodeForm(params);
  if (method === 'GET') url.search = encoded;
  else {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    init.body = encoded;
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    return { error: { type: 'api_connection_error', message: `Could not reach the Billfold sandbox at ${SANDBOX_ORIGIN}. Is it running?` } };
  }
  let body: (T & { error?: StripeJsError }) | null = null;
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

/** A PaymentIntent or SetupIntent as the API answers it (the fields this script reads). */
interface Intent {
  id: string;
  status: string;
  next_action?: { type?: string; use_stripe_sdk?: { stripe_js?: string }; redirect_to_url?: { url?: string } } | null;
  last_payment_error?: StripeJsError | null;
  last_setup_error?: StripeJsError | null;
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
} as const;

type IntentKind = keyof typeof INTENTS;

/** The intent a client secret (`pi_…_secret_…`) belongs to, or an IntegrationError. */
function parseClientSecret(value: unknown, method: string, expected?: IntentKind): { kind: IntentKind; id: string } {
  const match = typeof value === 'string' ? /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(value) : null;
  const kind: IntentKind | null = match ? (match[2] === 'pi' ? 'payment' : 'setup') : null;
  if (!match || !kind || (expected && kind !== expected)) {
    const form = expected === 'setup' ? '${id}_secret_${secret} (a SetupIntent)' : expected === 'payment' ? '${id}_secret_${secret} (a PaymentIntent)' : '${id}_secret_${secret}';
    throw new IntegrationError(`Invalid value for ${method}: clientSecret should be a client secret of the form ${form}. You specified: ${String(value)}.`);
  }
  return { kind, id: match[1] ?? '' };
}

function checkReturnUrl(value: unknown, method: string): void {
  if (value === undefined) return;
  try {
    new URL(String(value));
  } catch {
    throw new IntegrationError(`Invalid value for ${method}: return_url should be an absolute URL. You specified: ${String(value)}.`);
  }
}

function navigate(url: string): Promise<never> {
  window.location.assign(url);
  // As Stripe.js: the page is leaving, so the promise never settles.
  return new Promise(() => {});
}

function redirectStatus(status: string): string {
  if (status === 'succeeded' || status === 'requires_capture') return 'succeeded';
  if (status === 'processing') return 'processing';
  return 'failed';
}

// ---------------------------------------------------------------------------------------------
// 3-D Secure: the issuer's challenge in a modal iframe

let challengeCount = 0;

/** Shows the challenge page and resolves when it reports the outcome (Complete, Fail or ×). */
function authenticate(challengeUrl: string): Promise<unknown> {
  return new Promise((resolve) => {
    const challenge = new URL(challengeUrl);
    const overlay = document.createElement('div');
    overlay.setAttribute('data-billfold-stripe-3ds', '');
    overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;display:flex;align-items:center;justify-content:center;background:rgba(10,14,31,.55);';
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
    const onMessage = (event: MessageEvent) => {
      if (event.source !== frame.contentWindow || event.origin !== challenge.origin) return;
      const data: unknown = event.data;
      if (!data || typeof data !== 'object' || (data as { type?: unknown }).type !== 'billfold-sandbox-3ds') return;
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

const liveFrames = new Map<string, StripeElement>();
let frameCount = 0;

const ELEMENT_TYPES: Record<ElementType, { initialHeight: number; title: string }> = {
  payment: { initialHeight: 230, title: 'Secure payment input frame' },
  card: { initialHeight: 22, title: 'Secure payment input frame' },
  address: { initialHeight: 340, title: 'Secure address input frame' },
  linkAuthentication: { initialHeight: 70, title: 'Secure email input frame' },
};

const ADDRESS_MODES: readonly unknown[] = ['billing', 'shipping'];

function isElementType(type: unknown): type is ElementType {
  return typeof type === 'string' && Object.hasOwn(ELEMENT_TYPES, type);
}

/** Structured-cloneable copy of options (functions and the like dropped). */
function plain<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

class StripeElement extends Emitter {
  _group: Elements;
  _type: ElementType;
  _options: ElementOptions;
  _id: string;
  _frame: HTMLIFrameElement | null = null;
  _container: HTMLElement | null = null;
  _wrapper: HTMLDivElement | null = null;
  _loaded = false;
  _ready = false;
  _loadError: StripeJsError | null = null;
  _queue: ToFrame[] = [];
  _waiting: { resolve: () => void }[] = [];
  _pending = new Map<number, { resolve: (result: FrameResult) => void }>();
  _requestCount = 0;
  _destroyed = false;
  _state = { empty: true, complete: false, invalid: false, focused: false };

  constructor(group: Elements, type: ElementType, options: ElementOptions | undefined) {
    super();
    this._group = group;
    this._type = type;
    this._options = { ...(options || {}) };
    this._id = `${type}-${++frameCount}-${Math.random().toString(36).slice(2, 10)}`;
  }

  mount(target: string | HTMLElement): void {
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
    frame.title = ELEMENT_TYPES[this._type].title;
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

  unmount(): void {
    if (!this._frame) return;
    liveFrames.delete(this._id);
    this._wrapper?.remove();
    const classes = this._classes();
    this._container?.classList.remove(classes.base, classes.empty, classes.complete, classes.invalid, classes.focus);
    this._frame = null;
    this._wrapper = null;
    this._container = null;
    this._loaded = false;
    this._ready = false;
    this._abandon('The Element was unmounted before it answered.');
  }

  destroy(): void {
    if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
    this.unmount();
    this._destroyed = true;
    this._group._forget(this);
    this._handlers.clear();
  }

  update(options: ElementOptions | undefined): this {
    if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
    Object.assign(this._options, options || {});
    this._sendOptions();
    return this;
  }

  _sendOptions(): void {
    this._post({ type: 'update', options: this._frameOptions() });
  }

  /**
   * The options the frame draws with: a Payment Element leaves the billing address to a billing
   * Address Element in its group, as Stripe's does, so the customer types it once.
   */
  _frameOptions(): ElementOptions {
    const options = plain(this._options);
    if (this._type !== 'payment' || !this._group._addressElement('billing')) return options;
    const billing = (options.fields && options.fields.billingDetails) || 'auto';
    if (billing === 'never') return options;
    return { ...options, fields: { ...options.fields, billingDetails: { ...(typeof billing === 'object' ? billing : {}), address: 'never' } } };
  }

  /** Address Element: validates the form (its errors shown) and resolves with its value. */
  async getValue(): Promise<{ complete: boolean; isNewAddress: boolean; value: AddressValue }> {
    if (this._type !== 'address') throw new IntegrationError(`getValue() is not available on the ${this._type} Element; it reads the Address Element.`);
    const result = await this._details();
    if ('error' in result) throw new IntegrationError(`getValue(): ${result.error.message}`);
    const { details } = result;
    if (!('isNewAddress' in details)) throw new IntegrationError('getValue(): the frame answered without an address.');
    return { complete: details.complete, isNewAddress: details.isNewAddress, value: details.value };
  }

  focus(): this {
    this._post({ type: 'focus' });
    return this;
  }

  blur(): this {
    this._post({ type: 'blur' });
    return this;
  }

  clear(): this {
    this._post({ type: 'clear' });
    return this;
  }

  collapse(): this {
    return this;
  }

  _classes(): Record<'base' | 'complete' | 'empty' | 'focus' | 'invalid', string> {
    return {
      base: 'StripeElement',
      complete: 'StripeElement--complete',
      empty: 'StripeElement--empty',
      focus: 'StripeElement--focus',
      invalid: 'StripeElement--invalid',
      ...(this._options.classes || {}),
    };
  }

  _syncClasses(): void {
    const node = this._container;
    if (!node) return;
    const classes = this._classes();
    node.classList.add(classes.base);
    node.classList.toggle(classes.empty, this._state.empty);
    node.classList.toggle(classes.complete, this._state.complete);
    node.classList.toggle(classes.invalid, this._state.invalid);
    node.classList.toggle(classes.focus, this._state.focused);
  }

  _frameConfig(): FrameConfig {
    const group = this._group;
    return {
      key: group._stripe._key,
      elementType: this._type,
      options: this._frameOptions(),
      group: plain({
        appearance: group._options.appearance,
        // A string: elements() refused any other.
        clientSecret: typeof group._options.clientSecret === 'string' ? group._options.clientSecret : undefined,
        mode: group._mode(),
        locale: group._options.locale,
      }),
    };
  }

  _post(message: ToFrame): void {
    if (!this._frame) return;
    if (!this._loaded) {
      this._queue.push(message);
      return;
    }
    const envelope: Envelope<ToFrame> = { source: MESSAGE_SOURCE, frameId: this._id, ...message };
    this._frame.contentWindow?.postMessage(envelope, SANDBOX_ORIGIN);
  }

  _receive(message: Envelope<FromFrame>): void {
    switch (message.type) {
      case 'load': {
        // Also after the frame reloaded (moving an iframe in the DOM reloads it).
        this._abandon('The payment form reloaded before it answered.');
        this._loaded = true;
        this._ready = false;
        this._loadError = null;
        this._post({ type: 'init', config: this._frameConfig() });
        const queued = this._queue.splice(0);
        for (const next of queued) this._post(next);
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
        this._state.invalid = 'error' in event && Boolean(event.error);
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

  _abandon(message: string): void {
    for (const pending of this._pending.values()) pending.resolve({ error: { type: 'api_connection_error', message } });
    this._pending.clear();
  }

  _whenReady(): Promise<void> {
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
  async _request(message: (requestId: number) => ToFrame): Promise<FrameResult> {
    if (this._destroyed) throw new IntegrationError('This Element has already been destroyed. Please create a new one.');
    if (!this._frame) throw new IntegrationError(`The ${this._type} Element is not mounted. Call mount() before confirming or submitting.`);
    await this._whenReady();
    if (this._loadError) return { error: this._loadError };
    if (!this._frame) return { error: { type: 'api_connection_error', message: 'The Element was unmounted.' } };
    return new Promise((resolve) => {
      const requestId = ++this._requestCount;
      this._pending.set(requestId, { resolve });
      this._post(message(requestId));
    });
  }

  _validate(): Promise<FrameResult> {
    return this._request((requestId) => ({ type: 'validate', requestId }));
  }

  /** An Address or Link Authentication Element's value, its errors shown in the frame. */
  async _details(): Promise<{ error: StripeJsError } | { details: ContactDetails }> {
    const result = await this._request((requestId) => ({ type: 'details', requestId }));
    if ('details' in result) return { details: result.details };
    return { error: 'error' in result ? result.error : { type: 'api_error', message: `The ${this._type} Element answered without its value.` } };
  }

  /** The frame validates, creates the PaymentMethod and answers `{paymentMethod}` or `{error}`. */
  _createPaymentMethod(billingDetails?: BillingDetails, metadata?: Params): Promise<FrameResult> {
    return this._request((requestId) => ({ type: 'tokenize', requestId, billingDetails: plain(billingDetails), metadata: plain(metadata) }));
  }
}

const ELEMENTS_MODES: readonly unknown[] = ['payment', 'setup', 'subscription'];

/** The options of stripe.elements(), as the shop passes them. */
interface GroupOptions {
  clientSecret?: unknown;
  mode?: unknown;
  amount?: unknown;
  currency?: unknown;
  appearance?: Appearance;
  locale?: string;
  [option: string]: unknown;
}

class Elements extends Emitter {
  _stripe: StripeClient;
  _options: GroupOptions;
  /** By type, and an Address Element by its mode too ('address:billing'): a group has one of each. */
  _elements = new Map<string, StripeElement>();
  _submitted = false;

  constructor(stripe: StripeClient, options: GroupOptions | undefined) {
    super();
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new IntegrationError('Invalid value for elements(): options should be an object.');
    }
    this._stripe = stripe;
    this._options = { ...(options || {}) };
    if (this._options.clientSecret !== undefined) {
      parseClientSecret(this._options.clientSecret, 'elements()');
      if (this._options.mode !== undefined) throw new IntegrationError('elements(): pass either clientSecret or mode, not both.');
    } else if (this._options.mode !== undefined) {
      this._checkMode(this._options);
    }
  }

  _checkMode(options: GroupOptions): void {
    if (!ELEMENTS_MODES.includes(options.mode)) {
      throw new IntegrationError(`Invalid value for elements(): mode should be one of the following strings: ${ELEMENTS_MODES.join(', ')}. You specified: ${String(options.mode)}.`);
    }
    if (options.mode !== 'setup' && !(Number.isInteger(options.amount) && Number(options.amount) >= 0)) {
      throw new IntegrationError(`Invalid value for elements(): amount should be a non-negative integer in the currency's minor unit when mode is ${String(options.mode)}. You specified: ${String(options.amount)}.`);
    }
    if (options.mode !== 'setup' && !(typeof options.currency === 'string' && /^[a-zA-Z]{3}$/.test(options.currency))) {
      throw new IntegrationError(`Invalid value for elements(): currency should be a three-letter ISO currency code when mode is ${String(options.mode)}. You specified: ${String(options.currency)}.`);
    }
  }

  /** 'payment' | 'setup' | 'subscription' | null: from the client secret or the deferred mode. */
  _mode(): string | null {
    if (this._options.clientSecret) return parseClientSecret(this._options.clientSecret, 'elements()').kind;
    return typeof this._options.mode === 'string' && this._options.mode ? this._options.mode : null;
  }

  get _deferred(): boolean {
    return !this._options.clientSecret && Boolean(this._options.mode);
  }

  create(type: unknown, options?: ElementOptions): StripeElement {
    if (!isElementType(type)) {
      throw new IntegrationError(
        `The Billfold sandbox's Stripe.js supports the "payment", "card", "address" and "linkAuthentication" Elements; "${String(type)}" is not available offline.`,
      );
    }
    if (type === 'address' && !ADDRESS_MODES.includes(options && options.mode)) {
      throw new IntegrationError(`Invalid value for address: mode should be one of the following strings: ${ADDRESS_MODES.join(', ')}. You specified: ${String(options && options.mode)}.`);
    }
    const key = elementKey(type, options);
    if (this._elements.has(key)) throw new IntegrationError(`Can only create one Element of type ${type}${type === 'address' ? ` in ${String(options && options.mode)} mode` : ''}.`);
    if (type === 'payment' && !this._options.clientSecret && !this._options.mode) {
      throw new IntegrationError(
        'In order to create a payment element, you must pass a valid PaymentIntent or SetupIntent client secret when creating the Elements group, or a mode (with amount and currency).\n\n  e.g. stripe.elements({clientSecret: "{{CLIENT_SECRET}}"})',
      );
    }
    const element = new StripeElement(this, type, options);
    this._elements.set(key, element);
    if (type === 'address') this._paymentElementFields();
    return element;
  }

  getElement(type: ElementType, options?: { mode?: unknown }): StripeElement | null {
    if (type !== 'address') return this._elements.get(type) || null;
    if (options && options.mode !== undefined) return this._elements.get(elementKey(type, options)) || null;
    return this._addressElement('billing') || this._addressElement('shipping');
  }

  _addressElement(mode: 'billing' | 'shipping'): StripeElement | null {
    return this._elements.get(`address:${mode}`) || null;
  }

  /** A billing Address Element came or went: the Payment Element asks for the address, or not. */
  _paymentElementFields(): void {
    this._elements.get('payment')?._sendOptions();
  }

  /**
   * What the group's Address and Link Authentication Elements add to a payment, as Stripe.js
   * adds it: the billing address, name, phone and email onto the PaymentMethod's
   * billing_details, a shipping address onto the PaymentIntent. `{error}` when one of them is
   * incomplete (its fields then show why).
   */
  async _contactDetails(): Promise<{ error: StripeJsError } | { billingDetails: BillingDetails; shipping: Params | undefined }> {
    const billingDetails: BillingDetails = {};
    let shipping: Params | undefined;
    for (const element of this._elements.values()) {
      if (!element._frame || (element._type !== 'address' && element._type !== 'linkAuthentication')) continue;
      const result = await element._details();
      if ('error' in result) return { error: result.error };
      const { details } = result;
      if (details.error) return { error: details.error };
      if (!('isNewAddress' in details)) {
        billingDetails.email = details.value.email;
        continue;
      }
      const { name, phone, address } = details.value;
      const contact = {
        name,
        ...(phone ? { phone } : {}),
        // Empty parts are left out rather than sent as '' (which would unset them).
        address: Object.fromEntries(Object.entries(address).filter(([, part]) => part)),
      };
      if (element._options.mode === 'shipping') shipping = contact;
      else Object.assign(billingDetails, contact);
    }
    return { billingDetails, shipping };
  }

  update(options: GroupOptions | undefined): Promise<void> {
    const changes = { ...(options || {}) };
    if ('clientSecret' in changes) {
      delete changes.clientSecret;
      // eslint-disable-next-line no-console -- Stripe.js reports integration mistakes on the console too.
      console.warn('Unsupported elements.update() option: clientSecret cannot be changed; create a new Elements group instead.');
    }
    const next = { ...this._options, ...changes };
    if (this._deferred) this._checkMode(next);
    this._options = next;
    for (const element of this._elements.values()) element._post({ type: 'group', group: element._frameConfig().group });
    this._emit('update-end', {});
    return Promise.resolve();
  }

  fetchUpdates(): Promise<object> {
    return Promise.resolve({});
  }

  async submit(): Promise<{ error: StripeJsError } | { selectedPaymentMethod: string }> {
    const mounted = [...this._elements.values()].filter((element) => element._frame);
    if (mounted.length === 0) {
      throw new IntegrationError('elements.submit(): no Element of this group is mounted. Mount the Payment Element before submitting.');
    }
    for (const element of mounted) {
      const result = await element._validate();
      if (result && 'error' in result) {
        this._submitted = false;
        return { error: result.error };
      }
    }
    this._submitted = true;
    return { selectedPaymentMethod: 'card' };
  }

  /** The customer changed something: a deferred payment must be submitted again. */
  _changed(): void {
    this._submitted = false;
  }

  _forget(element: StripeElement): void {
    const key = elementKey(element._type, element._options);
    if (this._elements.get(key) !== element) return;
    this._elements.delete(key);
    if (element._type === 'address') this._paymentElementFields();
  }

  _paymentElement(): StripeElement | null {
    return this._elements.get('payment') || this._elements.get('card') || null;
  }
}

function elementKey(type: ElementType, options: { mode?: unknown } | undefined): string {
  return type === 'address' ? `address:${String(options && options.mode)}` : type;
}

/** The billing details the shop passed, over those of the group's Address and Link Authentication Elements. */
function withBillingDetails(fromElements: BillingDetails, given: BillingDetails | undefined): BillingDetails | undefined {
  const merged: BillingDetails = { ...fromElements, ...(given || {}) };
  if (fromElements.address || (given && given.address)) merged.address = { ...(fromElements.address || {}), ...((given && given.address) || {}) };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function asElements(value: unknown, method: string): Elements {
  if (!(value instanceof Elements)) throw new IntegrationError(`Invalid value for ${method}: elements should be an Elements group created with stripe.elements().`);
  return value;
}

const SUBMIT_FIRST = (method: string) =>
  `elements.submit() must be called before ${method}. Call elements.submit() as soon as your customer presses pay, prior to any asynchronous work. Integration guide: https://stripe.com/docs/payments/accept-a-payment-deferred`;

// ---------------------------------------------------------------------------------------------
// The Stripe object

/** stripe.createPaymentMethod({…}): from Elements, from a card Element, or from a card token. */
interface PaymentMethodData {
  type?: unknown;
  card?: unknown;
  elements?: unknown;
  params?: { billing_details?: BillingDetails; metadata?: Params };
  billing_details?: BillingDetails;
  metadata?: Params;
}

interface ConfirmParams {
  return_url?: string;
  payment_method?: unknown;
  payment_method_data?: { billing_details?: BillingDetails };
  [param: string]: unknown;
}

/** stripe.confirmPayment() and confirmSetup(). */
interface ConfirmOptions {
  elements?: unknown;
  clientSecret?: string;
  confirmParams?: ConfirmParams;
  redirect?: unknown;
}

/** stripe.confirmCardPayment() and confirmCardSetup()'s data. */
interface CardConfirmData {
  payment_method?: string | { card?: unknown; billing_details?: BillingDetails };
  return_url?: string;
  [param: string]: unknown;
}

type Redirect = 'always' | 'if_required';

interface Confirmation {
  element: StripeElement | null;
  paymentMethod: string | undefined;
  billingDetails: BillingDetails | undefined;
  params: Params;
  returnUrl: string | undefined;
  redirect: Redirect;
  handleActions: boolean;
}

type Outcome = { error: StripeJsError } | { [result: string]: Intent };

class StripeClient {
  _key: string;
  _options: Params;
  _wrappers: Params[] = [];
  _appInfo: Params | null = null;

  constructor(key: unknown, options: Params | undefined) {
    if (typeof key !== 'string' || key === '') {
      throw new IntegrationError(`Please call Stripe() with your publishable key. You used ${key === '' ? 'an empty string' : `a value of type ${typeof key}`}.`);
    }
    if (/^(sk|rk)_/.test(key)) throw new IntegrationError('You should not use your secret key with Stripe.js.\nPlease pass a publishable key instead.');
    if (!/^pk_test_[A-Za-z0-9_]+$/.test(key)) {
      throw new IntegrationError(`The Billfold sandbox's Stripe.js works with test-mode publishable keys (pk_test_…) only. You specified: ${key.slice(0, 8)}….`);
    }
    this._key = key;
    this._options = { ...(options || {}) };
  }

  /** Called by @stripe/stripe-js and @stripe/react-stripe-js to say they wrap this object. */
  _registerWrapper(wrapper: Params): void {
    this._wrappers.push({ ...wrapper });
  }

  registerAppInfo(info: Params): void {
    this._appInfo = { ...info };
  }

  elements(options?: GroupOptions): Elements {
    return new Elements(this, options);
  }

  async createToken(): Promise<{ error: StripeJsError }> {
    return {
      error: {
        type: 'invalid_request_error',
        message: "The Billfold sandbox's Stripe.js does not create tokens; use createPaymentMethod() or confirmPayment().",
      },
    };
  }

  async createPaymentMethod(first: unknown, second?: unknown, third?: PaymentMethodData): Promise<FrameResult> {
    if (typeof first === 'string') return this.createPaymentMethod({ ...(third || {}), type: first, card: second });
    if (!first || typeof first !== 'object') throw new IntegrationError('Invalid value for createPaymentMethod(): expected an object.');
    const data = first as PaymentMethodData;
    if (data.elements !== undefined) {
      const group = asElements(data.elements, 'createPaymentMethod()');
      if (!group._submitted) throw new IntegrationError(SUBMIT_FIRST('stripe.createPaymentMethod()'));
      const element = group._paymentElement();
      if (!element) throw new IntegrationError('createPaymentMethod(): the Elements group has no Payment Element.');
      const params = data.params || {};
      const contact = await group._contactDetails();
      if ('error' in contact) return { error: contact.error };
      return element._createPaymentMethod(withBillingDetails(contact.billingDetails, params.billing_details), params.metadata);
    }
    if (data.type !== 'card') {
      return { error: { type: 'invalid_request_error', message: `The Billfold sandbox supports card PaymentMethods only; you asked for "${String(data.type)}".` } };
    }
    if (data.card instanceof StripeElement) return data.card._createPaymentMethod(data.billing_details, data.metadata);
    const token = data.card && typeof data.card === 'object' ? (data.card as { token?: unknown }).token : undefined;
    if (typeof token === 'string') {
      const reply = await callApi<{ id: string }>(this._key, 'POST', '/v1/payment_methods', {
        type: 'card',
        card: { token },
        billing_details: data.billing_details,
        metadata: data.metadata,
      });
      return 'error' in reply ? { error: reply.error } : { paymentMethod: reply.data };
    }
    throw new IntegrationError('Invalid value for createPaymentMethod(): card should be a card Element, or {token}.');
  }

  confirmPayment(options: ConfirmOptions): Promise<Outcome> {
    return this._confirmWithElements('payment', 'stripe.confirmPayment()', options);
  }

  confirmSetup(options: ConfirmOptions): Promise<Outcome> {
    return this._confirmWithElements('setup', 'stripe.confirmSetup()', options);
  }

  async _confirmWithElements(kind: IntentKind, method: string, options: ConfirmOptions): Promise<Outcome> {
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
    let element: StripeElement | null = null;
    if (typeof paymentMethod !== 'string') {
      element = group && group._paymentElement();
      if (!element) throw new IntegrationError(`${method}: pass \`elements\` with a mounted Payment Element, or \`confirmParams.payment_method\`.`);
    }
    let billingDetails = paymentMethodData && paymentMethodData.billing_details;
    if (group) {
      const contact = await group._contactDetails();
      if ('error' in contact) {
        // As Stripe's: the card form shows its own problems too, not only the first form's.
        if (element) await element._validate();
        return { error: contact.error };
      }
      billingDetails = withBillingDetails(contact.billingDetails, billingDetails);
      // A SetupIntent has no shipping; the shop's own confirmParams.shipping wins.
      if (kind === 'payment' && contact.shipping && params.shipping === undefined) params.shipping = contact.shipping;
    }
    return this._confirm(kind, String(clientSecret), {
      element,
      paymentMethod: typeof paymentMethod === 'string' ? paymentMethod : undefined,
      billingDetails,
      params,
      returnUrl,
      redirect,
      handleActions: true,
    });
  }

  confirmCardPayment(clientSecret: unknown, data?: CardConfirmData, options?: { handleActions?: boolean }): Promise<Outcome> {
    return this._confirmCard('payment', 'stripe.confirmCardPayment()', clientSecret, data, options);
  }

  confirmCardSetup(clientSecret: unknown, data?: CardConfirmData, options?: { handleActions?: boolean }): Promise<Outcome> {
    return this._confirmCard('setup', 'stripe.confirmCardSetup()', clientSecret, data, options);
  }

  async _confirmCard(kind: IntentKind, method: string, clientSecret: unknown, data: CardConfirmData | undefined, options: { handleActions?: boolean } | undefined): Promise<Outcome> {
    parseClientSecret(clientSecret, method, kind);
    const { payment_method: paymentMethod, return_url: returnUrl, ...params } = data || {};
    checkReturnUrl(returnUrl, method);
    let element: StripeElement | null = null;
    let paymentMethodId: string | undefined;
    let billingDetails: BillingDetails | undefined;
    if (typeof paymentMethod === 'string') paymentMethodId = paymentMethod;
    else if (paymentMethod && typeof paymentMethod === 'object') {
      if (!(paymentMethod.card instanceof StripeElement)) throw new IntegrationError(`Invalid value for ${method}: payment_method.card should be a card or payment Element.`);
      element = paymentMethod.card;
      billingDetails = paymentMethod.billing_details;
    }
    return this._confirm(kind, String(clientSecret), {
      element,
      paymentMethod: paymentMethodId,
      billingDetails,
      params,
      returnUrl,
      redirect: 'if_required',
      handleActions: !options || options.handleActions !== false,
    });
  }

  async _confirm(kind: IntentKind, clientSecret: string, { element, paymentMethod, billingDetails, params, returnUrl, redirect, handleActions }: Confirmation): Promise<Outcome> {
    const intent = INTENTS[kind];
    const { id } = parseClientSecret(clientSecret, 'confirm', kind);
    let paymentMethodId = paymentMethod;
    if (!paymentMethodId && element) {
      const created = await element._createPaymentMethod(billingDetails);
      if ('error' in created) return { error: created.error };
      if ('paymentMethod' in created) paymentMethodId = created.paymentMethod.id;
    }
    const body: Params = { ...params, client_secret: clientSecret, use_stripe_sdk: true };
    if (paymentMethodId) body.payment_method = paymentMethodId;
    if (returnUrl) body.return_url = returnUrl;
    const reply = await callApi<Intent>(this._key, 'POST', `/v1/${intent.path}/${id}/confirm`, body);
    if ('error' in reply) return { error: reply.error };
    return this._settle(kind, reply.data, clientSecret, { redirect, returnUrl, handleActions });
  }

  /** Handles a next action (3-D Secure, a redirect), then reports the outcome as Stripe.js does. */
  async _settle(kind: IntentKind, intentObject: Intent, clientSecret: string, { redirect, returnUrl, handleActions }: Pick<Confirmation, 'redirect' | 'returnUrl' | 'handleActions'>): Promise<Outcome> {
    const intent = INTENTS[kind];
    let current = intentObject;
    if (current.status === 'requires_action' && handleActions) {
      const next = current.next_action || {};
      if (next.type === 'use_stripe_sdk' && next.use_stripe_sdk && next.use_stripe_sdk.stripe_js) {
        await authenticate(next.use_stripe_sdk.stripe_js);
        const reply = await callApi<Intent>(this._key, 'GET', `/v1/${intent.path}/${current.id}`, { client_secret: clientSecret });
        if ('error' in reply) return { error: reply.error };
        current = reply.data;
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

  async handleNextAction(options: { clientSecret?: unknown } | undefined): Promise<Outcome> {
    const clientSecret = options && options.clientSecret;
    const { kind, id } = parseClientSecret(clientSecret, 'stripe.handleNextAction()');
    const reply = await callApi<Intent>(this._key, 'GET', `/v1/${INTENTS[kind].path}/${id}`, { client_secret: clientSecret });
    if ('error' in reply) return { error: reply.error };
    return this._settle(kind, reply.data, String(clientSecret), { redirect: 'if_required', returnUrl: undefined, handleActions: true });
  }

  async handleCardAction(clientSecret: unknown): Promise<Outcome> {
    parseClientSecret(clientSecret, 'stripe.handleCardAction()', 'payment');
    return this.handleNextAction({ clientSecret });
  }

  retrievePaymentIntent(clientSecret: unknown): Promise<Outcome> {
    return this._retrieve('payment', 'stripe.retrievePaymentIntent()', clientSecret);
  }

  retrieveSetupIntent(clientSecret: unknown): Promise<Outcome> {
    return this._retrieve('setup', 'stripe.retrieveSetupIntent()', clientSecret);
  }

  async _retrieve(kind: IntentKind, method: string, clientSecret: unknown): Promise<Outcome> {
    const { id } = parseClientSecret(clientSecret, method, kind);
    const reply = await callApi<Intent>(this._key, 'GET', `/v1/${INTENTS[kind].path}/${id}`, { client_secret: clientSecret });
    return 'error' in reply ? { error: reply.error } : { [INTENTS[kind].result]: reply.data };
  }
}

function Stripe(key: unknown, options?: Params): StripeClient {
  return new StripeClient(key, options);
}
Stripe.version = RELEASE_TRAIN;
Object.defineProperty(Stripe, '__billfoldSandbox', { value: { origin: SANDBOX_ORIGIN } });

/**
 * `window` as this script sees it: its own `Stripe` in place of js.stripe.com's, which is a
 * subset of the StripeConstructor @stripe/stripe-js declares on Window, hence this view.
 */
const page = window as unknown as { Stripe?: typeof Stripe & { __billfoldSandbox?: unknown } };

// Loaded twice (two <script> tags), the second copy leaves the first in place.
if (!page.Stripe?.__billfoldSandbox) {
  window.addEventListener('message', (event) => {
    if (event.origin !== SANDBOX_ORIGIN || !isEnvelope(event.data)) return;
    const element = liveFrames.get(event.data.frameId);
    if (!element || !element._frame || event.source !== element._frame.contentWindow) return;
    // From our own frame (checked by its origin and window): one of its messages.
    element._receive(event.data as Envelope<FromFrame>);
  });
  page.Stripe = Stripe;
}
