/**
 * The server time of the checkout's create-payment action (issue 16 target: p95 < 100 ms,
 * excluding the provider's own time). Runs the production stack (`npm run build` first) on its
 * own database and ports and calls the server action as the checkout page's "Continue" does
 * (`startCheckout`: prices the cart, opens the order, creates its PaymentIntent), each call a new
 * guest on a connection of their own. `--provider paypal` measures PayPal's button instead
 * (`startApprovalPayment`: the PayPal order for the order a `startCheckout` opened just before).
 *
 *   npm run bench:create-payment [-- --requests 300 --concurrency 2 --provider stripe|paypal]
 *
 * Where the time goes is read from the stack's own OpenTelemetry traces, exported to a small
 * OTLP/HTTP receiver in this process: each request carries a traceparent, so Next's span for the
 * request, the action's span and its provider call spans (lib/ops/provider-spans.ts, the PayPal
 * SDK's calls) are found by the trace id this client chose. The server time is the extent of the
 * request's spans (the action and the page Next renders again after it); the provider's time is
 * the union of the provider spans within it (over loopback to the sandbox: its handling, not an
 * internet round trip); the figure with its target is their difference. It is also stated as a
 * ratio to the same-run baseline (bench/baseline.ts) at the same concurrency, against the target
 * as a ratio: 100 ms ÷ the reference baseline's p95 at that concurrency (bench/reference.ts).
 *
 * BENCH_SPANS=<file> writes the spans of every measured call's trace as JSON.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import postgres from 'postgres';
import { ROOT, runCli, say } from '../scripts/lib/stack';
import { measureBaseline, sayBaseline, sayRatio } from './baseline';
import { latencyRatioTarget } from './reference';
import { option, percentile, stopChild, waitForHealth } from './measure';
import { dropBenchDatabase, freshBenchDatabase, startBenchStack } from './stack';

const TARGET_P95_MS = 100;
/** OpenTelemetry's SpanKind.CLIENT in OTLP's encoding. */
const SPAN_KIND_CLIENT = 3;

interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  /** ms, from the epoch, to the microsecond. */
  start: number;
  end: number;
  provider: string | null;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
}

interface OtlpExport {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

/** An OTLP/JSON id: hex (what the JS exporter sends), or base64 (what the spec's JSON encoding says). */
function hexId(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function nanosToMs(nanos: string | number): number {
  return Number(BigInt(String(nanos)) / 1000n) / 1000;
}

/** A receiver for OTLP/HTTP JSON traces (what @opentelemetry/exporter-trace-otlp-http sends): every span, by trace id. */
function startTraceReceiver(): Promise<{ port: number; spans: Map<string, CollectedSpan[]>; close(): void }> {
  const spans = new Map<string, CollectedSpan[]>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((request.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8')) as OtlpExport;
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            const collected: CollectedSpan = {
              traceId: hexId(span.traceId),
              spanId: hexId(span.spanId),
              parentSpanId: hexId(span.parentSpanId),
              name: span.name,
              kind: span.kind,
              start: nanosToMs(span.startTimeUnixNano),
              end: nanosToMs(span.endTimeUnixNano),
              provider: span.attributes?.find((attribute) => attribute.key === 'billfold.provider')?.value.stringValue ?? null,
            };
            spans.set(collected.traceId, [...(spans.get(collected.traceId) ?? []), collected]);
          }
        }
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, spans, close: () => server.close() })));
}

