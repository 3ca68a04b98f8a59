import { PaymentProviderUnavailableError } from '@/lib/payments/types';

/**
 * How a PayPal call that is safe to send again is repeated when PayPal could not be reached,
 * failed on its side (5xx), rate limited it (429) or was still busy with the same
 * PayPal-Request-Id (409): safe means a read, or a request carrying a PayPal-Request-Id (PayPal
 * answers a repeat with what the first made). Stripe's SDK does the same for its calls
 * (`maxNetworkRetries`, lib/payments/stripe/client.ts). Refusals are never repeated.
 */
export const PAYPAL_ATTEMPTS = 3;
/** The pause before the second attempt; each later pause is three times the one before, with jitter. */
const FIRST_PAUSE_MS = 250;
/** An attempt that took longer than this (a timeout, most likely) is not repeated: someone is waiting. */
const SLOW_ATTEMPT_MS = 5_000;

export interface RetryOptions {
  /** Waits between attempts; tests pass one that records instead. */
  pause?: (ms: number) => Promise<void>;
  /** Called before each repeat, for the span and the logs. */
  onRetry?: (attempt: number, error: PaymentProviderUnavailableError) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pause before attempt `attempt + 1` (attempt counts from 1): 250 ms, 750 ms, ± 20 %. */
export function pauseBefore(attempt: number, random: () => number = Math.random): number {
  return Math.round(FIRST_PAUSE_MS * 3 ** (attempt - 1) * (0.8 + 0.4 * random()));
}

/** Runs `attempt` up to PAYPAL_ATTEMPTS times while it fails as PaymentProviderUnavailableError; the last failure is thrown. */
export async function repeatWhileUnavailable<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const pause = options.pause ?? sleep;
  for (let made = 1; ; made++) {
    const started = performance.now();
    try {
      return await attempt();
    } catch (error) {
      const slow = performance.now() - started > SLOW_ATTEMPT_MS;
      if (!(error instanceof PaymentProviderUnavailableError) || made >= PAYPAL_ATTEMPTS || slow) throw error;
      options.onRetry?.(made, error);
      await pause(pauseBefore(made));
    }
  }
}
