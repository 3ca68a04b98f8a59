/**
 * The reliability switches for tests: how badly the "network" between a provider and the app
 * behaves. They are the sandbox's, not one provider's: a test that asks for duplicated webhooks
 * means every provider's, so each module reads them when it delivers or answers (Stripe's
 * webhook dispatcher and API today). Changed at run time by POST /_sandbox/chaos and
 * /_sandbox/retry, or set when the sandbox starts.
 */

export interface Chaos {
  /** Chance (0–1) that a webhook delivery is sent twice. */
  duplicateRate: number;
  /** Deliver each batch of due events in random order instead of creation order. */
  shuffle: boolean;
  /** Each delivery waits a random 0..delayMs before it is sent. */
  delayMs: number;
  /** Chance (0–1) that an API request fails with a 500 before doing anything. */
  apiFaultRate: number;
}

export interface RetryPolicy {
  /** First retry after this long; each next one waits twice as long, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  /** How long a delivery waits for the endpoint's answer. */
  timeoutMs: number;
}

export const DEFAULT_CHAOS: Chaos = { duplicateRate: 0, shuffle: false, delayMs: 0, apiFaultRate: 0 };
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 2_000, maxDelayMs: 60 * 60 * 1000, maxAttempts: 12, timeoutMs: 10_000 };
