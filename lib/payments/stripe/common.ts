import Stripe from 'stripe';
import { PaymentProviderUnavailableError } from '@/lib/payments/types';

/** Small translations every Stripe file of this folder shares. */

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

export function date(seconds: number | null | undefined): Date | null {
  return typeof seconds === 'number' ? new Date(seconds * 1000) : null;
}

/** The one of `known` that `value` is, or throws: a status Billfold does not know is a bug to see, not to guess. */
export function oneOf<T extends string>(known: readonly T[], value: string, what: string): T {
  const found = known.find((candidate) => candidate === value);
  if (!found) throw new Error(`${what} has an unknown status ${value}`);
  return found;
}

/**
 * Errors after which nothing is known to have happened and the same call may be retried:
 * Stripe unreachable or timing out, a 5xx, rate limiting, or the same idempotency key still
 * in flight (409). Anything else (bad parameters, a reused key with other parameters) is a bug.
 */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError)) return false;
  return (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeIdempotencyError && error.statusCode === 409) ||
    (error.statusCode ?? 0) >= 500
  );
}

/** A Stripe call whose transient failures become PaymentProviderUnavailableError. */
export async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (isTransient(error)) throw new PaymentProviderUnavailableError('stripe', { cause: error });
    throw error;
  }
}

export function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing';
}
