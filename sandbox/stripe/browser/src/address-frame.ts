/*
 * The forms inside an Address Element and a Link Authentication Element: the script of the
 * pages /elements/frame?type=address|linkAuthentication (../element-frame.ts renders them). The
 * frame checks what the customer types as Stripe's does (required fields, an email's shape, a
 * postal code's shape in its country) and tells the shop's page the value with each change, as
 * Stripe's change events carry it; it calls no API itself.
 */
'use strict';

import { applyAppearance, byId, optionalById, post, preferredCountry, reportSize, startFrame } from './frame-page';
import type {
  AddressChangeEvent,
  AddressElementOptions,
  AddressMode,
  AddressValue,
  ContactDetails,
  Envelope,
  FrameConfig,
  FrameResult,
  LinkAuthenticationChangeEvent,
  LinkAuthenticationElementOptions,
  StripeJsError,
  ToFrame,
} from './messages';

type Status = 'empty' | 'invalid' | 'complete';
interface Check {
  status: Status;
  error?: StripeJsError;
}

const elementType = document.body.dataset.elementType === 'linkAuthentication' ? 'linkAuthentication' : 'address';
const inputs = new Map([...document.querySelectorAll<HTMLInputElement>('#form input')].map((input) => [input.id, input]));
const country = optionalById('country', HTMLSelectElement);
// Every country the page lists, before `allowedCountries` narrows them.
const allCountries = country ? [...country.options] : [];
// Each input's autocomplete token, to which the Address Element's mode adds its section.
const autocompleteTokens = new Map([...inputs.values(), ...(country ? [country] : [])].map((input) => [input.id, input.autocomplete]));

let options: AddressElementOptions & LinkAuthenticationElementOptions = {};
let ready = false;
// Whether each field's error is on show: after the customer leaves a field they filled in, and
// for every field once the shop submits (Stripe's Elements do not flag a field still untouched).
const shown = new Map<string, boolean>();

function input(id: string): HTMLInputElement {
  const found = inputs.get(id);
  if (!found) throw new Error(`The ${elementType} frame has no #${id}.`);
  return found;
}

const text = (id: string) => input(id).value.trim();

// -------------------------------------------------------------------------------------------
// Address rules

interface PostalCode {
  label: string;
  /** The code's shape, checked on the trimmed, upper-cased value. */
  pattern: RegExp;
  example: string;
}

/** How a country writes an address: what it calls its city and region (if it has one) and its postal code. */
interface AddressFormat {
  city: string;
  state: string | null;
  postal: PostalCode | null;
}

const digits = (count: number, example: string): PostalCode => ({ label: 'Postal code', pattern: new RegExp(`^\\d{${count}}$`), example });

