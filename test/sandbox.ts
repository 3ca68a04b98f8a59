import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type SandboxOptions, type SandboxServer } from '@/sandbox/server';
import { isolatedDatabase } from './database';

export const SECRET_KEY = 'sk_test_billfold_sandbox';
export const PUBLISHABLE_KEY = 'pk_test_billfold_sandbox';

export interface TestSandbox {
  server: SandboxServer;
  /** The test file's own database, which the sandbox's schema shares with Billfold's tables. */
  databaseUrl: string;
  /** The official SDK, pointed at the sandbox. */
  stripe: Stripe;
  /** The SDK with the publishable key, as Stripe.js would call. */
  publishable: Stripe;
}

export function sdkFor(url: string, key: string): Stripe {
  const { hostname, port } = new URL(url);
  return new Stripe(key, { host: hostname, port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

/** A sandbox on a free port with a database of its own, for the calling test file. */
export function isolatedSandbox(options: Partial<SandboxOptions> = {}): TestSandbox {
  const database = isolatedDatabase();
  const handle = {} as TestSandbox;
  beforeAll(async () => {
    handle.databaseUrl = database.url;
    handle.server = await startSandbox({ port: 0, databaseUrl: database.url, allowReset: true, ...options });
    handle.stripe = sdkFor(handle.server.url, SECRET_KEY);
    handle.publishable = sdkFor(handle.server.url, PUBLISHABLE_KEY);
  });
  afterAll(async () => {
    await handle.server?.close();
  });
  return handle;
}

export interface ReceivedWebhook {
  body: string;
  signature: string;
}

/** A local HTTP endpoint that records webhook deliveries and answers with `status()`. */
export async function webhookReceiver(status: () => number = () => 200) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      received.push({ body, signature: String(request.headers['stripe-signature'] ?? '') });
      response.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` returns a value, for effects that happen after a response (webhooks). */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The SDK error a request was refused with (fails the test if it succeeded). */
export async function stripeError(promise: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the sandbox to refuse the request');
}
