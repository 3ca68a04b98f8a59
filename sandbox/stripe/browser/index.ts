import type http from 'node:http';
import { sendBrowserScript } from '../../browser-script';
import { browserScripts } from './bundle';
import { handleDemo } from './demo';
import { ELEMENT_FRAME_CSP, elementFramePage } from './element-frame';

/**
 * What the sandbox serves to browsers in place of js.stripe.com: the Stripe.js stand-in
 * (/js/stripe.js), the forms framed by Elements (/elements/frame and their scripts), and a
 * demo shop (/js/demo). The scripts are TypeScript in src/, bundled when the sandbox starts.
 */

/** Bundles the scripts before the first page asks for them (the Stripe module's start). */
export async function loadBrowserScripts(): Promise<void> {
  await browserScripts();
}

const DEMO_PAGES = new Set(['/js/demo', '/js/demo/complete', '/js/demo/intents']);

function sendText(response: http.ServerResponse, status: number, text: string) {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** GET /js/*, GET /elements/*, and POST /js/demo/intents. */
export async function handleBrowser(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
  if (DEMO_PAGES.has(url.pathname)) return handleDemo(request, response, url);
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, `${request.method} is not allowed here.`);
  const script = (await browserScripts()).get(url.pathname);
  if (script) return sendBrowserScript(request, response, script);
  if (url.pathname === '/elements/frame') {
    const html = elementFramePage(url.searchParams.get('type'));
    response.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Content-Security-Policy': ELEMENT_FRAME_CSP,
      'Cache-Control': 'no-store',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    });
    response.end(html);
    return;
  }
  return sendText(response, 404, `Not found: ${url.pathname}`);
}

/**
 * The CORS preflight for /v1: the Stripe.js stand-in calls the API from the shop's page with
 * the publishable key in an Authorization header, which browsers check with OPTIONS first.
 */
export function answerApiPreflight(request: http.IncomingMessage, response: http.ServerResponse): void {
  response.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key, Stripe-Version, Stripe-Account',
    'Access-Control-Max-Age': '600',
    // Lets a page on a public address reach a sandbox on a private one (Chrome's Private Network Access).
    ...(request.headers['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
  });
  response.end();
}
