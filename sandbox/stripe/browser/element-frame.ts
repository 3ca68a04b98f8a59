import crypto from 'node:crypto';

/**
 * The page inside an Element (GET /elements/frame?type=payment|card|address|linkAuthentication):
 * for a Payment or Card Element the card inputs and /elements/frame.js, which does the typing,
 * validation and PaymentMethod creation; for an Address or Link Authentication Element the
 * address or email inputs and /elements/address-frame.js. Framed by any shop, so no
 * X-Frame-Options; its own CSP allows only this origin's script and API.
 */

export type ElementType = 'payment' | 'card' | 'address' | 'linkAuthentication';

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

/**
 * The Address Element's countries: where Billfold's customers are likely to live. The shop
 * narrows them with `allowedCountries`; the frame knows the postal code of the larger ones.
 */
const ADDRESS_COUNTRIES: [code: string, name: string][] = [
  ['AR', 'Argentina'],
  ['AU', 'Australia'],
  ['AT', 'Austria'],
  ['BE', 'Belgium'],
  ['BR', 'Brazil'],
  ['BG', 'Bulgaria'],
  ['CA', 'Canada'],
  ['CL', 'Chile'],
  ['CN', 'China'],
  ['CO', 'Colombia'],
  ['HR', 'Croatia'],
  ['CY', 'Cyprus'],
  ['CZ', 'Czechia'],
  ['DK', 'Denmark'],
  ['EE', 'Estonia'],
  ['FI', 'Finland'],
  ['FR', 'France'],
  ['DE', 'Germany'],
  ['GR', 'Greece'],
  ['HK', 'Hong Kong'],
  ['HU', 'Hungary'],
  ['IS', 'Iceland'],
  ['IN', 'India'],
  ['ID', 'Indonesia'],
  ['IE', 'Ireland'],
  ['IL', 'Israel'],
  ['IT', 'Italy'],
  ['JP', 'Japan'],
  ['KR', 'South Korea'],
  ['LV', 'Latvia'],
  ['LT', 'Lithuania'],
  ['LU', 'Luxembourg'],
  ['MY', 'Malaysia'],
  ['MT', 'Malta'],
  ['MX', 'Mexico'],
  ['NL', 'Netherlands'],
  ['NZ', 'New Zealand'],
  ['NO', 'Norway'],
  ['PH', 'Philippines'],
  ['PL', 'Poland'],
  ['PT', 'Portugal'],
  ['RO', 'Romania'],
  ['SG', 'Singapore'],
  ['SK', 'Slovakia'],
  ['SI', 'Slovenia'],
  ['ZA', 'South Africa'],
  ['ES', 'Spain'],
  ['SE', 'Sweden'],
  ['CH', 'Switzerland'],
  ['TW', 'Taiwan'],
  ['TH', 'Thailand'],
  ['TR', 'Türkiye'],
  ['AE', 'United Arab Emirates'],
  ['GB', 'United Kingdom'],
  ['US', 'United States'],
];

/** One labelled input of the address or email form, with the line its error is shown on. */
function textField(id: string, label: string, attributes: string, type = 'text'): string {
  return `<div class="field" data-field="${id}">
  <label for="${id}" id="${id}-label">${label}</label>
  <div class="control"><input id="${id}" name="${id}" type="${type}" aria-describedby="${id}-error" ${attributes}></div>
  <p class="message" id="${id}-error" aria-live="polite"></p>
</div>`;
}

// The autocomplete tokens get their "billing"/"shipping" section from the frame's script.
const ADDRESS_FORM = `<form id="form" novalidate>
${textField('name', 'Full name', 'autocomplete="name"')}
<div class="grid" id="split-name" hidden>
${textField('firstName', 'First name', 'autocomplete="given-name"')}
${textField('lastName', 'Last name', 'autocomplete="family-name"')}
</div>
<div class="field" data-field="country">
  <label for="country">Country or region</label>
  <div class="control select"><select id="country" name="country" autocomplete="country">${ADDRESS_COUNTRIES.map(([code, name]) => `<option value="${code}">${name}</option>`).join('')}</select></div>
</div>
${textField('line1', 'Address line 1', 'autocomplete="address-line1" placeholder="Street address"')}
${textField('line2', 'Address line 2', 'autocomplete="address-line2" placeholder="Apartment, suite, unit, etc. (optional)"')}
<div class="grid">
${textField('city', 'City', 'autocomplete="address-level2"')}
${textField('state', 'State', 'autocomplete="address-level1"')}
</div>
${textField('postal', 'ZIP code', 'autocomplete="postal-code"')}
${textField('phone', 'Phone number', 'autocomplete="tel" inputmode="tel"', 'tel')}
</form>`;

const EMAIL_FORM = `<form id="form" novalidate>
${textField('email', 'Email', `autocomplete="email" ${COMMON_INPUT}`, 'email')}
</form>`;

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
input.is-invalid,select.is-invalid{border-color:var(--color-danger);color:var(--color-danger);box-shadow:0 0 0 1px var(--color-danger)}
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

const FRAMES: Record<ElementType, { title: string; form: string; script: string }> = {
  payment: { title: 'Secure card payment input', form: PAYMENT_FORM, script: '/elements/frame.js' },
  card: { title: 'Secure card payment input', form: CARD_FORM, script: '/elements/frame.js' },
  address: { title: 'Secure address input', form: ADDRESS_FORM, script: '/elements/address-frame.js' },
  linkAuthentication: { title: 'Secure email input', form: EMAIL_FORM, script: '/elements/address-frame.js' },
};

function page(type: ElementType): string {
  const frame = FRAMES[type];
  return `<!doctype html>
<html lang="en" data-element="${type}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${frame.title}</title>
<style>${STYLE}</style></head>
<body data-element-type="${type}">
<p id="notice" class="notice" role="alert" hidden></p>
<div id="root" class="${type === 'card' ? 'card' : 'payment'}">
${frame.form}
</div>
<script src="${frame.script}"></script>
</body></html>`;
}

const PAGES: Record<ElementType, string> = { payment: page('payment'), card: page('card'), address: page('address'), linkAuthentication: page('linkAuthentication') };

function isElementType(type: string | null): type is ElementType {
  return type !== null && Object.hasOwn(FRAMES, type);
}

export function elementFramePage(type: string | null): string {
  return PAGES[isElementType(type) ? type : 'payment'];
}
