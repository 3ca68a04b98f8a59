import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { connect, type Database } from '@/db/client';
import { createBoss, startBoss } from '@/lib/jobs/boss';
import { WEBHOOK_QUEUE, type WebhookJob } from '@/lib/jobs/queues';
import { registryThrough } from '@/test/payments';
import { isolatedSandbox } from '@/test/sandbox';

const t = isolatedSandbox();
const SECRET = 'whsec_billfold_tracing_tests';

// What an OTLP exporter would send, kept in memory: the SDK is registered as startTracing does.
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

let db: Database;
let closeDb: () => Promise<void>;
let boss: PgBoss;
let webhookPOST: (request: Request) => Promise<Response>;
let applyWebhookJobs: typeof import('@/lib/jobs/webhook-worker').applyWebhookJobs;

beforeAll(async () => {
  const connection = connect(t.databaseUrl);
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
  boss = await startBoss(createBoss(t.databaseUrl, 'producer'));
  const { port } = new URL(t.server.url);
  Object.assign(process.env, { DATABASE_URL: t.databaseUrl, STRIPE_WEBHOOK_SECRET: SECRET, SANDBOX_PORT: port, NODE_ENV: 'test' });
  vi.resetModules();
  ({ POST: webhookPOST } = await import('@/app/api/webhooks/stripe/route'));
  ({ applyWebhookJobs } = await import('@/lib/jobs/webhook-worker'));
});

afterAll(async () => {
  const { closeDb: closeGlobal } = await import('@/db/client');
  await closeGlobal();
  await boss.stop({ graceful: false, close: true });
  await closeDb();
  await provider.shutdown();
});

beforeEach(() => exporter.reset());

const named = (name: string | RegExp): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));

describe('traces', () => {
  it('links the worker span that applied a webhook event to the endpoint span that received it', async () => {
    const body = JSON.stringify({ id: `evt_traced_${crypto.randomUUID()}`, object: 'event', type: 'customer.created', data: { object: { id: 'cus_t1', object: 'customer' } }, created: 1, livemode: false, api_version: null, pending_webhooks: 0, request: null });
    const signature = t.stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
    const response = await webhookPOST(new Request('http://localhost/api/webhooks/stripe', { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': signature } }));
    expect(response.status).toBe(200);
    const [received] = named('webhook receive stripe');
    expect(received?.attributes).toMatchObject({ 'billfold.provider': 'stripe', 'billfold.webhook.outcome': 'stored', 'billfold.webhook.type': 'customer.created' });

    // The job carries the endpoint span's traceparent; the worker's batch span links to it.
    const jobs = (await boss.fetch<WebhookJob>(WEBHOOK_QUEUE, { batchSize: 10 })) ?? [];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.traceparent).toBe(`00-${received!.spanContext().traceId}-${received!.spanContext().spanId}-01`);
    const failures = await applyWebhookJobs({ db, payments: registryThrough(t.stripe, { webhookSecrets: [SECRET] }) }, jobs);
    expect(failures.size).toBe(0);

    const [applied] = named('webhook apply');
    expect(applied?.links.map((link) => link.context)).toEqual([expect.objectContaining({ traceId: received!.spanContext().traceId, spanId: received!.spanContext().spanId })]);
  });

  it('makes a Stripe call inside a server action a client span, child of the action’s span', async () => {
    const { publicAction } = await import('@/lib/auth/actions');
    const { stripe } = await import('@/lib/payments/stripe/client');
    const createCustomer = publicAction(z.object({ email: z.email() }), async ({ email }) => (await stripe().customers.create({ email })).id);
    const result = await createCustomer({ email: 'traced@example.com' });
    expect(result).toMatchObject({ ok: true, data: expect.stringMatching(/^cus_/) });

    const [action] = named('server action (public)');
    const [call] = named('stripe POST /v1/customers');
    expect(action?.attributes['billfold.action.outcome']).toBe('ok');
    expect(call?.kind).toBe(SpanKind.CLIENT);
    expect(call?.parentSpanContext?.spanId).toBe(action!.spanContext().spanId);
    expect(call?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
  });

  it('makes PayPal REST calls client spans, the token exchange included', async () => {
    const { paypalClientFor } = await import('@/lib/payments/paypal/client');
    const { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } = await import('@/lib/payments/paypal/sandbox-credentials');
    const paypal = paypalClientFor({ apiBase: `${t.server.url}/paypal`, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
    await paypal.rest.request('GET', '/v1/notifications/webhooks');
    const spans = named(/^paypal /);
    expect(spans.map((span) => span.name)).toEqual(['paypal POST /v1/oauth2/token', 'paypal GET /v1/notifications/webhooks']);
    expect(spans.every((span) => span.kind === SpanKind.CLIENT && span.attributes['http.response.status_code'] === 200)).toBe(true);
  });

  it('names a provider call by its path with the object ids taken out, so names stay few', async () => {
    const { stripe } = await import('@/lib/payments/stripe/client');
    const customer = await stripe().customers.create({ email: 'ids@example.com' });
    await stripe().customers.retrieve(customer.id);
    expect(named(/^stripe GET /).map((span) => span.name)).toEqual(['stripe GET /v1/customers/{id}']);
  });
});
