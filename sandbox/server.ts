import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The local provider emulator (shared/design.md, "The sandbox"). This is its frame: the HTTP
 * server, health and Stripe-shaped errors. The Stripe and PayPal APIs, browser scripts and
 * signed webhooks are added in sandbox/stripe and sandbox/paypal.
 */

export interface SandboxServer {
  url: string;
  close(): Promise<void>;
}

function stripeError(response: http.ServerResponse, status: number, error: { type: string; message: string; code?: string }) {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${crypto.randomUUID().replaceAll('-', '').slice(0, 14)}` });
  response.end(JSON.stringify({ error }));
}

export function createSandboxServer(): http.Server {
  return http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sandbox.local');
    if (url.pathname === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, service: 'billfold-sandbox' }));
      return;
    }
    stripeError(response, 404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `Unrecognized request URL (${request.method} ${url.pathname}).`,
    });
  });
}

export async function startSandbox(port: number, host = '127.0.0.1'): Promise<SandboxServer> {
  const server = createSandboxServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
