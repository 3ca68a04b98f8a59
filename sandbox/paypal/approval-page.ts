import type http from 'node:http';
import { escapeHtml } from '../dashboard';
import { buyerChoice, pageNonce, paypalDocument, sendPage } from './web-page';

/**
 * The page a buyer approves on, served from the sandbox's own origin as PayPal's is from
 * www.paypal.com: a sandbox PayPal login (a test buyer from buyers.ts), what is being approved,
 * and Approve or Cancel. Orders (`/checkoutnow?token=`) and subscriptions
 * (`/webapps/billing/subscriptions?ba_token=`) each render it with their own summary and act on
 * the POST; this file owns the page and how the approval gets back to the shop:
 *
 * - **Popup** (the JS SDK stand-in opened it, adding `sdk_origin=<the shop's origin>`): the page
 *   posts an ApprovalMessage to `window.opener` at that origin only, then closes. A popup closed
 *   without a message is a cancel, which the stand-in notices.
 * - **Redirect** (no opener, or no `sdk_origin`): the browser goes to the order's or the
 *   subscription's `return_url` (approve) or `cancel_url` (cancel) with PayPal's query parameters.
 */

/** What the approval page posts to the window that opened it. `source` tells it from other messages. */
export interface ApprovalMessage {
  source: 'billfold-paypal-sandbox';
  outcome: 'approved' | 'cancelled';
  /** Orders: the order id (also `token` on a redirect). */
  orderId?: string;
  /** Subscriptions: the subscription id. */
  subscriptionId?: string;
  payerId?: string;
}

export interface ApprovalView {
  /** The page's heading: "Pay with PayPal", "Agree to this subscription". */
  title: string;
  /** Lines about what is approved (merchant, amount, plan), as text. */
  summary: string[];
  /** The approve button's label: "Pay 19.99 USD", "Agree & Subscribe". */
  approveLabel: string;
  /** The URL the form posts to (the page's own, with its query). */
  action: string;
  /** Why the buyer cannot approve (already approved, expired); the buttons are hidden. */
  refusal?: string;
}

/** GET: the login and the buttons. */
export function sendApprovalPage(response: http.ServerResponse, view: ApprovalView, status = 200): void {
  const form = view.refusal
    ? `<p class="refusal" role="alert">${escapeHtml(view.refusal)}</p>`
    : `<form method="post" action="${escapeHtml(view.action)}">
${buyerChoice()}
<button class="approve" type="submit" name="decision" value="approve">${escapeHtml(view.approveLabel)}</button>
<button class="cancel" type="submit" name="decision" value="cancel">Cancel and return to the shop</button>
</form>`;
  sendPage(response, status, paypalDocument(view.title, `${view.summary.map((line) => `<p>${escapeHtml(line)}</p>`).join('')}${form}`));
}

/** The POST's fields: the decision and the buyer chosen. */
export async function readApprovalForm(request: http.IncomingMessage): Promise<{ decision: 'approve' | 'cancel'; buyer: string }> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 4096) break;
  }
  const form = new URLSearchParams(text);
  return { decision: form.get('decision') === 'approve' ? 'approve' : 'cancel', buyer: form.get('buyer') ?? '' };
}

/** The origin a popup reports to, from the page's `sdk_origin`, or null for a redirect. */
export function sdkOriginOf(url: URL): string | null {
  const value = url.searchParams.get('sdk_origin');
  if (!value) return null;
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * After the POST: in a popup, a page that tells the opener and closes (falling back to the
 * redirect when the opener is gone); otherwise a 303 to `redirect`.
 */
export function finishApproval(response: http.ServerResponse, url: URL, message: ApprovalMessage, redirect: string | null): void {
  const origin = sdkOriginOf(url);
  if (!origin) {
    if (redirect) {
      response.writeHead(303, { Location: redirect, 'Cache-Control': 'no-store' });
      response.end();
    } else {
      sendApprovalPage(response, { title: message.outcome === 'approved' ? 'Approved' : 'Cancelled', summary: ['You can close this window and return to the shop.'], approveLabel: '', action: '', refusal: 'There is no shop page to return to (no return_url).' });
    }
    return;
  }
  const nonce = pageNonce();
  const fallback = redirect ? `location.replace(${JSON.stringify(redirect)});` : '';
  sendPage(
    response,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Returning to the shop</title></head><body><p>Returning to the shop…</p>
<script nonce="${nonce}">if (window.opener && !window.opener.closed) { window.opener.postMessage(${JSON.stringify(message)}, ${JSON.stringify(origin)}); window.close(); } else { ${fallback} }</script></body></html>`,
    nonce,
  );
}
