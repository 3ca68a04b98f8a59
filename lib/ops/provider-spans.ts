import { SpanKind, type Span } from '@opentelemetry/api';
import { inSpan } from './tracing';

// An object id in a provider's path (pi_3Nx…, cus_…, 5O190127TN364715T, I-BW452GLLEP1G, PP-D-1234):
// replaced in the span's name so a name stays one of a few hundred, whatever the ids. A Stripe id
// has a capital or a digit after its prefix; a resource's name (payment_intents, test_clocks) has
// neither, and stays.
const ID_SEGMENT = /^(?:[a-z]+_(?=[a-z_]*[A-Z0-9])[A-Za-z0-9_]+|[A-Z0-9-]{8,}|[0-9a-f-]{20,}|\d+)$/;

/** `/v1/payment_intents/pi_123/confirm?expand[]=x` → `/v1/payment_intents/{id}/confirm` */
export function pathTemplate(path: string): string {
  return path
    .split('?')[0]!
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? '{id}' : segment))
    .join('/');
}

/**
 * A call to a payment provider, as a client span (`stripe POST /v1/payment_intents/{id}/confirm`)
 * with the HTTP status it answered. Never a header or a body: those carry keys and card data.
 */
export function providerCallSpan<T>(provider: string, method: string, path: string, call: (span: Span) => Promise<T>): Promise<T> {
  const template = pathTemplate(path);
  return inSpan(
    `${provider} ${method} ${template}`,
    { kind: SpanKind.CLIENT, attributes: { 'billfold.provider': provider, 'http.request.method': method, 'url.template': template } },
    call,
  );
}
