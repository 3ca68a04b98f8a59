/*
 * The card form inside a Payment Element or Card Element: the page /elements/frame, served by
 * the sandbox and framed by the shop's page. The card number, expiry, security code and postal
 * code stay in this frame; it creates the PaymentMethod with the publishable key (same origin,
 * so the shop's page never sees the request) and answers the parent with the result only.
 */
(() => {
  'use strict';

  const MESSAGE_SOURCE = 'billfold-stripe-js';
  const hash = new URLSearchParams(location.hash.slice(1));
  const parentOrigin = hash.get('origin');
  const frameId = hash.get('id');
  const elementType = document.body.dataset.elementType === 'card' ? 'card' : 'payment';
  const root = document.getElementById('root');

  function refuse(message) {
    root.hidden = true;
    const note = document.getElementById('notice');
    note.textContent = message;
    note.hidden = false;
  }

  if (window.parent === window || !parentOrigin || !frameId) {
    refuse("This is part of the Billfold sandbox's Stripe.js: it works inside a payment form only.");
    return;
  }
  // Where the browser says who frames us, it must be who the hash claims.
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== parentOrigin) {
    refuse('This payment form was framed by a different page than the one that created it.');
    return;
  }

  const inputs = {
    number: document.getElementById('number'),
    expiry: document.getElementById('expiry'),
    cvc: document.getElementById('cvc'),
    postal: document.getElementById('postal'),
  };
  const country = document.getElementById('country');
  const brands = document.querySelectorAll('[data-brands]');
  const FIELD_ORDER = ['number', 'expiry', 'cvc', 'postal'];

  let key = null;
  let options = {};
  let ready = false;
  let focused = false;
  let lastPostal = 'US';
  // Whether each field's error is on show: invalid input at once, incomplete input after the
  // customer leaves the field or presses pay, as Stripe's Elements do.
  const shown = { number: false, expiry: false, cvc: false, postal: false };

  function post(type, payload) {
    window.parent.postMessage({ source: MESSAGE_SOURCE, frameId, type, ...(payload || {}) }, parentOrigin);
  }

  // -------------------------------------------------------------------------------------------
  // Card rules

  const digitsOf = (value) => value.replace(/\D/g, '');

  function brandOf(digits) {
    if (!digits) return 'unknown';
    if (/^3[47]/.test(digits)) return 'amex';
    if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
    if (/^(6011|65|64[4-9])/.test(digits)) return 'discover';
    if (/^35/.test(digits)) return 'jcb';
    if (/^3(0[0-5]|[689])/.test(digits)) return 'diners';
    if (/^62/.test(digits)) return 'unionpay';
    if (/^4/.test(digits)) return 'visa';
    return 'unknown';
  }

  /** Lengths at which a number of this brand can be complete; the last is the longest. */
  function lengthsOf(brand) {
    if (brand === 'amex') return [15];
    if (brand === 'diners') return [14, 16];
    if (brand === 'unionpay') return [16, 17, 18, 19];
    return [16];
  }

  function passesLuhn(digits) {
    let sum = 0;
    let double = false;
    for (let i = digits.length - 1; i >= 0; i--) {
      let d = digits.charCodeAt(i) - 48;
      if (double) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      double = !double;
    }
    return sum % 10 === 0;
  }

  function formatNumber(digits) {
    const brand = brandOf(digits);
    const groups = brand === 'amex' ? [4, 6, 5] : brand === 'diners' && digits.length <= 14 ? [4, 6, 4] : [4, 4, 4, 4, 3];
    const parts = [];
    let at = 0;
    for (const size of groups) {
      if (at >= digits.length) break;
      parts.push(digits.slice(at, at + size));
      at += size;
    }
    return parts.join(' ');
  }

  /** "1234", "12/34", "1 / 2034" → {month, year} as typed (year as its last two digits). */
  function parseExpiry(value) {
    let month;
    let year;
    if (value.includes('/')) {
      const [left, ...rest] = value.split('/');
      month = digitsOf(left).slice(0, 2);
      if (month.length === 1 && digitsOf(rest.join('')).length > 0) month = `0${month}`;
      year = digitsOf(rest.join(''));
      if (year.length === 4) year = year.slice(2);
      year = year.slice(0, 2);
    } else {
      let digits = digitsOf(value);
      if (digits.length > 0 && digits[0] > '1') digits = `0${digits}`;
      else if (digits.length > 1 && digits[0] === '1' && digits[1] > '2') digits = `0${digits}`;
      month = digits.slice(0, 2);
      year = digits.slice(2, 4);
    }
    return { month, year };
  }

  function formatExpiry(value, deleting) {
    const { month, year } = parseExpiry(value);
    if (month.length < 2 || (deleting && !year)) return month;
    return `${month} / ${year}`;
  }

  const POSTAL_RULES = {
    US: { label: 'ZIP code', placeholder: '12345', zip: true },
    CA: { label: 'Postal code', placeholder: 'A1A 1A1' },
    GB: { label: 'Postal code', placeholder: 'SW1A 1AA' },
    AU: { label: 'Postal code', placeholder: '2000' },
    DE: { label: 'Postal code', placeholder: '10115' },
    FR: { label: 'Postal code', placeholder: '75001' },
    ES: { label: 'Postal code', placeholder: '28001' },
    IT: { label: 'Postal code', placeholder: '00118' },
    NL: { label: 'Postal code', placeholder: '1012 AB' },
    JP: { label: 'Postal code', placeholder: '100-0001' },
  };

  const ERRORS = {
    incomplete_number: 'Your card number is incomplete.',
    invalid_number: 'Your card number is invalid.',
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration month is invalid.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_year: "Your card's expiration year is invalid.",
    incomplete_cvc: "Your card's security code is incomplete.",
    incomplete_zip_us: 'Your ZIP is incomplete.',
    incomplete_zip: 'Your postal code is incomplete.',
  };

  const error = (code, messageKey) => ({ type: 'validation_error', code, message: ERRORS[messageKey || code] });

  function postalShown() {
    if (!inputs.postal) return false;
    if (elementType === 'card') return !options.hidePostalCode;
    return Boolean(POSTAL_RULES[country.value]) && !hiddenAddress().postalCode;
  }

  /** What `fields.billingDetails` of the Payment Element hides. */
  function hiddenAddress() {
    const billing = (options.fields && options.fields.billingDetails) || 'auto';
    if (billing === 'never') return { country: true, postalCode: true };
    const address = typeof billing === 'object' ? billing.address || 'auto' : 'auto';
    if (address === 'never') return { country: true, postalCode: true };
    if (typeof address === 'object') return { country: address.country === 'never', postalCode: address.postalCode === 'never' };
    return { country: false, postalCode: false };
  }

  /** {status: 'empty' | 'incomplete' | 'invalid' | 'complete', error} for one field. */
  function check(field) {
    const value = inputs[field].value;
    if (field === 'number') {
      const digits = digitsOf(value);
      if (!digits) return { status: 'empty', error: error('incomplete_number') };
      const lengths = lengthsOf(brandOf(digits));
      const longest = lengths[lengths.length - 1];
      if (lengths.includes(digits.length) && passesLuhn(digits)) return { status: 'complete' };
      if (digits.length >= longest) return { status: 'invalid', error: error('invalid_number') };
      return { status: 'incomplete', error: error('incomplete_number') };
    }
    if (field === 'expiry') {
      if (!value.trim()) return { status: 'empty', error: error('incomplete_expiry') };
      const { month, year } = parseExpiry(value);
      if (month.length === 2 && (Number(month) < 1 || Number(month) > 12)) return { status: 'invalid', error: error('invalid_expiry_month') };
      if (month.length < 2 || year.length < 2) return { status: 'incomplete', error: error('incomplete_expiry') };
      const now = new Date();
      const fullYear = 2000 + Number(year);
      if (fullYear < now.getFullYear()) return { status: 'invalid', error: error('invalid_expiry_year_past') };
      if (fullYear === now.getFullYear() && Number(month) < now.getMonth() + 1) return { status: 'invalid', error: error('invalid_expiry_month_past') };
      if (fullYear > now.getFullYear() + 50) return { status: 'invalid', error: error('invalid_expiry_year') };
      return { status: 'complete' };
    }
    if (field === 'cvc') {
      const digits = digitsOf(value);
      if (!digits) return { status: 'empty', error: error('incomplete_cvc') };
      const needed = brandOf(digitsOf(inputs.number.value)) === 'amex' ? 4 : 3;
      return digits.length >= needed ? { status: 'complete' } : { status: 'incomplete', error: error('incomplete_cvc') };
    }
    const text = value.trim();
    const zip = elementType === 'payment' && POSTAL_RULES[country.value] && POSTAL_RULES[country.value].zip;
    const incomplete = error('incomplete_zip', zip ? 'incomplete_zip_us' : 'incomplete_zip');
    if (!text) return { status: 'empty', error: incomplete };
    const enough = zip ? /^\d{5}$/.test(text) : /^\d+$/.test(text) ? text.length >= 5 : text.replace(/\s/g, '').length >= 3;
    return enough ? { status: 'complete' } : { status: 'incomplete', error: incomplete };
  }

  function activeFields() {
    return FIELD_ORDER.filter((field) => field !== 'postal' || postalShown());
  }

  // -------------------------------------------------------------------------------------------
  // Showing state

  function render() {
    const brand = brandOf(digitsOf(inputs.number.value));
    for (const node of brands) node.dataset.brand = brand;
    inputs.cvc.placeholder = elementType === 'card' ? 'CVC' : brand === 'amex' ? '1234' : 'CVC';
    if (inputs.postal) {
      const postalField = inputs.postal.closest('[data-field]');
      if (postalField) postalField.hidden = !postalShown();
      else inputs.postal.hidden = !postalShown();
    }
    if (country) {
      const address = document.getElementById('address');
      const hidden = hiddenAddress();
      country.closest('[data-field]').hidden = hidden.country;
      address.hidden = hidden.country && !postalShown();
      const rule = POSTAL_RULES[country.value];
      if (rule) {
        document.getElementById('postal-label').textContent = rule.label;
        inputs.postal.placeholder = rule.placeholder;
        inputs.postal.inputMode = rule.zip ? 'numeric' : 'text';
      }
    }
    for (const field of FIELD_ORDER) {
      const input = inputs[field];
      if (!input) continue;
      const result = check(field);
      const visible = shown[field] && result.error && (field !== 'postal' || postalShown());
      input.setAttribute('aria-invalid', visible ? 'true' : 'false');
      input.classList.toggle('is-invalid', Boolean(visible));
      const message = document.getElementById(`${field}-error`);
      if (message) message.textContent = visible ? result.error.message : '';
    }
    reportSize();
  }

  let lastChange = '';

  function changeEvent() {
    const results = activeFields().map((field) => [field, check(field)]);
    const visible = results.find(([field, result]) => shown[field] && result.error);
    const event = {
      empty: results.every(([, result]) => result.status === 'empty'),
      complete: results.every(([, result]) => result.status === 'complete'),
      brand: brandOf(digitsOf(inputs.number.value)),
      error: visible ? visible[1].error : undefined,
    };
    if (elementType === 'payment') {
      event.collapsed = false;
      event.value = { type: 'card' };
    } else {
      event.value = postalShown() ? { postalCode: inputs.postal.value.trim() } : {};
    }
    return event;
  }

  /** Tells the parent, once per actual change (the value, completeness or the error on show). */
  function reportChange(valueChanged) {
    const event = changeEvent();
    const serialised = JSON.stringify(event);
    if (!valueChanged && serialised === lastChange) return;
    lastChange = serialised;
    post('change', { event, valueChanged: Boolean(valueChanged) });
  }

  let lastHeight = 0;

  function reportSize() {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    post('resize', { height });
  }

  // -------------------------------------------------------------------------------------------
  // Typing

  const NEXT = { number: 'expiry', expiry: 'cvc', cvc: 'postal' };

  function reformat(field, deleting) {
    const input = inputs[field];
    const atEnd = input.selectionStart === input.value.length;
    let value = input.value;
    if (field === 'number') {
      const digits = digitsOf(value);
      const lengths = lengthsOf(brandOf(digits));
      value = formatNumber(digits.slice(0, lengths[lengths.length - 1]));
    } else if (field === 'expiry') {
      value = formatExpiry(value, deleting);
    } else if (field === 'cvc') {
      value = digitsOf(value).slice(0, 4);
    } else if (field === 'postal') {
      const zip = elementType === 'payment' && POSTAL_RULES[country.value] && POSTAL_RULES[country.value].zip;
      value = zip ? digitsOf(value).slice(0, 5) : value.toUpperCase().replace(/[^A-Z0-9 -]/g, '').slice(0, 10);
    }
    if (value !== input.value) {
      input.value = value;
      if (atEnd) input.setSelectionRange(value.length, value.length);
    }
  }

  for (const field of FIELD_ORDER) {
    const input = inputs[field];
    if (!input) continue;
    input.addEventListener('input', (event) => {
      const deleting = typeof event.inputType === 'string' && event.inputType.startsWith('delete');
      reformat(field, deleting);
      const result = check(field);
      // While typing, only an outright invalid value is flagged; "incomplete" waits.
      shown[field] = result.status === 'invalid';
      render();
      reportChange(true);
      const next = NEXT[field] && inputs[NEXT[field]];
      const typedToEnd = input.selectionStart === input.value.length && !deleting;
      if (result.status === 'complete' && typedToEnd && next && !next.value && !next.closest('[hidden]') && !next.hidden) next.focus();
    });
    input.addEventListener('blur', () => {
      const result = check(field);
      shown[field] = result.status === 'invalid' || result.status === 'incomplete';
      render();
      reportChange(false);
    });
  }

  if (country) {
    country.addEventListener('change', () => {
      if (inputs.postal.value && POSTAL_RULES[country.value] && POSTAL_RULES[lastPostal] && POSTAL_RULES[country.value].zip !== POSTAL_RULES[lastPostal].zip) inputs.postal.value = '';
      lastPostal = country.value;
      shown.postal = false;
      render();
      reportChange(true);
    });
  }

  document.addEventListener('focusin', () => {
    if (focused) return;
    focused = true;
    post('focus');
  });
  document.addEventListener('focusout', (event) => {
    if (event.relatedTarget && root.contains(event.relatedTarget)) return;
    focused = false;
    post('blur');
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') post('escape');
  });
  // Enter must not do anything here: paying is the shop page's button.
  document.getElementById('form').addEventListener('submit', (event) => event.preventDefault());

  // -------------------------------------------------------------------------------------------
  // Options and appearance

  const THEMES = {
    stripe: {
      colorPrimary: '#0570de',
      colorBackground: '#ffffff',
      colorText: '#30313d',
      colorDanger: '#df1b41',
      colorTextSecondary: '#6d6e78',
      colorTextPlaceholder: '#87898f',
      borderColor: '#e6e6e6',
    },
    night: {
      colorPrimary: '#0570de',
      colorBackground: '#30313d',
      colorText: '#ffffff',
      colorDanger: '#fe87a1',
      colorTextSecondary: '#a9a9b3',
      colorTextPlaceholder: '#87898f',
      borderColor: '#424353',
    },
    flat: {
      colorPrimary: '#0570de',
      colorBackground: '#f1f1f1',
      colorText: '#30313d',
      colorDanger: '#df1b41',
      colorTextSecondary: '#6d6e78',
      colorTextPlaceholder: '#87898f',
      borderColor: 'transparent',
    },
  };

  const VARIABLES = {
    colorPrimary: '--color-primary',
    colorBackground: '--color-background',
    colorText: '--color-text',
    colorDanger: '--color-danger',
    colorTextSecondary: '--color-text-secondary',
    colorTextPlaceholder: '--color-placeholder',
    borderColor: '--color-border',
    fontFamily: '--font-family',
    fontSizeBase: '--font-size',
    borderRadius: '--radius',
  };

  function applyAppearance(appearance) {
    const theme = THEMES[(appearance && appearance.theme) || 'stripe'] || THEMES.stripe;
    const variables = { ...theme, ...((appearance && appearance.variables) || {}) };
    const style = document.documentElement.style;
    for (const [name, property] of Object.entries(VARIABLES)) {
      if (variables[name] !== undefined && variables[name] !== null) style.setProperty(property, String(variables[name]));
      else style.removeProperty(property);
    }
    document.documentElement.dataset.labels = appearance && appearance.labels === 'floating' ? 'floating' : 'above';
  }

  /** The Card Element's `style` option ({base, invalid}) maps onto the same variables. */
  function applyCardStyle(cardStyle) {
    const style = document.documentElement.style;
    const base = (cardStyle && cardStyle.base) || {};
    const invalid = (cardStyle && cardStyle.invalid) || {};
    const set = (property, value) => (value ? style.setProperty(property, String(value)) : style.removeProperty(property));
    set('--color-text', base.color);
    set('--font-family', base.fontFamily);
    set('--font-size', base.fontSize);
    set('--color-placeholder', base['::placeholder'] && base['::placeholder'].color);
    set('--color-icon', base.iconColor);
    set('--color-danger', invalid.color);
  }

  function applyOptions(next) {
    options = next || {};
    const readOnly = Boolean(options.readOnly || options.disabled);
    for (const input of Object.values(inputs)) if (input) input.readOnly = readOnly;
    if (country) country.disabled = readOnly;
    if (elementType === 'card') {
      applyCardStyle(options.style);
      document.documentElement.dataset.hideIcon = options.hideIcon ? 'true' : 'false';
      if (options.value && typeof options.value.postalCode === 'string' && !inputs.postal.value) inputs.postal.value = options.value.postalCode;
    } else {
      const address = options.defaultValues && options.defaultValues.billingDetails && options.defaultValues.billingDetails.address;
      if (address && address.country && [...country.options].some((option) => option.value === address.country)) {
        country.value = address.country;
        lastPostal = country.value;
      }
      if (address && address.postal_code && !inputs.postal.value) inputs.postal.value = address.postal_code;
    }
    render();
  }

  function preferredCountry() {
    const languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en-US'];
    for (const language of languages) {
      const region = String(language).split('-')[1];
      if (region && [...country.options].some((option) => option.value === region.toUpperCase())) return region.toUpperCase();
    }
    return 'US';
  }

  // -------------------------------------------------------------------------------------------
  // Requests from the parent

  /** Shows every problem, as pressing pay does, and answers with the first one. */
  function validateForSubmit() {
    const fields = activeFields();
    for (const field of fields) shown[field] = check(field).status !== 'complete';
    render();
    reportChange(false);
    const first = fields.find((field) => check(field).status !== 'complete');
    if (!first) return {};
    inputs[first].focus();
    return { error: check(first).error };
  }

  function appendForm(form, prefix, value) {
    if (value === undefined || value === null) return;
    if (typeof value === 'object') {
      for (const [name, inner] of Object.entries(value)) appendForm(form, `${prefix}[${name}]`, inner);
    } else {
      form.append(prefix, String(value));
    }
  }

  const API_PARAM_FIELDS = { 'card[number]': 'number', 'card[exp_month]': 'expiry', 'card[exp_year]': 'expiry', 'card[cvc]': 'cvc' };

  async function createPaymentMethod(billingDetails, metadata) {
    const validation = validateForSubmit();
    if (validation.error) return validation;
    const { month, year } = parseExpiry(inputs.expiry.value);
    const address = { ...((billingDetails && billingDetails.address) || {}) };
    if (postalShown()) address.postal_code = inputs.postal.value.trim();
    if (elementType === 'payment' && !hiddenAddress().country) address.country = country.value;
    const form = new URLSearchParams();
    form.set('type', 'card');
    form.set('card[number]', digitsOf(inputs.number.value));
    form.set('card[exp_month]', String(Number(month)));
    form.set('card[exp_year]', String(2000 + Number(year)));
    form.set('card[cvc]', digitsOf(inputs.cvc.value));
    appendForm(form, 'billing_details', { ...(billingDetails || {}), address: Object.keys(address).length ? address : undefined });
    appendForm(form, 'metadata', metadata);
    form.set('payment_user_agent', `stripe.js/billfold-sandbox; stripe-js-v3/billfold-sandbox; ${elementType}-element`);
    let response;
    try {
      response = await fetch('/v1/payment_methods', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form,
      });
    } catch {
      return { error: { type: 'api_connection_error', message: 'Could not reach the Billfold sandbox.' } };
    }
    const body = await response.json().catch(() => null);
    if (!response.ok || !body || body.error) {
      const failure = (body && body.error) || { type: 'api_error', message: `The Billfold sandbox answered HTTP ${response.status}.` };
      const field = API_PARAM_FIELDS[failure.param];
      if (field && elementType === 'payment') {
        shown[field] = false;
        render();
        document.getElementById(`${field}-error`).textContent = failure.message;
      }
      return { error: failure };
    }
    return { paymentMethod: body };
  }

  /** A Payment Element made with a client secret first checks that the intent exists. */
  async function checkIntent(clientSecret) {
    const match = /^((pi|seti)_[A-Za-z0-9]+)_secret_/.exec(String(clientSecret));
    if (!match) return { type: 'invalid_request_error', message: 'The client secret is not one of a PaymentIntent or SetupIntent.' };
    const path = match[2] === 'pi' ? 'payment_intents' : 'setup_intents';
    try {
      const response = await fetch(`/v1/${path}/${match[1]}?${new URLSearchParams({ client_secret: clientSecret })}`, { headers: { Authorization: `Bearer ${key}` } });
      if (response.ok) return null;
      const body = await response.json().catch(() => null);
      return (body && body.error) || { type: 'api_error', message: `The Billfold sandbox answered HTTP ${response.status}.` };
    } catch {
      return { type: 'api_connection_error', message: 'Could not reach the Billfold sandbox.' };
    }
  }

  async function init(config) {
    key = config.key;
    applyAppearance(config.group && config.group.appearance);
    if (country) {
      country.value = preferredCountry();
      lastPostal = country.value;
    }
    applyOptions(config.options);
    if (elementType === 'payment' && config.group && config.group.clientSecret) {
      const failure = await checkIntent(config.group.clientSecret);
      if (failure) {
        refuse(`This payment form could not load: ${failure.message}`);
        reportSize();
        post('loaderror', { error: failure });
        return;
      }
    }
    ready = true;
    render();
    // As Stripe's: no change event until the customer (or update()) changes something.
    lastChange = JSON.stringify(changeEvent());
    post('ready');
  }

  function clear() {
    for (const input of Object.values(inputs)) if (input) input.value = '';
    for (const field of FIELD_ORDER) shown[field] = false;
    render();
    reportChange(true);
  }

  function respond(requestId, result) {
    post('response', { requestId, result });
  }

  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.source !== MESSAGE_SOURCE || data.frameId !== frameId) return;
    switch (data.type) {
      case 'init':
        void init(data.config || {});
        break;
      case 'update':
        applyOptions(data.options);
        reportChange(false);
        break;
      case 'group':
        applyAppearance(data.group && data.group.appearance);
        break;
      case 'focus':
        inputs.number.focus();
        break;
      case 'blur':
        if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
        break;
      case 'clear':
        clear();
        break;
      case 'validate':
        respond(data.requestId, ready ? validateForSubmit() : { error: { type: 'validation_error', message: 'The payment form is still loading.' } });
        break;
      case 'tokenize':
        if (!ready) respond(data.requestId, { error: { type: 'validation_error', message: 'The payment form is still loading.' } });
        else void createPaymentMethod(data.billingDetails, data.metadata).then((result) => respond(data.requestId, result));
        break;
      default:
        break;
    }
  });

  new ResizeObserver(reportSize).observe(document.documentElement);
  post('load');
})();
