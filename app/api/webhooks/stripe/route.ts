import { sqlClient } from '@/db/client';
import { env } from '@/lib/env';
import { recordWebhookEvent } from '@/lib/jobs/webhook-ledger';
import { log } from '@/lib/log';
import { stripe } from '@/lib/payments/stripe/client';
import { verifyStripeEvent } from '@/lib/payments/stripe/events';

export const dynamic = 'force-dynamic';

// Stripe's events are a few kilobytes; anything near this is not one.
const MAX_BODY_BYTES = 1024 * 1024;

// `no-transform` keeps Next from gzipping a 40-byte acknowledgement: under a webhook storm the
// compressor costs more CPU than the rest of the answer.
const ACKNOWLEDGEMENT_HEADERS = { 'Cache-Control': 'no-store, no-transform' };

/**
 * Stripe's webhooks: verify the signature on the raw body, store the event once and enqueue it
 * in one transaction, answer 200. The queue worker applies it (lib/jobs/webhook-worker.ts), so
 * this stays fast however slow the effects are.
 */
export async function POST(request: Request): Promise<Response> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) return Response.json({ error: 'payload too large' }, { status: 413 });
  const rawBody = await request.text();
  const event = verifyStripeEvent(stripe(), rawBody, request.headers.get('stripe-signature'), env().stripe.webhookSecrets);
  if (!event) {
    // The signature itself is never logged: only whether one was present.
    log.warn({ hasSignature: request.headers.has('stripe-signature'), bytes: rawBody.length }, 'stripe webhook refused: signature did not verify');
    return Response.json({ error: 'invalid signature' }, { status: 400 });
  }
  const outcome = await recordWebhookEvent(sqlClient(), { provider: 'stripe', eventId: event.id, type: event.type, payloadJson: rawBody });
  return Response.json({ received: true, duplicate: outcome === 'duplicate' }, { headers: ACKNOWLEDGEMENT_HEADERS });
}
