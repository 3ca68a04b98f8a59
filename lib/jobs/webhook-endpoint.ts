import type { Span } from '@opentelemetry/api';
import { sqlClient } from '@/db/client';
import { log } from '@/lib/log';
import { isDatabaseUnavailable } from '@/lib/ops/database-outage';
import { processMetrics } from '@/lib/ops/metrics';
import { currentTraceparent, inSpan } from '@/lib/ops/tracing';
import { paymentRegistry, type PaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import { UnknownPaymentProviderError, type PaymentProviderName } from '@/lib/payments/types';
import { recordWebhookEvent } from './webhook-ledger';

// A provider's events are a few kilobytes; anything near this is not one.
const MAX_BODY_BYTES = 1024 * 1024;

// `no-transform` keeps Next from gzipping a 40-byte acknowledgement: under a webhook storm the
// compressor costs more CPU than the rest of the answer.
const ACKNOWLEDGEMENT_HEADERS = { 'Cache-Control': 'no-store, no-transform' };

/**
 * How long storing an event may take before the provider is told to deliver it again (503 with
 * Retry-After): Stripe and PayPal wait some 10 to 30 s for an answer, so a database that is away
 * is said within this, not held until the provider gives up on the delivery.
 */
export const STORE_DEADLINE_MS = 5_000;
/** What the 503 asks the provider to wait; each provider keeps its own backoff besides. */
const RETRY_AFTER_SECONDS = 30;

/** Thrown when the store took longer than STORE_DEADLINE_MS; the store may still complete, and the redelivery is then a duplicate. */
class StoreDeadlineError extends Error {
  constructor() {
    super(`storing the webhook event took over ${STORE_DEADLINE_MS} ms`);
    this.name = 'StoreDeadlineError';
  }
}

function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreDeadlineError()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function enabled(registry: PaymentRegistry, name: PaymentProviderName): PaymentProvider | null {
  try {
    return registry.get(name);
  } catch (error) {
    if (error instanceof UnknownPaymentProviderError) return null;
    throw error;
  }
}

/**
 * The webhook endpoint of one provider (app/api/webhooks/<provider>/route.ts is this, and
 * nothing else): check the signature on the raw body with the provider's own verifier, store
 * the event once and enqueue it in one statement, answer 200. The queue worker applies it
 * (./webhook-worker.ts), so this stays fast however slow the effects are. A provider this
 * configuration does not enable has no endpoint: 404.
 */
export function webhookEndpoint(name: PaymentProviderName, registry: () => PaymentRegistry = paymentRegistry): (request: Request) => Promise<Response> {
  return (request) => inSpan(`webhook receive ${name}`, { attributes: { 'billfold.provider': name } }, (span) => receive(name, registry, request, span));
}

async function receive(name: PaymentProviderName, registry: () => PaymentRegistry, request: Request, span: Span): Promise<Response> {
  const metrics = processMetrics();
  const provider = enabled(registry(), name);
  if (!provider) {
    metrics.webhooksRejected.inc({ provider: name, reason: 'not_enabled' });
    log.warn({ provider: name }, 'webhook for a payment provider that is not enabled');
    return Response.json({ error: 'not found' }, { status: 404 });
  }
  metrics.webhooksReceived.inc({ provider: name });
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    metrics.webhooksRejected.inc({ provider: name, reason: 'too_large' });
    return Response.json({ error: 'payload too large' }, { status: 413 });
  }
  const rawBody = await request.text();
  const event = await provider.webhooks.verify(rawBody, request.headers);
  if (!event) {
    metrics.webhooksRejected.inc({ provider: name, reason: 'signature' });
    span.setAttribute('billfold.webhook.outcome', 'rejected');
    // Only the names of the headers sent (whether a signature header was among them), never a value.
    log.warn({ provider: name, headerNames: [...request.headers.keys()], bytes: rawBody.length }, 'webhook refused: signature did not verify');
    return Response.json({ error: 'invalid signature' }, { status: 400 });
  }
  metrics.webhooksVerified.inc({ provider: name });
  // Stored under the route's provider, whatever the verifier named: the route is what the provider
  // called. The span's traceparent goes with the job, so the worker's apply links back to it.
  let outcome: Awaited<ReturnType<typeof recordWebhookEvent>>;
  try {
    outcome = await withinDeadline(recordWebhookEvent(sqlClient(), { ...event, provider: name }, currentTraceparent()), STORE_DEADLINE_MS);
  } catch (error) {
    if (!(error instanceof StoreDeadlineError) && !isDatabaseUnavailable(error)) throw error;
    // The database is away or not answering: the provider delivers the event again later, and
    // the ledger stores it once whenever it arrives (a store that completed after all included).
    metrics.webhooksRejected.inc({ provider: name, reason: 'store_unavailable' });
    span.setAttribute('billfold.webhook.outcome', 'unavailable');
    log.warn({ provider: name, eventId: event.eventId, err: error }, 'webhook not stored: the database is unavailable; the provider delivers it again');
    return Response.json({ error: 'temporarily unavailable' }, { status: 503, headers: { ...ACKNOWLEDGEMENT_HEADERS, 'Retry-After': String(RETRY_AFTER_SECONDS) } });
  }
  span.setAttributes({ 'billfold.webhook.outcome': outcome, 'billfold.webhook.type': event.type });
  return Response.json({ received: true, duplicate: outcome === 'duplicate' }, { headers: ACKNOWLEDGEMENT_HEADERS });
}
