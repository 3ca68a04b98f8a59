import crypto from 'node:crypto';
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * A script the sandbox serves to browsers in place of a provider's (Stripe.js, PayPal's JS SDK),
 * written in TypeScript and bundled with esbuild into one classic script kept in memory.
 * Bundling resolves `@/…` imports through tsconfig.json's paths, so a stand-in can use the
 * project's own code (the card frame checks numbers with lib/luhn.ts itself).
 */

export interface BrowserScript {
  body: Buffer;
  etag: string;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Bundles one entry point (an absolute path) into an IIFE. */
export async function bundleBrowserScript(entryPoint: string): Promise<BrowserScript> {
  const result = await build({
    entryPoints: [entryPoint],
    // The paths in the bundle's comments are relative to the project, wherever it was started from.
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'iife',
    // The stand-ins run in the shop's customers' browsers, as old as the providers support.
    target: 'es2020',
    logLevel: 'silent',
  });
  for (const warning of result.warnings) process.stderr.write(`sandbox: bundling ${entryPoint}: ${warning.text}\n`);
  const output = result.outputFiles[0];
  if (!output) throw new Error(`sandbox: bundling ${entryPoint} produced nothing`);
  const body = Buffer.from(output.contents);
  return { body, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * Answers a GET for a stand-in script: any origin may load it (the shop is on another origin),
 * revalidated on every load by its ETag, so a restarted sandbox serves its new script at once.
 */
export function sendBrowserScript(request: http.IncomingMessage, response: http.ServerResponse, script: BrowserScript): void {
  const headers = {
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': 'no-cache',
    ETag: script.etag,
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  };
  if (request.headers['if-none-match'] === script.etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, 'Content-Length': script.body.length });
  response.end(request.method === 'HEAD' ? undefined : script.body);
}
