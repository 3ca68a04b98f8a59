/*
 * The card form inside a Payment Element or Card Element: the script of the page /elements/frame
 * (../element-frame.ts renders the page), served by the sandbox and framed by the shop's page.
 * The card number, expiry, security code and postal code stay in this frame; it creates the
 * PaymentMethod with the publishable key (same origin, so the shop's page never sees the
 * request) and answers the parent with the result only.
 */
'use strict';

import { passesLuhn } from '@/lib/luhn';
import { applyAppearance, byId, optionalById, post, preferredCountry, refuse, reportSize, startFrame } from './frame-page';
import type { BillingDetails, CardChangeEvent, ElementOptions, Envelope, FrameConfig, FrameResult, StripeJsError, ToFrame } from './messages';

type Field = 'number' | 'expiry' | 'cvc' | 'postal';
type Status = 'empty' | 'incomplete' | 'invalid' | 'complete';

const elementType = document.body.dataset.elementType === 'card' ? 'card' : 'payment';
const inputs: Record<Field, HTMLInputElement> = {
  number: byId('number', HTMLInputElement),
  expiry: byId('expiry', HTMLInputElement),
  cvc: byId('cvc', HTMLInputElement),
  postal: byId('postal', HTMLInputElement),
};
const country = optionalById('country', HTMLSelectElement);
const brands = document.querySelectorAll<HTMLElement>('[data-brands]');
const FIELD_ORDER: Field[] = ['number', 'expiry', 'cvc', 'postal'];

let key: string | null = null;
let options: ElementOptions = {};
let ready = false;
let lastPostal = 'US';
// Whether each field's error is on show: invalid input at once, incomplete input after the
// customer leaves the field or presses pay, as Stripe's Elements do.
const shown: Record<Field, boolean> = { number: false, expiry: false, cvc: false, postal: false };


// -------------------------------------------------------------------------------------------
// Card rules

const digitsOf = (value: string) => value.replace(/\D/g, '');

