/**
 * Runs once when a Next.js server starts: a bad configuration stops it with one line; with
 * OTEL_EXPORTER_OTLP_ENDPOINT set, traces are exported (lib/ops/tracing.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { stopOnInvalidEnv } = await import('@/lib/env-check');
  stopOnInvalidEnv();
  const { startTracing, stopTracing } = await import('@/lib/ops/tracing');
  // Next closes its server on SIGTERM and then exits; the batched spans are sent meanwhile
  // (its own handler runs first, so this is as much as a web process can do without taking
  // over Next's shutdown).
  if (await startTracing({ serviceName: 'billfold-web' })) process.once('SIGTERM', () => void stopTracing());
}
