/**
 * `<paypal-button>`, the custom element the v6 SDK defines and the React buttons render
 * (`PayPalOneTimePaymentButton`, `PayPalSubscriptionButton`): the page listens for its click
 * and starts a payment session. Its label follows `type` as PayPal's does; `disabled` blocks
 * the click. The inner <button> gives it a role and an accessible name, so people using a
 * keyboard or a screen reader (and tests, by role) find it.
 */

const LABELS: Record<string, string> = {
  pay: 'Pay with PayPal',
  checkout: 'PayPal Checkout',
  buynow: 'PayPal Buy Now',
  donate: 'Donate with PayPal',
  subscribe: 'Subscribe with PayPal',
};

const STYLE = `:host{display:block;min-width:150px;max-width:750px}
:host([hidden]){display:none}
button{all:unset;box-sizing:border-box;display:flex;align-items:center;justify-content:center;gap:6px;width:100%;min-height:45px;padding:0 16px;border-radius:4px;background:#ffc439;color:#003087;font:600 16px/1 system-ui,sans-serif;cursor:pointer}
button:hover{filter:brightness(.95)}button:focus-visible{outline:2px solid #0070ba;outline-offset:2px}
button:disabled{background:#e6e6e6;color:#7a7a7a;cursor:not-allowed}
.brand{font-style:italic;font-weight:800}.brand span{color:#009cde}`;

let sheet: CSSStyleSheet | undefined;

function buttonSheet(): CSSStyleSheet {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
  }
  return sheet;
}

export class PayPalButtonElement extends HTMLElement {
  static observedAttributes = ['type', 'disabled'];
  private readonly button: HTMLButtonElement;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    // A constructed sheet, not a <style>: the checkout's CSP allows only nonced style elements.
    root.adoptedStyleSheets = [buttonSheet()];
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.setAttribute('part', 'button');
    root.append(this.button);
    this.render();
  }

  get type(): string | undefined {
    return this.getAttribute('type') ?? undefined;
  }

  set type(value: string | undefined) {
    if (value) this.setAttribute('type', value);
    else this.removeAttribute('type');
  }

  get disabled(): boolean {
    return this.hasAttribute('disabled');
  }

  set disabled(value: boolean | undefined) {
    this.toggleAttribute('disabled', value === true);
  }

  attributeChangedCallback(): void {
    this.render();
  }

  private render(): void {
    const label = LABELS[this.type ?? ''] ?? 'PayPal';
    this.button.disabled = this.disabled;
    this.button.setAttribute('aria-label', label);
    const words = label.split('PayPal');
    const brand = document.createElement('span');
    brand.className = 'brand';
    brand.append('Pay', Object.assign(document.createElement('span'), { textContent: 'Pal' }));
    this.button.replaceChildren(words[0] ?? '', brand, words[1] ?? '');
  }
}

export function definePayPalButton(): void {
  if (!customElements.get('paypal-button')) customElements.define('paypal-button', PayPalButtonElement);
}
