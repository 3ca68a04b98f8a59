import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';

/** A local OTLP/HTTP collector: what it was sent, and whether it answers at all. */
const received: string[] = [];
let answering = true;
const collector = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push(`${request.url} ${Buffer.concat(chunks).toString('utf8')}`);
    if (answering) response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
});

let tracing: typeof import('./tracing');

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
});

// Each test is a process that starts tracing as the worker does.
beforeEach(async () => {
  received.length = 0;
  vi.resetModules();
  tracing = await import('./tracing');
  const { port } = collector.address() as AddressInfo;
  const started = await tracing.startTracing({ serviceName: 'billfold-worker', environment: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` } });
  expect(started).toBe(true);
});

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

afterAll(() => {
  collector.closeAllConnections();
  collector.close();
});

it('sends the spans still waiting in the batch before a stopping process exits', async () => {
  await tracing.inSpan('webhook.apply stripe', {}, async () => {});
  // The batch processor exports every 5 s: nothing has been sent yet.
  expect(received).toEqual([]);
  await tracing.stopTracing();
  expect(received).toHaveLength(1);
  expect(received[0]).toMatch(/^\/v1\/traces /);
  expect(received[0]).toContain('webhook.apply stripe');
  expect(received[0]).toContain('billfold-worker');
});

it('does not hold a stopping process more than a few seconds when the collector never answers', async () => {
  answering = false;
  await tracing.inSpan('webhook.apply paypal', {}, async () => {});
  const started = Date.now();
  await tracing.stopTracing();
  expect(Date.now() - started).toBeLessThan(4000);
  // It was sent; the collector kept the answer.
  expect(received.join()).toContain('webhook.apply paypal');
  // A second stop (SIGTERM after SIGINT) has nothing left to do.
  const again = Date.now();
  await tracing.stopTracing();
  expect(Date.now() - again).toBeLessThan(50);
});