function brandOf(digits: string): string {
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
function lengthsOf(brand: string): number[] {
  if (brand === 'amex') return [15];
  if (brand === 'diners') return [14, 16];
  if (brand === 'unionpay') return [16, 17, 18, 19];
  return [16];
}

function longestOf(brand: string): number {
  return Math.max(...lengthsOf(brand));
}

function formatNumber(digits: string): string {
  const brand = brandOf(digits);
  const groups = brand === 'amex' ? [4, 6, 5] : brand === 'diners' && digits.length <= 14 ? [4, 6, 4] : [4, 4, 4, 4, 3];
  const parts: string[] = [];
  let at = 0;
  for (const size of groups) {
    if (at >= digits.length) break;
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  return parts.join(' ');
}

/** "1234", "12/34", "1 / 2034" → {month, year} as typed (year as its last two digits). */
function parseExpiry(value: string): { month: string; year: string } {
  let month: string;
  let year: string;
  if (value.includes('/')) {
    const [left = '', ...rest] = value.split('/');
    month = digitsOf(left).slice(0, 2);
    if (month.length === 1 && digitsOf(rest.join('')).length > 0) month = `0${month}`;
    year = digitsOf(rest.join(''));
    if (year.length === 4) year = year.slice(2);
    year = year.slice(0, 2);
  } else {
    let digits = digitsOf(value);
    if (digits.length > 0 && digits.charAt(0) > '1') digits = `0${digits}`;
    else if (digits.length > 1 && digits.charAt(0) === '1' && digits.charAt(1) > '2') digits = `0${digits}`;
    month = digits.slice(0, 2);
    year = digits.slice(2, 4);
  }
  return { month, year };
}

function formatExpiry(value: string, deleting: boolean): string {
  const { month, year } = parseExpiry(value);
  if (month.length < 2 || (deleting && !year)) return month;
  return `${month} / ${year}`;
}

const POSTAL_RULES: Record<string, { label: string; placeholder: string; zip?: boolean }> = {
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

const error = (code: string, messageKey: keyof typeof ERRORS): StripeJsError => ({ type: 'validation_error', code, message: ERRORS[messageKey] });
const errorOf = (code: keyof typeof ERRORS) => error(code, code);

/** The postal rules of the country chosen in the Payment Element (none in the Card Element). */
function postalRule(): (typeof POSTAL_RULES)[string] | undefined {
  return country ? POSTAL_RULES[country.value] : undefined;
}

/** Whether the postal code is a US ZIP (five digits): the Payment Element's, for the US. */
function zipOnly(): boolean {
  return elementType === 'payment' && Boolean(postalRule()?.zip);
}

function postalShown(): boolean {
  if (elementType === 'card') return !options.hidePostalCode;
  return Boolean(postalRule()) && !hiddenAddress().postalCode;
}

/** What `fields.billingDetails` of the Payment Element hides. */
function hiddenAddress(): { country: boolean; postalCode: boolean } {
  const billing = (options.fields && options.fields.billingDetails) || 'auto';
  if (billing === 'never') return { country: true, postalCode: true };
  const address = typeof billing === 'object' ? billing.address || 'auto' : 'auto';
  if (address === 'never') return { country: true, postalCode: true };
  if (typeof address === 'object') return { country: address.country === 'never', postalCode: address.postalCode === 'never' };
  return { country: false, postalCode: false };
}

/** One field's state, and the error it would show. */
function check(field: Field): { status: Status; error?: StripeJsError } {
  const value = inputs[field].value;
  if (field === 'number') {
    const digits = digitsOf(value);
    if (!digits) return { status: 'empty', error: errorOf('incomplete_number') };
    const brand = brandOf(digits);
    if (lengthsOf(brand).includes(digits.length) && passesLuhn(digits)) return { status: 'complete' };
    if (digits.length >= longestOf(brand)) return { status: 'invalid', error: errorOf('invalid_number') };
    return { status: 'incomplete', error: errorOf('incomplete_number') };
  }
  if (field === 'expiry') {
    if (!value.trim()) return { status: 'empty', error: errorOf('incomplete_expiry') };
    const { month, year } = parseExpiry(value);
    if (month.length === 2 && (Number(month) < 1 || Number(month) > 12)) return { status: 'invalid', error: errorOf('invalid_expiry_month') };
    if (month.length < 2 || year.length < 2) return { status: 'incomplete', error: errorOf('incomplete_expiry') };
    const now = new Date();
    const fullYear = 2000 + Number(year);
    if (fullYear < now.getFullYear()) return { status: 'invalid', error: errorOf('invalid_expiry_year_past') };
    if (fullYear === now.getFullYear() && Number(month) < now.getMonth() + 1) return { status: 'invalid', error: errorOf('invalid_expiry_month_past') };
    if (fullYear > now.getFullYear() + 50) return { status: 'invalid', error: errorOf('invalid_expiry_year') };
    return { status: 'complete' };
  }
  if (field === 'cvc') {
    const digits = digitsOf(value);
    if (!digits) return { status: 'empty', error: errorOf('incomplete_cvc') };
    const needed = brandOf(digitsOf(inputs.number.value)) === 'amex' ? 4 : 3;
    return digits.length >= needed ? { status: 'complete' } : { status: 'incomplete', error: errorOf('incomplete_cvc') };
  }
  const text = value.trim();
  const zip = zipOnly();
  const incomplete = error('incomplete_zip', zip ? 'incomplete_zip_us' : 'incomplete_zip');
  if (!text) return { status: 'empty', error: incomplete };
  const enough = zip ? /^\d{5}$/.test(text) : /^\d+$/.test(text) ? text.length >= 5 : text.replace(/\s/g, '').length >= 3;
  return enough ? { status: 'complete' } : { status: 'incomplete', error: incomplete };
}

function activeFields(): Field[] {
  return FIELD_ORDER.filter((field) => field !== 'postal' || postalShown());
}

// -------------------------------------------------------------------------------------------
// Showing state

function render(): void {
  const brand = brandOf(digitsOf(inputs.number.value));
  for (const node of brands) node.dataset.brand = brand;
  inputs.cvc.placeholder = elementType === 'card' ? 'CVC' : brand === 'amex' ? '1234' : 'CVC';
  const postalField = inputs.postal.closest<HTMLElement>('[data-field]');
  if (postalField) postalField.hidden = !postalShown();
  else inputs.postal.hidden = !postalShown();
  if (country) {
    const address = byId('address', HTMLDivElement);
    const hidden = hiddenAddress();
    const countryField = country.closest<HTMLElement>('[data-field]');
    if (countryField) countryField.hidden = hidden.country;
    address.hidden = hidden.country && !postalShown();
    const rule = postalRule();
    if (rule) {
      byId('postal-label', HTMLLabelElement).textContent = rule.label;
      inputs.postal.placeholder = rule.placeholder;
      inputs.postal.inputMode = rule.zip ? 'numeric' : 'text';
    }
  }
  for (const field of FIELD_ORDER) {
    const input = inputs[field];
    const result = check(field);
    const visible = shown[field] && result.error && (field !== 'postal' || postalShown());
    input.setAttribute('aria-invalid', visible ? 'true' : 'false');
    input.classList.toggle('is-invalid', Boolean(visible));
    const message = document.getElementById(`${field}-error`);
    if (message) message.textContent = visible && result.error ? result.error.message : '';
  }
  reportSize();
}

let lastChange = '';

function changeEvent(): CardChangeEvent {
  const results = activeFields().map((field) => [field, check(field)] as const);
  const visible = results.find(([field, result]) => shown[field] && result.error);
  const state = {
    empty: results.every(([, result]) => result.status === 'empty'),
    complete: results.every(([, result]) => result.status === 'complete'),
    brand: brandOf(digitsOf(inputs.number.value)),
    error: visible ? visible[1].error : undefined,
  };
  if (elementType === 'payment') return { ...state, collapsed: false, value: { type: 'card' } };
  return { ...state, value: postalShown() ? { postalCode: inputs.postal.value.trim() } : {} };
}

/** Tells the parent, once per actual change (the value, completeness or the error on show). */
function reportChange(valueChanged: boolean): void {
  const event = changeEvent();
  const serialised = JSON.stringify(event);
  if (!valueChanged && serialised === lastChange) return;
  lastChange = serialised;
  post({ type: 'change', event, valueChanged: Boolean(valueChanged) });
}


// -------------------------------------------------------------------------------------------
// Typing

const NEXT: Partial<Record<Field, Field>> = { number: 'expiry', expiry: 'cvc', cvc: 'postal' };

function reformat(field: Field, deleting: boolean): void {
  const input = inputs[field];
  const atEnd = input.selectionStart === input.value.length;
  let value = input.value;
  if (field === 'number') {
    const digits = digitsOf(value);
    value = formatNumber(digits.slice(0, longestOf(brandOf(digits))));
  } else if (field === 'expiry') {
    value = formatExpiry(value, deleting);
  } else if (field === 'cvc') {
    value = digitsOf(value).slice(0, 4);
  } else if (field === 'postal') {
    value = zipOnly() ? digitsOf(value).slice(0, 5) : value.toUpperCase().replace(/[^A-Z0-9 -]/g, '').slice(0, 10);
  }
  if (value !== input.value) {
    input.value = value;
    if (atEnd) input.setSelectionRange(value.length, value.length);
  }
}

function listenToTyping(): void {
  for (const field of FIELD_ORDER) {
    const input = inputs[field];
    input.addEventListener('input', (event) => {
      const deleting = event instanceof InputEvent && event.inputType.startsWith('delete');
      reformat(field, deleting);
      const result = check(field);
      // While typing, only an outright invalid value is flagged; "incomplete" waits.
      shown[field] = result.status === 'invalid';
      render();
      reportChange(true);
      const nextField = NEXT[field];
      const next = nextField && inputs[nextField];
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
      const rule = POSTAL_RULES[country.value];
      const before = POSTAL_RULES[lastPostal];
      if (inputs.postal.value && rule && before && rule.zip !== before.zip) inputs.postal.value = '';
      lastPostal = country.value;
      shown.postal = false;
      render();
      reportChange(true);
    });
  }

}

// -------------------------------------------------------------------------------------------
// Options and appearance


/** The Card Element's `style` option ({base, invalid}) maps onto the same variables. */
function applyCardStyle(cardStyle: ElementOptions['style']): void {
  const style = document.documentElement.style;
  const base = (cardStyle && cardStyle.base) || {};
  const invalid = (cardStyle && cardStyle.invalid) || {};
  const set = (property: string, value: unknown) => (value ? style.setProperty(property, String(value)) : style.removeProperty(property));
  set('--color-text', base.color);
  set('--font-family', base.fontFamily);
  set('--font-size', base.fontSize);
  set('--color-placeholder', base['::placeholder'] && base['::placeholder'].color);
  set('--color-icon', base.iconColor);
  set('--color-danger', invalid.color);
}

function applyOptions(next: ElementOptions | undefined): void {
  options = next || {};
  const readOnly = Boolean(options.readOnly || options.disabled);
  for (const input of Object.values(inputs)) input.readOnly = readOnly;
  if (country) country.disabled = readOnly;
  if (elementType === 'card') {
    applyCardStyle(options.style);
    document.documentElement.dataset.hideIcon = options.hideIcon ? 'true' : 'false';
    if (options.value && typeof options.value.postalCode === 'string' && !inputs.postal.value) inputs.postal.value = options.value.postalCode;
  } else if (country) {
    const address = options.defaultValues && options.defaultValues.billingDetails && options.defaultValues.billingDetails.address;
    if (address && address.country && [...country.options].some((option) => option.value === address.country)) {
      country.value = address.country;
      lastPostal = country.value;
    }
    if (address && address.postal_code && !inputs.postal.value) inputs.postal.value = address.postal_code;
  }
  render();
}


// -------------------------------------------------------------------------------------------
// Requests from the parent

/** Shows every problem, as pressing pay does, and answers with the first one. */
function validateForSubmit(): { error: StripeJsError } | Record<string, never> {
  const fields = activeFields();
  for (const field of fields) shown[field] = check(field).status !== 'complete';
  render();
  reportChange(false);
  const first = fields.find((field) => check(field).status !== 'complete');
  if (!first) return {};
  inputs[first].focus();
  const { error: problem } = check(first);
  return problem ? { error: problem } : {};
}

function appendForm(form: URLSearchParams, prefix: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'object') {
    for (const [name, inner] of Object.entries(value)) appendForm(form, `${prefix}[${name}]`, inner);
  } else {
    form.append(prefix, String(value));
  }
}

const API_PARAM_FIELDS: Record<string, Field> = { 'card[number]': 'number', 'card[exp_month]': 'expiry', 'card[exp_year]': 'expiry', 'card[cvc]': 'cvc' };

async function createPaymentMethod(billingDetails: BillingDetails | undefined, metadata: Record<string, unknown> | undefined): Promise<FrameResult> {
  const validation = validateForSubmit();
  if ('error' in validation) return validation;
  const { month, year } = parseExpiry(inputs.expiry.value);
  const address: Record<string, unknown> = { ...((billingDetails && billingDetails.address) || {}) };
  if (postalShown()) address.postal_code = inputs.postal.value.trim();
  if (elementType === 'payment' && country && !hiddenAddress().country) address.country = country.value;
  const form = new URLSearchParams();
  form.set('type', 'card');
  form.set('card[number]', digitsOf(inputs.number.value));
  form.set('card[exp_month]', String(Number(month)));
  form.set('card[exp_year]', String(2000 + Number(year)));
  form.set('card[cvc]', digitsOf(inputs.cvc.value));
  appendForm(form, 'billing_details', { ...(billingDetails || {}), address: Object.keys(address).length ? address : undefined });
  appendForm(form, 'metadata', metadata);
  form.set('payment_user_agent', `stripe.js/billfold-sandbox; stripe-js-v3/billfold-sandbox; ${elementType}-element`);
  let response: Response;
  try {
    response = await fetch('/v1/payment_methods', {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  } catch {
    return { error: { type: 'api_connection_error', message: 'Could not reach the Billfold sandbox.' } };
  }
  const body: { id: string; error?: StripeJsError } | null = await response.json().catch(() => null);
  if (!response.ok || !body || body.error) {
    const failure = (body && body.error) || { type: 'api_error', message: `The Billfold sandbox answered HTTP ${response.status}.` };
    const field = failure.param === undefined ? undefined : API_PARAM_FIELDS[failure.param];
    if (field && elementType === 'payment') {
      shown[field] = false;
      render();
      byId(`${field}-error`, HTMLParagraphElement).textContent = failure.message;
    }
    return { error: failure };
  }
  return { paymentMethod: body };
}

/** A Payment Element made with a client secret first checks that the intent exists. */
async function checkIntent(clientSecret: string): Promise<StripeJsError | null> {
  const match = /^((pi|seti)_[A-Za-z0-9]+)_secret_/.exec(String(clientSecret));
  if (!match) return { type: 'invalid_request_error', message: 'The client secret is not one of a PaymentIntent or SetupIntent.' };
  const path = match[2] === 'pi' ? 'payment_intents' : 'setup_intents';
  try {
    const response = await fetch(`/v1/${path}/${match[1]}?${new URLSearchParams({ client_secret: clientSecret })}`, { headers: { Authorization: `Bearer ${key}` } });
    if (response.ok) return null;
    const body: { error?: StripeJsError } | null = await response.json().catch(() => null);
    return (body && body.error) || { type: 'api_error', message: `The Billfold sandbox answered HTTP ${response.status}.` };
  } catch {
    return { type: 'api_connection_error', message: 'Could not reach the Billfold sandbox.' };
  }
}

async function init(config: Partial<FrameConfig>): Promise<void> {
  key = config.key ?? null;
  applyAppearance(config.group && config.group.appearance);
  if (country) {
    country.value = preferredCountry(country);
    lastPostal = country.value;
  }
  applyOptions(config.options);
  if (elementType === 'payment' && config.group && config.group.clientSecret) {
    const failure = await checkIntent(config.group.clientSecret);
    if (failure) {
      refuse(`This payment form could not load: ${failure.message}`);
      reportSize();
      post({ type: 'loaderror', error: failure });
      return;
    }
  }
  ready = true;
  render();
  // As Stripe's: no change event until the customer (or update()) changes something.
  lastChange = JSON.stringify(changeEvent());
  post({ type: 'ready' });
}

function clear(): void {
  for (const input of Object.values(inputs)) input.value = '';
  for (const field of FIELD_ORDER) shown[field] = false;
  render();
  reportChange(true);
}

function respond(requestId: number, result: FrameResult): void {
  post({ type: 'response', requestId, result });
}

const STILL_LOADING: FrameResult = { error: { type: 'validation_error', message: 'The payment form is still loading.' } };

function answer(message: Envelope<ToFrame>): void {
  switch (message.type) {
    case 'init':
      void init(message.config || {});
      break;
    case 'update':
      applyOptions(message.options);
      reportChange(false);
      break;
    case 'group':
      applyAppearance(message.group && message.group.appearance);
      break;
    case 'focus':
      inputs.number.focus();
      break;
    case 'blur':
      if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body) document.activeElement.blur();
      break;
    case 'clear':
      clear();
      break;
    case 'validate':
      respond(message.requestId, ready ? validateForSubmit() : STILL_LOADING);
      break;
    case 'tokenize':
      if (!ready) respond(message.requestId, STILL_LOADING);
      else void createPaymentMethod(message.billingDetails, message.metadata).then((result) => respond(message.requestId, result));
      break;
    default:
      break;
  }
}

if (startFrame(answer)) listenToTyping();
