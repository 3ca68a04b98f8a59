/**
 * Runs once when a Next.js server starts: a bad configuration stops it with one line; with
 * OTEL_EXPORTER_OTLP_ENDPOINT set, traces are exported (lib/ops/tracing.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { stopOnInvalidEnv } = await import('@/lib/env-check');
  stopOnInvalidEnv();
  const { startTracing } = await import('@/lib/ops/tracing');
  await startTracing({ serviceName: 'billfold-web' });
}
