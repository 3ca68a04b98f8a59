import type { Span } from '@opentelemetry/api';
import { sqlClient } from '@/db/client';
import { log } from '@/lib/log';
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
  const outcome = await recordWebhookEvent(sqlClient(), { ...event, provider: name }, currentTraceparent());
  span.setAttributes({ 'billfold.webhook.outcome': outcome, 'billfold.webhook.type': event.type });
  return Response.json({ received: true, duplicate: outcome === 'duplicate' }, { headers: ACKNOWLEDGEMENT_HEADERS });
}
