import crypto from 'node:crypto';

/**
 * The page inside a Payment Element or Card Element (GET /elements/frame?type=payment|card):
 * the card inputs, their styles and /elements/frame.js, which does the typing, validation and
 * PaymentMethod creation. Framed by any shop, so no X-Frame-Options; its own CSP allows only
 * this origin's script and API.
 */

export type ElementType = 'payment' | 'card';

const BRAND_ICONS = `<span class="brand" data-brand="visa"><svg viewBox="0 0 28 19"><rect width="28" height="19" rx="3" fill="#1a1f71"/><text x="14" y="12.6" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-size="7.6" font-style="italic" font-weight="700" fill="#fff">VISA</text></svg></span>
<span class="brand" data-brand="mastercard"><svg viewBox="0 0 28 19"><rect width="28" height="19" rx="3" fill="#252525"/><circle cx="11.3" cy="9.5" r="5.4" fill="#eb001b"/><circle cx="16.7" cy="9.5" r="5.4" fill="#f79e1b"/><path d="M14 4.86a5.4 5.4 0 0 1 0 9.28a5.4 5.4 0 0 1 0-9.28z" fill="#ff5f00"/></svg></span>
<span class="brand" data-brand="amex"><svg viewBox="0 0 28 19"><rect width="28" height="19" rx="3" fill="#016fd0"/><text x="14" y="12.2" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-size="6.4" font-weight="700" fill="#fff">AMEX</text></svg></span>
<span class="brand" data-brand="discover"><svg viewBox="0 0 28 19"><rect x=".5" y=".5" width="27" height="18" rx="2.5" fill="#fff" stroke="#d9d9de"/><text x="12.5" y="11.6" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-size="4.6" font-weight="700" fill="#231f20">DISC</text><circle cx="21.5" cy="9.9" r="2.6" fill="#f48120"/></svg></span>
<span class="brand" data-brand="generic"><svg viewBox="0 0 28 19"><rect x=".75" y=".75" width="26.5" height="17.5" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.5"/><rect x=".75" y="4.5" width="26.5" height="3" fill="currentColor"/><rect x="4" y="12" width="8" height="2" rx="1" fill="currentColor"/></svg></span>`;

const COUNTRIES: [code: string, name: string][] = [
  ['AU', 'Australia'],
  ['CA', 'Canada'],
  ['FR', 'France'],
  ['DE', 'Germany'],
  ['IE', 'Ireland'],
  ['IT', 'Italy'],
  ['JP', 'Japan'],
  ['NL', 'Netherlands'],
  ['ES', 'Spain'],
  ['GB', 'United Kingdom'],
  ['US', 'United States'],
];

const COMMON_INPUT = 'spellcheck="false" autocorrect="off" autocapitalize="off"';

const PAYMENT_FORM = `<form id="form" novalidate>
<div class="field" data-field="number">
  <label for="number">Card number</label>
  <div class="control">
    <input id="number" name="cardnumber" type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" aria-describedby="number-error" ${COMMON_INPUT}>
    <span class="brands" data-brands data-brand="unknown" aria-hidden="true">${BRAND_ICONS}</span>
  </div>
  <p class="message" id="number-error" aria-live="polite"></p>
</div>
<div class="grid">
  <div class="field" data-field="expiry">
    <label for="expiry">Expiration date</label>
    <div class="control"><input id="expiry" name="exp-date" type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" aria-describedby="expiry-error" ${COMMON_INPUT}></div>
    <p class="message" id="expiry-error" aria-live="polite"></p>
  </div>
  <div class="field" data-field="cvc">
    <label for="cvc">Security code</label>
    <div class="control"><input id="cvc" name="cvc" type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" aria-describedby="cvc-error" ${COMMON_INPUT}></div>
    <p class="message" id="cvc-error" aria-live="polite"></p>
  </div>
</div>
<div class="grid" id="address">
  <div class="field" data-field="country">
    <label for="country">Country</label>
    <div class="control select"><select id="country" name="country" autocomplete="country">${COUNTRIES.map(([code, name]) => `<option value="${code}">${name}</option>`).join('')}</select></div>
  </div>
  <div class="field" data-field="postal">
    <label for="postal" id="postal-label">ZIP code</label>
    <div class="control"><input id="postal" name="postal" type="text" autocomplete="postal-code" placeholder="12345" aria-describedby="postal-error" ${COMMON_INPUT}></div>
    <p class="message" id="postal-error" aria-live="polite"></p>
  </div>
</div>
</form>`;

const CARD_FORM = `<form id="form" novalidate class="card-row">
<span class="card-icon" data-brands data-brand="unknown" aria-hidden="true">${BRAND_ICONS}</span>
<input id="number" name="cardnumber" type="text" inputmode="numeric" autocomplete="cc-number" placeholder="Card number" aria-label="Card number" ${COMMON_INPUT}>
<input id="expiry" name="exp-date" type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" aria-label="Expiration date" ${COMMON_INPUT}>
<input id="cvc" name="cvc" type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" aria-label="Security code" ${COMMON_INPUT}>
<input id="postal" name="postal" type="text" autocomplete="postal-code" placeholder="ZIP" aria-label="ZIP" ${COMMON_INPUT}>
</form>`;

