import { stopOnInvalidEnv } from '@/lib/env-check';
import { startTracing, stopTracing } from '@/lib/ops/tracing';

/**
 * The Node.js server's start (instrumentation.ts imports it only in that runtime, so the Edge
 * build never sees Node's APIs): a bad configuration stops it with one line; with
 * OTEL_EXPORTER_OTLP_ENDPOINT set, traces are exported (lib/ops/tracing.ts).
 */
export async function registerNode(): Promise<void> {
  stopOnInvalidEnv();
  // Next closes its server on SIGTERM and then exits; the batched spans are sent meanwhile
  // (its own handler runs first, so this is as much as a web process can do without taking
  // over Next's shutdown).
  if (await startTracing({ serviceName: 'billfold-web' })) process.once('SIGTERM', () => void stopTracing());
}
