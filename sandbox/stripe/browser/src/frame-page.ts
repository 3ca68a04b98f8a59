/*
 * What every Element's frame does alike, the card form (element-frame.ts) as the address and
 * email forms (address-frame.ts): it checks who framed it, talks to that page only, draws the
 * group's appearance, reports its height and its focus.
 */

import { MESSAGE_SOURCE, isEnvelope, type Appearance, type Envelope, type FromFrame, type ToFrame } from './messages';

/** An element of the frame's page (../element-frame.ts), which has them all. */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The Element's frame has no #${id}.`);
  return node;
}

/** An element only some of the frame's pages have (the Card Element's is one row of inputs). */
export function optionalById<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T | null {
  const node = document.getElementById(id);
  return node instanceof type ? node : null;
}

const hash = new URLSearchParams(location.hash.slice(1));
const parentOrigin = hash.get('origin') ?? '';
const frameId = hash.get('id') ?? '';
export const root = byId('root', HTMLDivElement);

/** Shows why the form cannot be used here, in its place. */
export function refuse(message: string): void {
  root.hidden = true;
  const note = byId('notice', HTMLParagraphElement);
  note.textContent = message;
  note.hidden = false;
}

/** Why this page must not take the customer's details here, if it must not. */
function framingProblem(): string | null {
  if (window.parent === window || !parentOrigin || !frameId) return "This is part of the Billfold sandbox's Stripe.js: it works inside a payment form only.";
  // Where the browser says who frames us, it must be who the hash claims.
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0 && ancestors[0] !== parentOrigin) return 'This payment form was framed by a different page than the one that created it.';
  return null;
}

export function post(message: FromFrame): void {
  const envelope: Envelope<FromFrame> = { source: MESSAGE_SOURCE, frameId, ...message };
  window.parent.postMessage(envelope, parentOrigin);
}

let lastHeight = 0;

export function reportSize(): void {
  const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (height === lastHeight) return;
  lastHeight = height;
  post({ type: 'resize', height });
}

const THEMES: Record<string, Record<string, string>> = {
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

export function applyAppearance(appearance: Appearance | undefined): void {
  const theme = THEMES[(appearance && appearance.theme) || 'stripe'] || THEMES.stripe;
  const variables: Record<string, unknown> = { ...theme, ...((appearance && appearance.variables) || {}) };
  const style = document.documentElement.style;
  for (const [name, property] of Object.entries(VARIABLES)) {
    const value = variables[name];
    if (value !== undefined && value !== null) style.setProperty(property, String(value));
    else style.removeProperty(property);
  }
  document.documentElement.dataset.labels = appearance && appearance.labels === 'floating' ? 'floating' : 'above';
}

/** The region of the customer's browser language (en-GB → GB) that `choices` offers, else US. */
export function preferredCountry(choices: HTMLSelectElement): string {
  const languages = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en-US'];
  for (const language of languages) {
    const region = String(language).split('-')[1];
    if (region && [...choices.options].some((option) => option.value === region.toUpperCase())) return region.toUpperCase();
  }
  return 'US';
}

let focused = false;

function listenToFocus(): void {
  document.addEventListener('focusin', () => {
    if (focused) return;
    focused = true;
    post({ type: 'focus' });
  });
  document.addEventListener('focusout', (event) => {
    if (event.relatedTarget instanceof Node && root.contains(event.relatedTarget)) return;
    focused = false;
    post({ type: 'blur' });
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') post({ type: 'escape' });
  });
  // Enter must not do anything here: paying is the shop page's button.
  byId('form', HTMLFormElement).addEventListener('submit', (event) => event.preventDefault());
}

/**
 * Starts the frame where it may run: hands each message from the page that framed it to
 * `answer`, and tells that page it loaded. Returns false, having said why on the page, where
 * it may not.
 */
export function startFrame(answer: (message: Envelope<ToFrame>) => void): boolean {
  const problem = framingProblem();
  if (problem) {
    refuse(problem);
    return false;
  }
  listenToFocus();
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent || event.origin !== parentOrigin || !isEnvelope(event.data, frameId)) return;
    // From the page that framed us (checked by its origin and window): one of its messages.
    answer(event.data as Envelope<ToFrame>);
  });
  new ResizeObserver(reportSize).observe(document.documentElement);
  post({ type: 'load' });
  return true;
}
