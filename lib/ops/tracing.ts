import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry traces of the paths money takes: server actions (lib/auth/actions.ts), provider
 * calls (the Stripe client's HTTP client, PayPal's SDK calls and REST caller), the webhook
 * endpoint, and the worker's apply of the events it stored, linked back to the endpoint's span
 * through the W3C traceparent kept in the event's job.
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (`startTracing`): then the API below is
 * OpenTelemetry's no-op, which costs a function call per span and builds no exporter.
 */

const TRACER_NAME = 'billfold';

export interface TracingOptions {
  /** `service.name`: billfold-web or billfold-worker. */
  serviceName: string;
  /** The environment to read OTEL_EXPORTER_OTLP_ENDPOINT from. */
  environment?: Record<string, string | undefined>;
}

/**
 * Registers the SDK with an OTLP/HTTP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is set, and
 * returns whether it did. The exporter reads the standard OTEL_EXPORTER_OTLP_* variables
 * (headers, timeout, `/v1/traces` appended to the endpoint). The SDK is imported only then, so a
 * process without tracing loads none of it.
 */
export async function startTracing({ serviceName, environment = process.env }: TracingOptions): Promise<boolean> {
  if (!environment.OTEL_EXPORTER_OTLP_ENDPOINT) return false;
  // OTEL_LOG_LEVEL=debug shows the SDK's own diagnostics (an exporter that cannot reach its collector).
  const level = environment.OTEL_LOG_LEVEL?.toUpperCase() as keyof typeof DiagLogLevel | undefined;
  if (level && level in DiagLogLevel) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel[level]);
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: environment.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(environment) }))],
  });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  running = provider;
  process.once('beforeExit', () => void stopTracing());
  return true;
}

/**
 * Where spans go, from the environment given (the exporter itself reads only process.env):
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or `/v1/traces` under OTEL_EXPORTER_OTLP_ENDPOINT.
 */
function tracesUrl(environment: Record<string, string | undefined>): string {
  return environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${environment.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`;
}

/** The provider startTracing registered, until stopTracing ends it. */
let running: { shutdown(): Promise<void> } | undefined;

/** A collector that does not answer must not hold a stopping process longer than this. */
const FLUSH_TIMEOUT_MS = 3000;

/**
 * Sends the spans still batched (the exporter sends every few seconds) and stops tracing. A
 * process that exits on a signal calls it first: `beforeExit` does not fire on process.exit,
 * and the last seconds of spans, the ones about why it stopped, would be lost. Resolves within
 * FLUSH_TIMEOUT_MS whether or not the collector answers; does nothing when tracing is off.
 */
export async function stopTracing(): Promise<void> {
  const provider = running;
  running = undefined;
  if (!provider) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
  });
  await Promise.race([provider.shutdown().catch(() => {}), timeout]);
  clearTimeout(timer);
}

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  links?: Link[];
}

/**
 * Runs `body` in a span that is the active one inside it (provider calls made in it are its
 * children). A thrown error is recorded on the span and thrown on.
 */
export function inSpan<T>(name: string, options: SpanOptions, body: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, options, async (span) => {
    try {
      return await body(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active span's W3C traceparent, to store with work another process picks up; null when nothing is traced. */
export function currentTraceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** A link to the span a stored traceparent names (null for one that is absent or not valid). */
export function linkFrom(traceparent: string | null | undefined): Link | null {
  if (!traceparent) return null;
  const spanContext = trace.getSpanContext(propagation.extract(context.active(), { traceparent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : null;
}

export { SpanKind };