/** The time covered by `intervals` (overlaps counted once: a PayPal call may wrap its token fetch). */
function coveredMs(intervals: { start: number; end: number }[]): number {
  let total = 0;
  let reach = -Infinity;
  for (const { start, end } of [...intervals].sort((a, b) => a.start - b.start)) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

/** What one call's trace says: the request's server time, the action's, the provider's within it. */
interface CallTimes {
  serverMs: number;
  actionMs: number;
  providerMs: number;
  providerCalls: number;
}

/**
 * Reads one trace. The server's time is the whole extent of its spans for the request, from the
 * first (whose parent is this client's `clientSpanId`) to the last to end: Next's outer span ends
 * once the response has started, and the action's answer, with the page rendered again after it,
 * streams on in its children. Null until the trace is whole: every span's parent has arrived
 * (a span is exported when it ends, so a late one leaves its children orphaned until then).
 */
function callTimes(spans: CollectedSpan[], clientSpanId: string): CallTimes | null {
  const ids = new Set(spans.map((span) => span.spanId));
  const roots = spans.filter((span) => span.parentSpanId === clientSpanId);
  const action = spans.find((span) => span.name.startsWith('server action'));
  if (!action || roots.length === 0 || spans.some((span) => span.parentSpanId !== clientSpanId && !ids.has(span.parentSpanId))) return null;
  const serverMs = Math.max(...spans.map((span) => span.end)) - Math.min(...roots.map((span) => span.start));
  const provider = spans.filter((span) => span.kind === SPAN_KIND_CLIENT && span.provider !== null);
  return { serverMs, actionMs: action.end - action.start, providerMs: coveredMs(provider), providerCalls: provider.length };
}

/** The id Next gave the server action `name` exported by the checkout's actions.ts, from the production build. */
function actionId(name: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, '.next/server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { workers: Record<string, unknown>; exportedName?: string; filename?: string }>;
  };
  const found = Object.entries(manifest.node).find(([, entry]) => entry.exportedName === name && (entry.filename ?? '').includes('checkout/actions'));
  if (!found) throw new Error(`the build has no server action ${name} from app/(shop)/checkout/actions.ts`);
  return found[0];
}

interface ActionCall {
  /** ms, measured by this client. */
  roundTripMs: number;
  traceId: string;
  clientSpanId: string;
  setCookies: string[];
}

/**
 * Calls a server action as React's client does: a POST to the page with its id in Next-Action and
 * its arguments as JSON. `client` is the buyer's address, for the per-connection rate limit.
 */
async function callAction(app: string, id: string, input: unknown, { client, cookie }: { client: string; cookie?: string }): Promise<ActionCall> {
  const traceId = crypto.randomBytes(16).toString('hex');
  const clientSpanId = crypto.randomBytes(8).toString('hex');
  const started = performance.now();
  const response = await fetch(`${app}/checkout`, {
    method: 'POST',
    headers: {
      'Next-Action': id,
      Accept: 'text/x-component',
      'Content-Type': 'text/plain;charset=UTF-8',
      Origin: app,
      'X-Forwarded-For': client,
      traceparent: `00-${traceId}-${clientSpanId}-01`,
      ...(cookie ? { Cookie: cookie } : {}),
    },
    body: JSON.stringify([input]),
  });
  const text = await response.text();
  const roundTripMs = performance.now() - started;
  if (!response.ok || !text.includes('"ok":true')) throw new Error(`the action answered ${response.status}: ${text.slice(0, 300)}`);
  return { roundTripMs, traceId, clientSpanId, setCookies: response.headers.getSetCookie() };
}

function sayPercentiles(label: string, values: number[]): void {
  const sorted = [...values].sort((a, b) => a - b);
  say(`  ${label}: p50 ${percentile(sorted, 50).toFixed(1)}, p95 ${percentile(sorted, 95).toFixed(1)}, p99 ${percentile(sorted, 99).toFixed(1)}, max ${(sorted.at(-1) ?? 0).toFixed(1)}`);
}

