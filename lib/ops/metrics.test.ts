import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import type PgBoss from 'pg-boss';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { createBoss, startBoss } from '@/lib/jobs/boss';
import { DUPLICATE_PAYMENT_QUEUE } from '@/lib/jobs/queues';
import { isolatedSandbox } from '@/test/sandbox';
import { databaseRegistry, NO_READINGS, processMetrics } from './metrics';
import { judgeScrape } from './scrape-auth';
import { startTracing } from './tracing';

const t = isolatedSandbox();
const SECRET = 'whsec_billfold_metrics_tests';
const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';

let sql: Sql;
let boss: PgBoss;
let metricsGET: (request: Request) => Promise<Response>;
let webhookPOST: (request: Request) => Promise<Response>;

beforeAll(async () => {
  sql = postgres(t.databaseUrl, { max: 2, onnotice: () => {} });
  boss = await startBoss(createBoss(t.databaseUrl, 'producer'));
  const { port } = new URL(t.server.url);
  Object.assign(process.env, { DATABASE_URL: t.databaseUrl, STRIPE_WEBHOOK_SECRET: SECRET, SANDBOX_PORT: port, NODE_ENV: 'test', METRICS_TOKEN: TOKEN });
  vi.resetModules();
  ({ GET: metricsGET } = await import('@/app/api/metrics/route'));
  ({ POST: webhookPOST } = await import('@/app/api/webhooks/stripe/route'));
});

afterAll(async () => {
  const { closeDb } = await import('@/db/client');
  await closeDb();
  await boss.stop({ graceful: false, close: true });
  await sql.end();
});

function scrape(authorization?: string): Promise<Response> {
  return metricsGET(new Request('http://localhost/api/metrics', { headers: authorization ? { authorization } : {} }));
}

