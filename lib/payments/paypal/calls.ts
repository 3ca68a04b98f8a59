import { ApiError, type ApiResponse } from '@paypal/paypal-server-sdk';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';
import { inSpan, SpanKind } from '@/lib/ops/tracing';
import { paypalErrorFrom, type PaypalErrorBody } from './client';
import { repeatWhileUnavailable } from './retry';

/**
 * How this folder's calls to PayPal fail, in Billfold's terms, whether they go through the
 * official SDK or the REST caller (client.ts): an outage, or anything after which nothing is
 * known to have changed and the same PayPal-Request-Id may be sent again, is
 * PaymentProviderUnavailableError; a refusal is PaypalApiError with PayPal's issue.
 */

function errorBodyOf(error: ApiError<unknown>): PaypalErrorBody | undefined {
  if (error.result && typeof error.result === 'object') return error.result as PaypalErrorBody;
  if (typeof error.body === 'string' && error.body) {
    try {
      return JSON.parse(error.body) as PaypalErrorBody;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The transport's own failures: a refused or reset connection, DNS, a timeout, an abort. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && /^(E[A-Z]+|UND_ERR)/.test(code)) || error.name === 'AbortError' || /^timeout of \d+ms exceeded$/.test(error.message);
}

/**
 * An SDK error in Billfold's terms: PayPal unreachable, timing out, failing on its side (5xx),
 * rate limiting or still busy with the same PayPal-Request-Id (409) becomes
 * PaymentProviderUnavailableError (nothing known changed; the same key may be retried); a
 * refusal becomes PaypalApiError with PayPal's issue. A response the SDK could not parse is
 * neither: it is passed on as it is (the caller of a capture re-reads the order). Requests are
 * built before the call, so a bad amount is never mistaken for PayPal being down.
 */
function translated(error: unknown): unknown {
  if (error instanceof ApiError) {
    const status = error.statusCode;
    const refusal = paypalErrorFrom(status, errorBodyOf(error));
    if (status >= 500 || status === 429 || status === 409) return new PaymentProviderUnavailableError('paypal', { cause: refusal });
    return refusal;
  }
  if (isNetworkFailure(error)) return new PaymentProviderUnavailableError('paypal', { cause: error });
  // ArgumentsValidationError, ResponseValidationError and anything else: a bug or an answer the
  // SDK could not read, passed on as it is.
  return error;
}

/**
 * An SDK call whose failures are translated (see `translated`), in a client span named by its
 * `operation` (`orders.capture`): the SDK has no hook of its own for one. `repeatable`: a read,
 * or a request with a PayPal-Request-Id, which is sent again while PayPal is unavailable
 * (./retry.ts); anything else is sent once (the SDK's own retries stay off).
 */
export function call<T>(operation: string, { repeatable }: { repeatable: boolean }, request: () => Promise<ApiResponse<T>>): Promise<T> {
  return inSpan(`paypal ${operation}`, { kind: SpanKind.CLIENT, attributes: { 'billfold.provider': 'paypal' } }, async (span) => {
    const once = async () => {
      try {
        const response = await request();
        span.setAttribute('http.response.status_code', response.statusCode);
        return response.result;
      } catch (error) {
        if (error instanceof ApiError) span.setAttribute('http.response.status_code', error.statusCode);
        throw translated(error);
      }
    };
    if (!repeatable) return once();
    return repeatWhileUnavailable(once, { onRetry: (attempt) => span.setAttribute('billfold.provider.retries', attempt) });
  });
}