const FORMATS: Record<string, Partial<AddressFormat>> = {
  US: { state: 'State', postal: { label: 'ZIP code', pattern: /^\d{5}(-\d{4})?$/, example: '94103' } },
  CA: { state: 'Province', postal: { label: 'Postal code', pattern: /^[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d$/, example: 'K1A 0B1' } },
  GB: { city: 'Town or city', postal: { label: 'Postal code', pattern: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/, example: 'SW1A 1AA' } },
  IE: { city: 'Town or city', state: 'County', postal: { label: 'Eircode', pattern: /^[A-Z]\d[\dW] ?[A-Z\d]{4}$/, example: 'D02 X285' } },
  DE: { postal: digits(5, '10115') },
  FR: { postal: digits(5, '75001') },
  ES: { state: 'Province', postal: digits(5, '28001') },
  IT: { state: 'Province', postal: digits(5, '00118') },
  NL: { postal: { label: 'Postal code', pattern: /^\d{4} ?[A-Z]{2}$/, example: '1012 AB' } },
  JP: { state: 'Prefecture', postal: { label: 'Postal code', pattern: /^\d{3}-?\d{4}$/, example: '100-0001' } },
  AU: { city: 'Suburb', state: 'State', postal: digits(4, '2000') },
  NZ: { city: 'Suburb', postal: digits(4, '6011') },
  AT: { postal: digits(4, '1010') },
  BE: { postal: digits(4, '1000') },
  CH: { postal: digits(4, '8001') },
  DK: { postal: digits(4, '1050') },
  NO: { postal: digits(4, '0150') },
  SE: { postal: { label: 'Postal code', pattern: /^\d{3} ?\d{2}$/, example: '111 22' } },
  PL: { postal: { label: 'Postal code', pattern: /^\d{2}-\d{3}$/, example: '00-001' } },
  PT: { postal: { label: 'Postal code', pattern: /^\d{4}-\d{3}$/, example: '1000-001' } },
  BR: { state: 'State', postal: { label: 'Postal code', pattern: /^\d{5}-?\d{3}$/, example: '01000-000' } },
  MX: { state: 'State', postal: digits(5, '06000') },
  IN: { state: 'State', postal: digits(6, '110001') },
  // Addresses there have no postal code.
  AE: { postal: null },
  HK: { state: 'Area', postal: null },
};

const ANY_POSTAL_CODE: PostalCode = { label: 'Postal code', pattern: /^[A-Z0-9][A-Z0-9 -]{1,9}$/, example: '' };

function format(): AddressFormat {
  const known = FORMATS[country ? country.value : 'US'] || {};
  return { city: known.city ?? 'City', state: known.state ?? null, postal: known.postal === undefined ? ANY_POSTAL_CODE : known.postal };
}

const mode = (): AddressMode => (options.mode === 'shipping' ? 'shipping' : 'billing');
const splitName = () => Boolean(options.display && options.display.name === 'split');
const phoneShown = () => Boolean(options.fields && options.fields.phone === 'always');
const phoneRequired = () => phoneShown() && Boolean(options.validation && options.validation.phone && options.validation.phone.required === 'always');

/** The fields the customer sees, in the order they fill them in. */
function activeFields(): string[] {
  if (elementType === 'linkAuthentication') return ['email'];
  const { state, postal } = format();
  return [
    ...(splitName() ? ['firstName', 'lastName'] : ['name']),
    'line1',
    'line2',
    'city',
    ...(state ? ['state'] : []),
    ...(postal ? ['postal'] : []),
    ...(phoneShown() ? ['phone'] : []),
  ];
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[^\s@.]{2,}$/;

const problem = (code: string, message: string, param?: string): Check => ({
  status: 'invalid',
  error: { type: 'validation_error', code, message, ...(param ? { param } : {}) },
});

/** One field's state, and the error it would show. */
function check(id: string): Check {
  const value = text(id);
  if (id === 'email') {
    if (!value) return { status: 'empty', error: problem('incomplete_email', 'Your email is incomplete.', 'email').error };
    return EMAIL.test(value) ? { status: 'complete' } : problem('invalid_email', 'Your email address is invalid.', 'email');
  }
  const required = id !== 'line2' && (id !== 'phone' || phoneRequired());
  if (!value) return required ? { status: 'empty', error: problem('incomplete', 'This field is incomplete.', id).error } : { status: 'empty' };
  if (id === 'postal') {
    const postal = format().postal;
    if (postal && !postal.pattern.test(value.toUpperCase())) {
      return problem('invalid_postal_code', postal.label === 'ZIP code' ? 'Your ZIP is invalid.' : `Your ${postal.label.toLowerCase()} is invalid.`, 'postal_code');
    }
  }
  if (id === 'phone') {
    const count = value.replace(/\D/g, '').length;
    if (!/^\+?[\d\s().-]+$/.test(value) || count < 7 || count > 15) return problem('invalid_phone', 'Your phone number is invalid.', 'phone');
  }
  return { status: 'complete' };
}

const isComplete = (id: string) => {
  const result = check(id);
  return result.status === 'complete' || !result.error;
};

// -------------------------------------------------------------------------------------------
// Showing state

function render(): void {
  if (elementType === 'address' && country) {
    const { city, state, postal } = format();
    byId('name', HTMLInputElement).closest<HTMLElement>('[data-field]')?.toggleAttribute('hidden', splitName());
    byId('split-name', HTMLDivElement).hidden = !splitName();
    byId('city-label', HTMLLabelElement).textContent = city;
    input('state').closest<HTMLElement>('[data-field]')?.toggleAttribute('hidden', !state);
    if (state) byId('state-label', HTMLLabelElement).textContent = state;
    input('postal').closest<HTMLElement>('[data-field]')?.toggleAttribute('hidden', !postal);
    if (postal) {
      byId('postal-label', HTMLLabelElement).textContent = postal.label;
      input('postal').placeholder = postal.example;
    }
    input('phone').closest<HTMLElement>('[data-field]')?.toggleAttribute('hidden', !phoneShown());
    byId('phone-label', HTMLLabelElement).textContent = phoneRequired() ? 'Phone number' : 'Phone number (optional)';
  }
  const active = activeFields();
  for (const [id, field] of inputs) {
    const result = check(id);
    const visible = active.includes(id) && shown.get(id) && !isComplete(id) && result.error;
    field.setAttribute('aria-invalid', visible ? 'true' : 'false');
    field.classList.toggle('is-invalid', Boolean(visible));
    byId(`${id}-error`, HTMLParagraphElement).textContent = visible && result.error ? result.error.message : '';
  }
  reportSize();
}

function addressValue(): AddressValue {
  const { state, postal } = format();
  const value: AddressValue = {
    name: splitName() ? [text('firstName'), text('lastName')].filter(Boolean).join(' ') : text('name'),
    address: {
      line1: text('line1'),
      line2: text('line2') || null,
      city: text('city'),
      state: state ? text('state') : '',
      postal_code: postal ? text('postal').toUpperCase() : '',
      country: country ? country.value : '',
    },
  };
  if (splitName()) {
    value.firstName = text('firstName');
    value.lastName = text('lastName');
  }
  if (phoneShown()) value.phone = text('phone');
  return value;
}

function changeEvent(): AddressChangeEvent | LinkAuthenticationChangeEvent {
  const active = activeFields();
  const empty = active.every((id) => !text(id));
  const complete = active.every(isComplete);
  if (elementType === 'linkAuthentication') return { empty, complete, value: { email: text('email') } };
  // A saved contact (the `contacts` option) is not offered here, so every address is new.
  return { elementMode: mode(), empty, complete, isNewAddress: true, value: addressValue() };
}

let lastChange = '';

/** Tells the parent, once per actual change of the value or its completeness. */
function reportChange(valueChanged: boolean): void {
  const event = changeEvent();
  const serialised = JSON.stringify(event);
  if (!valueChanged && serialised === lastChange) return;
  lastChange = serialised;
  post({ type: 'change', event, valueChanged });
}

// -------------------------------------------------------------------------------------------
// Typing

function listenToTyping(): void {
  for (const [id, field] of inputs) {
    field.addEventListener('input', () => {
      // While typing the error waits until the customer leaves the field.
      shown.set(id, false);
      render();
      reportChange(true);
    });
    field.addEventListener('blur', () => {
      // An error already on show (the shop submitted) stays until the customer fixes the field.
      shown.set(id, Boolean(shown.get(id)) || (Boolean(text(id)) && !isComplete(id)));
      render();
      reportChange(false);
    });
  }
  if (country) {
    country.addEventListener('change', () => {
      // The postal code's rule changed with the country: judged again when the customer leaves it.
      shown.set('postal', false);
      shown.set('state', false);
      render();
      reportChange(true);
    });
  }
}

// -------------------------------------------------------------------------------------------
// Options

/** `allowedCountries` narrows the list; the chosen country stays when it is still offered. */
function offerCountries(select: HTMLSelectElement): void {
  const allowed = Array.isArray(options.allowedCountries) && options.allowedCountries.length > 0 ? options.allowedCountries.map((code) => String(code).toUpperCase()) : null;
  const offered = allowed ? allCountries.filter((option) => allowed.includes(option.value)) : allCountries;
  const chosen = select.value;
  select.replaceChildren(...(offered.length > 0 ? offered : allCountries));
  if ([...select.options].some((option) => option.value === chosen)) select.value = chosen;
}

function offers(select: HTMLSelectElement, code: unknown): code is string {
  return typeof code === 'string' && [...select.options].some((option) => option.value === code.toUpperCase());
}

/** Fills the fields still empty from `defaultValues`, as Stripe prefills them. */
function prefill(): void {
  const fill = (id: string, value: unknown) => {
    const field = inputs.get(id);
    if (field && !field.value && typeof value === 'string') field.value = value;
  };
  if (elementType === 'linkAuthentication') {
    fill('email', options.defaultValues && options.defaultValues.email);
    return;
  }
  const defaults = options.defaultValues || {};
  fill('name', defaults.name);
  fill('firstName', defaults.firstName);
  fill('lastName', defaults.lastName);
  fill('phone', defaults.phone);
  const address = defaults.address || {};
  fill('line1', address.line1);
  fill('line2', address.line2);
  fill('city', address.city);
  fill('state', address.state);
  fill('postal', address.postal_code);
  if (country && offers(country, address.country)) country.value = address.country.toUpperCase();
}

function applyOptions(next: Record<string, unknown> | undefined, first: boolean): void {
  options = { ...(next || {}) };
  if (country) {
    offerCountries(country);
    if (first) country.value = preferredCountry(country);
  }
  prefill();
  // A country the list does not offer (the browser's, say, outside allowedCountries): its first.
  if (country && !offers(country, country.value)) country.selectedIndex = 0;
  for (const [id, token] of autocompleteTokens) {
    const field = inputs.get(id) || country;
    if (field && elementType === 'address' && token) field.setAttribute('autocomplete', `${mode()} ${token}`);
  }
  render();
}

// -------------------------------------------------------------------------------------------
// Requests from the parent

/** Shows every problem, as pressing pay does, and returns the first one. */
function showProblems(): StripeJsError | undefined {
  const active = activeFields();
  for (const id of active) shown.set(id, !isComplete(id));
  render();
  reportChange(false);
  const first = active.find((id) => !isComplete(id));
  if (!first) return undefined;
  input(first).focus();
  return check(first).error;
}

function details(): ContactDetails {
  const error = showProblems();
  const event = changeEvent();
  const read: ContactDetails = 'isNewAddress' in event ? { complete: event.complete, isNewAddress: event.isNewAddress, value: event.value } : { complete: event.complete, value: event.value };
  return error ? { ...read, error } : read;
}

function init(config: Partial<FrameConfig>): void {
  applyAppearance(config.group && config.group.appearance);
  applyOptions(config.options, true);
  ready = true;
  // As Stripe's: no change event until the customer (or update()) changes something.
  lastChange = JSON.stringify(changeEvent());
  post({ type: 'ready' });
}

function clear(): void {
  for (const field of inputs.values()) field.value = '';
  shown.clear();
  render();
  reportChange(true);
}

function respond(requestId: number, result: FrameResult): void {
  post({ type: 'response', requestId, result });
}

const STILL_LOADING: StripeJsError = { type: 'validation_error', message: 'The form is still loading.' };

function answer(message: Envelope<ToFrame>): void {
  switch (message.type) {
    case 'init':
      init(message.config || {});
      break;
    case 'update':
      applyOptions({ ...options, ...message.options }, false);
      reportChange(false);
      break;
    case 'group':
      applyAppearance(message.group && message.group.appearance);
      break;
    case 'focus':
      input(activeFields()[0] ?? 'email').focus();
      break;
    case 'blur':
      if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body) document.activeElement.blur();
      break;
    case 'clear':
      clear();
      break;
    case 'validate': {
      const error = ready ? showProblems() : STILL_LOADING;
      respond(message.requestId, error ? { error } : {});
      break;
    }
    case 'details':
      respond(message.requestId, ready ? { details: details() } : { error: STILL_LOADING });
      break;
    case 'tokenize':
      respond(message.requestId, { error: { type: 'invalid_request_error', message: `The ${elementType} Element does not create PaymentMethods.` } });
      break;
    default:
      break;
  }
}

if (startFrame(answer)) listenToTyping();