/** One sample's value in a text exposition (0 when the series is absent). */
function sample(exposition: string, series: string): number {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function scraped(): Promise<string> {
  const response = await scrape(`Bearer ${TOKEN}`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('/api/metrics', () => {
  it('refuses a scrape without the bearer token, or with a wrong one, with 401 and no metrics', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Basic bWV0cmljczp0b2tlbg==']) {
      const response = await scrape(authorization);
      expect(response.status, String(authorization)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await response.text()).not.toContain('billfold_');
    }
  });

  it('serves the Prometheus text exposition, never cached, to a scraper with the token', async () => {
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.text();
    expect(body).toContain('# TYPE billfold_webhook_events_received_total counter');
    expect(body).toContain('# TYPE billfold_queue_oldest_pending_seconds gauge');
    expect(body).toMatch(/^billfold_queue_depth\{queue="webhook-events"\} \d+$/m);
  });

  it('treats metrics as off, not open, when no METRICS_TOKEN is configured', () => {
    expect(judgeScrape(`Bearer ${TOKEN}`, undefined)).toBe('metrics_off');
    expect(judgeScrape(undefined, undefined)).toBe('metrics_off');
    expect(judgeScrape(`bearer ${TOKEN}`, TOKEN)).toBe('allowed');
  });
});

describe('webhook counters', () => {
  const deliver = (body: string, headers: Record<string, string>) => webhookPOST(new Request('http://localhost/api/webhooks/stripe', { method: 'POST', body, headers }));

  it('counts a verified delivery as received and verified, and a forged one as received and rejected for its signature', async () => {
    const before = await scraped();
    const body = JSON.stringify({ id: 'evt_metrics_1', object: 'event', type: 'customer.created', data: { object: { id: 'cus_m1', object: 'customer' } }, created: 1, livemode: false, api_version: null, pending_webhooks: 0, request: null });
    const signature = t.stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
    expect((await deliver(body, { 'content-type': 'application/json', 'stripe-signature': signature })).status).toBe(200);
    expect((await deliver(body.replace('cus_m1', 'cus_m2'), { 'content-type': 'application/json', 'stripe-signature': signature })).status).toBe(400);
    const after = await scraped();
    const moved = (series: string) => sample(after, series) - sample(before, series);
    expect(moved('billfold_webhook_events_received_total{provider="stripe"}')).toBe(2);
    expect(moved('billfold_webhook_events_verified_total{provider="stripe"}')).toBe(1);
    expect(moved('billfold_webhook_events_rejected_total{provider="stripe",reason="signature"}')).toBe(1);
  });
});

describe('gauges read from the database', () => {
  it('shows how many jobs wait in a queue and how long the oldest due one has waited', async () => {
    const before = await scraped();
    await boss.send(DUPLICATE_PAYMENT_QUEUE, { paymentId: crypto.randomUUID() }, { startAfter: new Date(Date.now() - 120_000) });
    await boss.send(DUPLICATE_PAYMENT_QUEUE, { paymentId: crypto.randomUUID() });
    // Not due for an hour: waiting, but not behind.
    await boss.send(DUPLICATE_PAYMENT_QUEUE, { paymentId: crypto.randomUUID() }, { startAfter: new Date(Date.now() + 3_600_000) });
    const after = await scraped();
    const series = `{queue="${DUPLICATE_PAYMENT_QUEUE}"}`;
    expect(sample(after, `billfold_queue_depth${series}`) - sample(before, `billfold_queue_depth${series}`)).toBe(3);
    const oldest = sample(after, `billfold_queue_oldest_pending_seconds${series}`);
    expect(oldest).toBeGreaterThanOrEqual(119);
    expect(oldest).toBeLessThan(600);
  });

  it('counts dead webhook events, failed emails and the last 15 minutes of payments with decline reasons bounded to known codes', async () => {
    const before = await scraped();
    await sql`insert into webhook_events (provider, event_id, type, payload, status) values ('stripe', ${`evt_dead_${crypto.randomUUID()}`}, 'charge.refunded', '{}'::jsonb, 'dead')`;
    await sql`insert into emails (kind, ref, "to", subject, text, status, attempts) values ('receipt', ${crypto.randomUUID()}, 'buyer@example.com', 'Receipt', 'Thanks', 'failed', 10)`;
    const payment = (status: string, failureCode: string | null, minutesAgo = 0) =>
      sql`insert into payments (provider, provider_payment_id, status, currency, amount, failure_code, created_at)
        values ('stripe', ${`pi_metrics_${crypto.randomUUID()}`}, ${status}::payment_status, 'USD', 1000, ${failureCode}, now() - ${minutesAgo} * interval '1 minute')`;
    await payment('succeeded', null);
    await payment('requires_payment_method', 'insufficient_funds');
    await payment('requires_payment_method', 'a_code_nobody_knows');
    await payment('requires_payment_method', 'insufficient_funds', 60); // outside the window
    await payment('requires_payment_method', null); // abandoned: no outcome
    const after = await scraped();
    const moved = (series: string) => sample(after, series) - sample(before, series);
    expect(moved('billfold_webhook_events_dead{provider="stripe"}')).toBe(1);
    expect(moved('billfold_emails_failed')).toBe(1);
    expect(moved('billfold_payments_recent{provider="stripe",outcome="succeeded"}')).toBe(1);
    expect(moved('billfold_payments_recent{provider="stripe",outcome="declined"}')).toBe(2);
    expect(moved('billfold_payment_declines_recent{provider="stripe",reason="insufficient_funds"}')).toBe(1);
    expect(moved('billfold_payment_declines_recent{provider="stripe",reason="other"}')).toBe(1);
    expect(after).not.toContain('a_code_nobody_knows');
  });
});

describe('the alert rules operators load (ops/alerts/billfold.rules.yml)', () => {
  interface Rule {
    alert?: string;
    expr?: string;
    for?: string;
    labels?: { severity?: string };
    annotations?: { summary?: string };
  }
  const file = path.resolve(import.meta.dirname, '../../ops/alerts/billfold.rules.yml');
  const rules = (parse(fs.readFileSync(file, 'utf8')) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((group) => group.rules);

  /** Every series name Billfold exports: the process's metrics and the database's gauges, histograms with their suffixes. */
  async function exported(): Promise<Set<string>> {
    const names = new Set<string>();
    for (const registry of [processMetrics().registry, databaseRegistry(NO_READINGS)]) {
      for (const metric of await registry.getMetricsAsJSON()) {
        names.add(metric.name);
        if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
      }
    }
    return names;
  }

  it('alerts on scrape failures, rejected webhooks, a queue behind, dead events, declines and email failures, each with a threshold, a duration and a severity', () => {
    const names = rules.map((rule) => rule.alert);
    expect(names).toEqual(expect.arrayContaining(['BillfoldMetricsDown', 'BillfoldWebhooksRejected', 'BillfoldWebhookQueueBehind', 'BillfoldDeadWebhookEvents', 'BillfoldDeclineRateHigh', 'BillfoldEmailsGivenUp']));
    for (const rule of rules) {
      expect(rule.expr, rule.alert).toMatch(/[<>]=?\s*[\d.]+|==\s*0/);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    }
  });

  // Prometheus's own checker, where it is installed (Debian: apt-get install prometheus): the
  // rules parse as PromQL, and each alert fires, or stays quiet, as ops/alerts/billfold.rules.test.yml says.
  const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((candidate) => fs.existsSync(candidate));
  it.skipIf(!promtool)('passes promtool’s rule check and unit tests of its thresholds', () => {
    const run = (...args: string[]) => execFileSync(promtool!, args, { cwd: path.dirname(file), encoding: 'utf8' });
    expect(run('check', 'rules', 'billfold.rules.yml')).toMatch(/SUCCESS: \d+ rules found/);
    expect(run('test', 'rules', 'billfold.rules.test.yml')).toContain('SUCCESS');
  });

  it('names only metrics Billfold exports', async () => {
    const available = await exported();
    const used = new Set(rules.flatMap((rule) => rule.expr?.match(/\bbillfold_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !available.has(name))).toEqual([]);
  });
});

describe('the worker’s metrics port', () => {
  it('serves the worker’s own metrics only to a scraper with the token', async () => {
    const { serveWorkerMetrics } = await import('./metrics-server');
    const server = await serveWorkerMetrics(0, TOKEN, '127.0.0.1');
    try {
      const { port } = server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/other`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE billfold_webhook_apply_latency_seconds histogram');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('tracing', () => {
  it('stays off, constructing no exporter, when OTEL_EXPORTER_OTLP_ENDPOINT is not set', async () => {
    expect(await startTracing({ serviceName: 'billfold-test', environment: {} })).toBe(false);
    const span = trace.getTracer('billfold').startSpan('anything');
    expect(span.isRecording()).toBe(false);
    span.end();
  });
});