runCli(async () => {
  if (!fs.existsSync(`${ROOT}/.next/BUILD_ID`)) throw new Error('Run `npm run build` first: the benchmark measures the production server.');
  const requests = option('requests', 300);
  const concurrency = option('concurrency', 2);
  const warmup = option('warmup', 40);
  const port = option('port', 3420);
  const sandboxPort = option('sandbox-port', 4620);
  const provider = process.argv.includes('--provider') ? process.argv[process.argv.indexOf('--provider') + 1] : 'stripe';
  if (provider !== 'stripe' && provider !== 'paypal') throw new Error(`--provider is stripe or paypal, not ${provider}`);
  const startCheckout = actionId('startCheckout');
  const startApprovalPayment = actionId('startApprovalPayment');

  const { url: databaseUrl, temporary } = await freshBenchDatabase(`billfold_bench_${port}`, 54336);

  const receiver = await startTraceReceiver();
  const stack = startBenchStack({
    databaseUrl,
    port,
    sandboxPort,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      // Export often and keep every span: the bench reads all of them.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BSP_MAX_QUEUE_SIZE: '100000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2000',
    },
  });
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const app = `http://127.0.0.1:${port}`;
    await waitForHealth(app);
    const [price] = await sql<{ id: string }[]>`select id from prices where lookup_key = 'field-notebook-usd'`;
    const items = [{ priceId: price!.id, quantity: 1 }];
    const run = Date.now();

    /** One buyer's create-payment call; the PayPal one first opens the order as the page does, untimed. */
    const once = async (n: number): Promise<ActionCall> => {
      // A new guest each time, from an address of their own (the rate limit allows a person a few checkouts an hour).
      const client = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const email = `bench-${run}-${n}@example.com`;
      const opened = await callAction(app, startCheckout, { items, email }, { client });
      if (provider === 'stripe') return opened;
      const cookie = opened.setCookies.map((header) => header.split(';')[0]).join('; ');
      return callAction(app, startApprovalPayment, { provider: 'paypal', items }, { client, cookie });
    };
    /** `count` buyers, `concurrency` at a time, each starting when the one before them on their client is answered. */
    const clients = async (from: number, count: number) => {
      const calls: ActionCall[] = [];
      const errors: unknown[] = [];
      let next = from;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < from + count) await once(next++).then((call) => void calls.push(call), (error: unknown) => void errors.push(error));
      }));
      return { calls, errors };
    };
    // The JIT, the pools, Next's first compile of the route's server code.
    await clients(0, warmup);
    const begun = performance.now();
    const { calls, errors } = await clients(warmup, requests);
    const elapsed = (performance.now() - begun) / 1000;

    // The last spans leave the stack within the exporter's schedule; wait until every call's trace is whole.
    const times: CallTimes[] = [];
    for (let waited = 0; ; waited += 200) {
      times.length = 0;
      for (const call of calls) {
        const found = callTimes(receiver.spans.get(call.traceId) ?? [], call.clientSpanId);
        if (found) times.push(found);
      }
      if (times.length === calls.length || waited > 15_000) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (process.env.BENCH_SPANS) fs.writeFileSync(process.env.BENCH_SPANS, JSON.stringify(calls.map((call) => ({ ...call, spans: receiver.spans.get(call.traceId) ?? [] })), null, 1));
    const action = provider === 'stripe' ? 'startCheckout (order + PaymentIntent)' : 'startApprovalPayment (PayPal order)';
    say(`create-payment bench (${provider}): ${calls.length} calls of ${action} from ${concurrency} concurrent buyers in ${elapsed.toFixed(1)} s (${(calls.length / elapsed).toFixed(0)}/s), ${errors.length} failed; ${times.length} traces read`);
    if (errors[0]) say(`  first failure: ${errors[0] instanceof Error ? errors[0].message : String(errors[0])}`);
    if (times.length < calls.length) throw new Error(`only ${times.length} of ${calls.length} traces arrived: is the stack exporting to the receiver?`);
    const ownTime = times.map((time) => time.serverMs - time.providerMs);
    sayPercentiles('round trip at the client, ms', calls.map((call) => call.roundTripMs));
    sayPercentiles("server time (the extent of the request's spans), ms", times.map((time) => time.serverMs));
    sayPercentiles("the action's own span, ms", times.map((time) => time.actionMs));
    sayPercentiles(`the provider's time (${(times.reduce((sum, time) => sum + time.providerCalls, 0) / times.length).toFixed(1)} calls per action, to the sandbox over loopback), ms`, times.map((time) => time.providerMs));
    sayPercentiles('server time excluding the provider, ms', ownTime);
    const p95 = percentile([...ownTime].sort((a, b) => a - b), 95);
    say(`  server time excluding the provider, p95: ${p95.toFixed(1)} ms (the issue's absolute target < ${TARGET_P95_MS} ms)`);
    const load = { concurrency, requests: Math.max(1000, requests) };
    const baseline = await measureBaseline({ databaseUrl, mode: load });
    sayBaseline(load, baseline);
    const ratioMet = sayRatio('server time excluding the provider, p95 ms', { baseline: baseline.p95, bench: p95 }, latencyRatioTarget(TARGET_P95_MS, load, 'p95'));
    if (!ratioMet || errors.length > 0) process.exitCode = 1;
  } finally {
    await sql.end();
    receiver.close();
    await stopChild(stack);
    await dropBenchDatabase(databaseUrl);
    await temporary?.stop();
  }
});
