import { z } from 'zod';

/**
 * The reliability switches for tests: how badly the "network" between a provider and the app
 * behaves. They are the sandbox's, not one provider's: a test that asks for duplicated webhooks
 * means every provider's, so each module reads them when it delivers or answers (Stripe's
 * webhook dispatcher and API today). Changed at run time by POST /_sandbox/chaos and
 * /_sandbox/retry, or set when the sandbox starts.
 */

const SECOND = 1000;
const DAY = 86_400 * SECOND;

export const ChaosSwitches = z.strictObject({
  /** Chance (0–1) that a webhook delivery is sent twice. */
  duplicateRate: z.number({ error: 'duplicateRate must be a chance from 0 to 1.' }).min(0).max(1),
  /** Deliver each batch of due events in random order instead of creation order. */
  shuffle: z.boolean({ error: 'shuffle must be true or false.' }),
  /** Each delivery waits a random 0..delayMs before it is sent. */
  delayMs: z.number({ error: 'delayMs must be a whole number of milliseconds from 0 to 60000.' }).int().min(0).max(60 * SECOND),
  /** Chance (0–1) that an API request fails with a 500 before doing anything. */
  apiFaultRate: z.number({ error: 'apiFaultRate must be a chance from 0 to 1.' }).min(0).max(1),
});
export type Chaos = z.infer<typeof ChaosSwitches>;

export const RetrySwitches = z.strictObject({
  /** First retry after this long; each next one waits twice as long, up to maxDelayMs. */
  baseDelayMs: z.number({ error: 'baseDelayMs must be a whole number of milliseconds from 0 to a day.' }).int().min(0).max(DAY),
  // Stripe gives up on an endpoint after three days: no wait between two tries is longer.
  maxDelayMs: z.number({ error: 'maxDelayMs must be a whole number of milliseconds from 0 to three days.' }).int().min(0).max(3 * DAY),
  maxAttempts: z.number({ error: 'maxAttempts must be a whole number from 1 to 100.' }).int().min(1).max(100),
  /** How long a delivery waits for the endpoint's answer. */
  timeoutMs: z.number({ error: 'timeoutMs must be a whole number of milliseconds from 1 to 120000.' }).int().min(1).max(120 * SECOND),
});
export type RetryPolicy = z.infer<typeof RetrySwitches>;

export const DEFAULT_CHAOS: Chaos = { duplicateRate: 0, shuffle: false, delayMs: 0, apiFaultRate: 0 };
export const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 2 * SECOND, maxDelayMs: 60 * 60 * SECOND, maxAttempts: 12, timeoutMs: 10 * SECOND };

/** A chaos request: any of the switches, and `faults` armed for one customer (a provider's own). */
const ChaosRequest = ChaosSwitches.partial().extend({ faults: z.unknown().optional() });
const RetryRequest = RetrySwitches.partial();

/** One sentence for a refused request: an unknown switch first (most likely a typo), else the first bad value. */
function describe(error: z.ZodError, switches: readonly string[]): string {
  const issue = error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? error.issues[0];
  if (!issue) return 'The request was refused.';
  if (issue.code === 'unrecognized_keys') {
    return `Unknown switch${issue.keys.length > 1 ? 'es' : ''}: ${issue.keys.join(', ')}. The switches are ${switches.join(', ')}.`;
  }
  if (issue.path.length === 0) return 'The body must be a JSON object.';
  // Every switch's schema carries its own sentence (`error:` above), for a wrong type and a range alike.
  return issue.message;
}

/** The switches a chaos request changes and the faults it arms, or why it is refused. */
export function parseChaosRequest(input: unknown): { switches: Partial<Chaos>; faults: unknown } | string {
  const parsed = ChaosRequest.safeParse(input);
  if (!parsed.success) return describe(parsed.error, Object.keys(ChaosRequest.shape));
  const { faults, ...switches } = parsed.data;
  return { switches, faults };
}

/** The retry settings a request changes, or why it is refused. */
export function parseRetryRequest(input: unknown, current: RetryPolicy): Partial<RetryPolicy> | string {
  const parsed = RetryRequest.safeParse(input);
  if (!parsed.success) return describe(parsed.error, Object.keys(RetryRequest.shape));
  const next = { ...current, ...parsed.data };
  if (next.baseDelayMs > next.maxDelayMs) return `baseDelayMs (${next.baseDelayMs}) cannot be longer than maxDelayMs (${next.maxDelayMs}).`;
  return parsed.data;
}