const STYLE = `:root{--color-primary:#0570de;--color-background:#fff;--color-text:#30313d;--color-danger:#df1b41;--color-text-secondary:#6d6e78;--color-placeholder:#87898f;--color-border:#e6e6e6;--font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Ubuntu,sans-serif;--font-size:15px;--radius:6px}
*{box-sizing:border-box}
html{background:transparent}
body{margin:0;font-family:var(--font-family);font-size:var(--font-size);line-height:1.3;color:var(--color-text);-webkit-font-smoothing:antialiased;-moz-osx-font-smoothing:grayscale}
[hidden]{display:none!important}
.notice{margin:0;padding:10px 12px;border-radius:var(--radius);background:#fff4f5;color:#a4102f;font-size:.93em}
#root.payment{padding:3px 3px 1px}
.field{margin:0 0 12px;min-width:0}
.field label{display:block;margin:0 0 4px;font-size:.93em;font-weight:500;color:var(--color-text)}
.control{position:relative}
input,select{display:block;width:100%;margin:0;padding:10px 12px;font:inherit;color:var(--color-text);background:var(--color-background);border:1px solid var(--color-border);border-radius:var(--radius);box-shadow:0 1px 1px rgba(0,0,0,.03),0 3px 6px rgba(0,0,0,.02);outline:none;transition:border-color .15s ease,box-shadow .15s ease,color .15s ease;-webkit-appearance:none;appearance:none}
input::placeholder{color:var(--color-placeholder);opacity:1}
input:focus,select:focus{border-color:color-mix(in srgb,var(--color-primary) 55%,transparent);box-shadow:0 0 0 3px color-mix(in srgb,var(--color-primary) 25%,transparent),0 1px 1px rgba(0,0,0,.03)}
input.is-invalid{border-color:var(--color-danger);color:var(--color-danger);box-shadow:0 0 0 1px var(--color-danger)}
input[readonly],select:disabled{opacity:.7}
.select::after{content:"";position:absolute;right:14px;top:50%;width:7px;height:7px;margin-top:-6px;border:solid var(--color-text-secondary);border-width:0 1.5px 1.5px 0;transform:rotate(45deg);pointer-events:none}
select{padding-right:34px;cursor:pointer}
.message{margin:4px 0 0;font-size:.93em;color:var(--color-danger)}
.message:empty{display:none}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 12px}
#number{padding-right:136px}
.brands{position:absolute;right:10px;top:50%;transform:translateY(-50%);display:flex;gap:4px;pointer-events:none;color:var(--color-text-secondary)}
.brand svg{display:block;width:28px;height:19px}
[data-brands] .brand{display:none}
[data-brands][data-brand="unknown"] .brand[data-brand="visa"],[data-brands][data-brand="unknown"] .brand[data-brand="mastercard"],[data-brands][data-brand="unknown"] .brand[data-brand="amex"],[data-brands][data-brand="unknown"] .brand[data-brand="discover"],
[data-brands][data-brand="visa"] .brand[data-brand="visa"],[data-brands][data-brand="mastercard"] .brand[data-brand="mastercard"],[data-brands][data-brand="amex"] .brand[data-brand="amex"],[data-brands][data-brand="discover"] .brand[data-brand="discover"],
[data-brands][data-brand="jcb"] .brand[data-brand="generic"],[data-brands][data-brand="diners"] .brand[data-brand="generic"],[data-brands][data-brand="unionpay"] .brand[data-brand="generic"]{display:block}
@media (max-width:360px){#number{padding-right:12px}.brands{display:none}}
html[data-element="card"]{--font-size:16px}
.card-row{display:flex;align-items:center;gap:10px;min-height:22px}
.card-row input{flex:0 0 auto;height:22px;padding:0;border:0;border-radius:0;background:transparent;box-shadow:none;line-height:22px}
.card-row input:focus{box-shadow:none}
.card-row input.is-invalid{box-shadow:none;color:var(--color-danger)}
.card-row #number{flex:1 1 auto;min-width:0;padding:0}
.card-row #expiry{width:5.2em}
.card-row #cvc{width:3.4em}
.card-row #postal{width:5.4em}
.card-icon{flex:0 0 auto;color:var(--color-icon,var(--color-text-secondary))}
.card-icon .brand svg{width:24px;height:16px}
.card-icon[data-brand="unknown"] .brand{display:none}
.card-icon[data-brand="unknown"] .brand[data-brand="generic"]{display:block}
html[data-hide-icon="true"] .card-icon{display:none}`;

const STYLE_HASH = crypto.createHash('sha256').update(STYLE).digest('base64');

export const ELEMENT_FRAME_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "connect-src 'self'",
  "img-src 'self' data:",
  // Any shop may frame the card form, as any page may use Stripe.js.
  'frame-ancestors *',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function page(type: ElementType): string {
  return `<!doctype html>
<html lang="en" data-element="${type}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Secure card payment input</title>
<style>${STYLE}</style></head>
<body data-element-type="${type}">
<p id="notice" class="notice" role="alert" hidden></p>
<div id="root" class="${type}">
${type === 'card' ? CARD_FORM : PAYMENT_FORM}
</div>
<script src="/elements/frame.js"></script>
</body></html>`;
}

const PAGES: Record<ElementType, string> = { payment: page('payment'), card: page('card') };

export function elementFramePage(type: string | null): string {
  return PAGES[type === 'card' ? 'card' : 'payment'];
}
