import type http from 'node:http';
import type Stripe from 'stripe';
import type { Store } from '../store';
import type { RequestContext } from './context';
import { CommittedError, invalidRequest, StripeApiError } from './errors';
import { emit, previousAttributes } from './events';
import { randomToken } from './ids';
import { settleInvoicePayment } from './billing/invoicing';
import { runPayment, type SandboxPaymentIntent } from './resources/payment-intents';
import type { SandboxPaymentMethod } from './resources/payment-methods';
import { finishSetupChallenge, type SandboxSetupIntent } from './resources/setup-intents';

/**
 * The issuer's 3-D Secure challenge: a page with "Complete" and "Fail", shown by the Stripe.js
 * stand-in in a modal iframe, or reached by redirect when the intent has a return_url.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export async function finishChallenge(
  store: Store,
  intentId: string,
  clientSecret: string,
  outcome: 'complete' | 'fail',
  baseUrl: string,
): Promise<{ intent: SandboxPaymentIntent; raisedEvents: string[] }> {
  const raisedEvents: string[] = [];
  const intent = await store.tx(async (tx) => {
    const ctx: RequestContext = { tx, auth: { kind: 'publishable', key: 'pk_test_3ds' }, requestId: `req_${randomToken(14)}`, idempotencyKey: null, params: {}, path: [], raisedEvents, baseUrl };
    const before = await tx.getForUpdate<SandboxPaymentIntent>('payment_intent', intentId);
    if (!before || before.client_secret !== clientSecret) throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${intentId}'` });
    if (before.status !== 'requires_action' || before._sandbox?.challenge !== 'pending') {
      throw invalidRequest(`This PaymentIntent has no 3-D Secure challenge in progress (status ${before.status}).`, undefined, 'payment_intent_unexpected_state');
    }
    const paymentMethod = await tx.getForUpdate<SandboxPaymentMethod>('payment_method', String(before.payment_method));
    if (!paymentMethod) throw invalidRequest('The payment method of this PaymentIntent no longer exists.');
    if (outcome === 'complete') {
      const result = await runPayment(ctx, before, paymentMethod, true);
      if (result instanceof CommittedError) return (await tx.get<SandboxPaymentIntent>('payment_intent', intentId)) as SandboxPaymentIntent;
      return result;
    }
    const error: Stripe.PaymentIntent.LastPaymentError = {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
      doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
      payment_method: paymentMethod,
    };
    const after: SandboxPaymentIntent = { ...before, status: 'requires_payment_method', payment_method: null, next_action: null, last_payment_error: error, _sandbox: { ...before._sandbox, challenge: undefined } };
    await tx.save(after);
    await emit(ctx, 'payment_intent.payment_failed', after, previousAttributes(before, after));
    await settleInvoicePayment(ctx, after, 'failed');
    return after;
  });
  return { intent, raisedEvents };
}

/** `what` names the thing authenticated: "this 1999 USD (minor units) payment", "saving this card". */
function challengePage(intentId: string, what: string, clientSecret: string, returnUrl: string | null): string {
  const hidden = `<input type="hidden" name="client_secret" value="${escapeHtml(clientSecret)}">${returnUrl ? `<input type="hidden" name="return_url" value="${escapeHtml(returnUrl)}">` : ''}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>3-D Secure test authentication</title>
<style>body{font:15px system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1a1f36}
main{background:#fff;border:1px solid #e3e8ee;border-radius:12px;padding:28px;max-width:360px;box-shadow:0 8px 24px rgba(0,0,0,.08)}
h1{font-size:18px;margin:0 0 8px}p{color:#545969;margin:0 0 20px}.row{display:flex;gap:12px}
button{flex:1;padding:10px 14px;border-radius:8px;border:1px solid #d5dbe1;background:#fff;font:inherit;cursor:pointer}
button.primary{background:#635bff;border-color:#635bff;color:#fff}</style></head>
<body><main><h1>3-D Secure test authentication</h1>
<p>The Billfold sandbox is standing in for the card issuer. Complete or fail the authentication of ${escapeHtml(what)}.</p>
<div class="row">
<form method="post" action="/3ds/challenge/${intentId}/fail">${hidden}<button type="submit">Fail</button></form>
<form method="post" action="/3ds/challenge/${intentId}/complete">${hidden}<button type="submit" class="primary">Complete</button></form>
</div></main></body></html>`;
}

