import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import { bundleBrowserScript, sendBrowserScript, type BrowserScript } from '../../browser-script';
import type { PaypalBackgroundWork, PaypalPage } from '../parts';

/**
 * What the sandbox serves in place of PayPal's JS SDK host: the v6 SDK stand-in (src/js-sdk.ts
 * says why v6 and how a checkout page includes it) at the path PayPal serves it,
 * `/web-sdk/v6/core` (under the module's /paypal prefix). It is bundled once per process when
 * the sandbox starts (JS_SDK_BUNDLE), so a stand-in that does not build stops the start, not a
 * checkout.
 */

export const JS_SDK_PATH = '/web-sdk/v6/core';

let bundled: Promise<BrowserScript> | undefined;

/** The bundled stand-in; a failed build is retried by the next call. */
function jsSdk(): Promise<BrowserScript> {
  bundled ??= bundleBrowserScript(fileURLToPath(new URL('./src/js-sdk.ts', import.meta.url))).catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}

export const JS_SDK_BUNDLE: PaypalBackgroundWork = {
  async start() {
    await jsSdk();
  },
  async stop() {},
  reset() {},
};

export const JS_SDK_PAGE: PaypalPage = {
  path: JS_SDK_PATH,
  async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(`${request.method ?? ''} is not allowed here.`);
      return;
    }
    sendBrowserScript(request, response, await jsSdk());
  },
};
