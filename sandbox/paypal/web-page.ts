import crypto from 'node:crypto';
import type http from 'node:http';
import { escapeHtml } from '../dashboard';
import { TEST_BUYERS } from './buyers';

/**
 * What the sandbox's PayPal web pages (the approval pages, the automatic payments pages) share,
 * so they look like one site: the card on a grey page with PayPal's colours, the sandbox badge,
 * one Content-Security-Policy, and the "log in as a test buyer" choice.
 */

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f5f7fa;color:#1b1f24}
main{max-width:420px;margin:40px auto;background:#fff;border-radius:14px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:28px}
.brand{font-weight:700;color:#003087;font-size:22px}.brand span{color:#009cde}
.sandbox{display:inline-block;background:#fff4d6;border-radius:6px;padding:2px 8px;font-size:12px;margin-left:8px;color:#6b4e00}
label{display:block;margin:16px 0 6px;font-weight:600}select{width:100%;font:inherit;font-size:16px;padding:10px;border-radius:8px;border:1px solid #c5ccd6}
.hint{color:#5b6570;font-size:13px;margin:6px 0 0}
button{font:inherit;font-size:16px;width:100%;padding:12px;border-radius:999px;border:0;margin-top:14px;cursor:pointer;min-height:48px}
.approve{background:#0070ba;color:#fff}.cancel{background:#fff;color:#0070ba;border:1px solid #0070ba}
.refusal{background:#fdecea;border-radius:8px;padding:10px 12px}.confirmation{background:#e6f4ea;border-radius:8px;padding:10px 12px}
a{color:#0070ba}.agreements{list-style:none;padding:0;margin:0}.agreements li{border-top:1px solid #e3e7ec;padding:12px 0}
h2{font-size:17px;margin:18px 0 6px}dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:8px 0}dt{color:#5b6570}dd{margin:0}
fieldset{border:1px solid #c5ccd6;border-radius:8px;padding:8px 14px}legend{font-weight:600;padding:0 4px}
.choice{display:flex;gap:10px;align-items:center;font-weight:400;margin:8px 0}.choice input{width:20px;height:20px}`;

/**
 * Sends a page. The policy allows scripts only with this response's `nonce` (none without one);
 * form-action also holds the redirects that answer a form: the approval page's 303 to the
 * shop's return_url or cancel_url, on any origin, must pass (its form posts to the page itself).
 */
export function sendPage(response: http.ServerResponse, status: number, html: string, nonce?: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; script-src ${nonce ? `'nonce-${nonce}'` : `'none'`}; form-action 'self' http: https:; frame-ancestors 'none'`,
  });
  response.end(html);
}

/** A fresh nonce for a page that runs a script of its own. */
export function pageNonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/** The whole document: PayPal's brand, the page's heading, then `content` (HTML the caller escaped). */
export function paypalDocument(title: string, content: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} – PayPal sandbox</title><style>${STYLE}</style></head>
<body><main><p class="brand">Pay<span>Pal</span><span class="sandbox">Billfold sandbox</span></p><h1>${escapeHtml(title)}</h1>
${content}</main></body></html>`;
}

/** The test buyer choice (`buyer`, labelled "Log in as a sandbox buyer") and what each buyer does. */
export function buyerChoice(selected?: string): string {
  const options = TEST_BUYERS.map((buyer) => `<option value="${escapeHtml(buyer.email)}"${buyer.email === selected ? ' selected' : ''}>${escapeHtml(buyer.email)}</option>`).join('');
  const hints = TEST_BUYERS.map((buyer) => `<li>${escapeHtml(`${buyer.email}: ${buyer.description}`)}</li>`).join('');
  return `<label for="buyer">Log in as a sandbox buyer</label>
<select id="buyer" name="buyer">${options}</select>
<details><summary class="hint">What each buyer does</summary><ul class="hint">${hints}</ul></details>`;
}