function donePage(finished: { paymentIntent: string } | { setupIntent: string }, status: string): string {
  const message = JSON.stringify({ type: 'billfold-sandbox-3ds', ...finished, status });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authentication finished</title></head>
<body><p>Authentication finished. You can close this window.</p><script>window.parent.postMessage(${message}, '*');</script></body></html>`;
}

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 16_384) break;
  }
  return new URLSearchParams(text);
}

/** GET /3ds/challenge/:id (the page), POST /3ds/challenge/:id/complete|fail (the buttons). */
export async function handleChallenge(store: Store, request: http.IncomingMessage, response: http.ServerResponse, url: URL, onEvents: (ids: string[]) => void): Promise<void> {
  const match = /^\/3ds\/challenge\/([A-Za-z0-9_]+)(?:\/(complete|fail))?$/.exec(url.pathname);
  const send = (status: number, html: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
    response.end(html);
  };
  if (!match) return send(404, '<p>Not found</p>');
  const [, intentId = '', outcome] = match;
  // The same page finishes SetupIntents (seti_…), saving a card rather than paying.
  if (intentId.startsWith('seti_')) return handleSetupChallenge(store, request, url, intentId, outcome as 'complete' | 'fail' | undefined, onEvents, send);
  try {
    if (!outcome) {
      const clientSecret = url.searchParams.get('client_secret') ?? '';
      const intent = await store.reader.get<SandboxPaymentIntent>('payment_intent', intentId);
      if (!intent || intent.client_secret !== clientSecret) return send(404, '<p>No such payment.</p>');
      return send(200, challengePage(intent.id, `this ${intent.amount} ${intent.currency.toUpperCase()} (minor units) payment`, clientSecret, url.searchParams.get('return_url')));
    }
    if (request.method !== 'POST') return send(405, '<p>Use the buttons on the challenge page.</p>');
    const form = await readForm(request);
    const { intent, raisedEvents } = await finishChallenge(store, intentId, form.get('client_secret') ?? '', outcome as 'complete' | 'fail', url.origin);
    onEvents(raisedEvents);
    const returnUrl = form.get('return_url');
    if (returnUrl) {
      const target = new URL(returnUrl);
      target.searchParams.set('payment_intent', intent.id);
      target.searchParams.set('payment_intent_client_secret', intent.client_secret ?? '');
      target.searchParams.set('redirect_status', intent.status === 'succeeded' || intent.status === 'requires_capture' ? 'succeeded' : 'failed');
      return send(303, '', { Location: target.toString() });
    }
    return send(200, donePage({ paymentIntent: intent.id }, intent.status));
  } catch (error) {
    const message = error instanceof StripeApiError ? error.message : 'The sandbox could not finish the authentication.';
    return send(error instanceof StripeApiError ? error.status : 500, `<p>${escapeHtml(message)}</p>`);
  }
}

async function handleSetupChallenge(
  store: Store,
  request: http.IncomingMessage,
  url: URL,
  intentId: string,
  outcome: 'complete' | 'fail' | undefined,
  onEvents: (ids: string[]) => void,
  send: (status: number, html: string, headers?: Record<string, string>) => void,
): Promise<void> {
  try {
    if (!outcome) {
      const clientSecret = url.searchParams.get('client_secret') ?? '';
      const intent = await store.reader.get<SandboxSetupIntent>('setup_intent', intentId);
      if (!intent || intent.client_secret !== clientSecret) return send(404, '<p>No such card setup.</p>');
      return send(200, challengePage(intent.id, 'saving this card for future payments', clientSecret, url.searchParams.get('return_url')));
    }
    if (request.method !== 'POST') return send(405, '<p>Use the buttons on the challenge page.</p>');
    const form = await readForm(request);
    const { intent, raisedEvents } = await finishSetupChallenge(store, intentId, form.get('client_secret') ?? '', outcome, url.origin);
    onEvents(raisedEvents);
    const returnUrl = form.get('return_url');
    if (returnUrl) {
      const target = new URL(returnUrl);
      target.searchParams.set('setup_intent', intent.id);
      target.searchParams.set('setup_intent_client_secret', intent.client_secret ?? '');
      target.searchParams.set('redirect_status', intent.status === 'succeeded' ? 'succeeded' : 'failed');
      return send(303, '', { Location: target.toString() });
    }
    return send(200, donePage({ setupIntent: intent.id }, intent.status));
  } catch (error) {
    const message = error instanceof StripeApiError ? error.message : 'The sandbox could not finish the authentication.';
    return send(error instanceof StripeApiError ? error.status : 500, `<p>${escapeHtml(message)}</p>`);
  }
}
