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
  /** Chance (0–1) that an API request meets a fault: a 500 instead of its answer. */
  apiFaultRate: z.number({ error: 'apiFaultRate must be a chance from 0 to 1.' }).min(0).max(1),
  /**
   * Share (0–1) of those faults that strike after the request did its work: the change commits
   * (and its idempotency key remembers it), only the answer is lost, as when a provider times out
   * or a proxy fails after the commit. The rest strike before anything happens.
   */
  apiFaultAfterShare: z.number({ error: 'apiFaultAfterShare must be a share from 0 to 1.' }).min(0).max(1),
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

export const DEFAULT_CHAOS: Chaos = { duplicateRate: 0, shuffle: false, delayMs: 0, apiFaultRate: 0, apiFaultAfterShare: 0 };

/** When an injected API fault strikes: before the request does anything, or after, its answer lost. */
export type ApiFault = 'before' | 'after';

/** Whether one API request meets an injected fault (apiFaultRate), and when (apiFaultAfterShare). */
export function drawApiFault(chaos: Pick<Chaos, 'apiFaultRate' | 'apiFaultAfterShare'>, random: () => number = Math.random): ApiFault | null {
  if (chaos.apiFaultRate === 0 || random() >= chaos.apiFaultRate) return null;
  return random() < chaos.apiFaultAfterShare ? 'after' : 'before';
}
const HOUR = 3600 * SECOND;

/**
 * Each provider's own backoff: the sandbox retries a failed delivery as that provider would (a
 * test shortens them with /_sandbox/retry). Stripe's test mode retries for about an hour here.
 * PayPal "retries up to 25 times over the course of 3 days": doubling from 2 s up to 6 h between
 * tries, its 24 retries span 69 hours.
 */
export const DEFAULT_RETRY = {
  stripe: { baseDelayMs: 2 * SECOND, maxDelayMs: HOUR, maxAttempts: 12, timeoutMs: 10 * SECOND },
  paypal: { baseDelayMs: 2 * SECOND, maxDelayMs: 6 * HOUR, maxAttempts: 25, timeoutMs: 10 * SECOND },
} as const satisfies Record<string, RetryPolicy>;
export type RetryProvider = keyof typeof DEFAULT_RETRY;
export type RetryPolicies = Record<RetryProvider, RetryPolicy>;
const RETRY_PROVIDERS = Object.keys(DEFAULT_RETRY) as RetryProvider[];

/** A fresh copy of the defaults, for a server to change. */
export function defaultRetryPolicies(): RetryPolicies {
  return { stripe: { ...DEFAULT_RETRY.stripe }, paypal: { ...DEFAULT_RETRY.paypal } };
}

/** How long after its `attempts`-th failed attempt a delivery is tried again. */
export function retryDelayMs(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.baseDelayMs * 2 ** (attempts - 1), policy.maxDelayMs);
}

/** A chaos request: any of the switches, and `faults` armed for one customer (a provider's own). */
const ChaosRequest = ChaosSwitches.partial().extend({ faults: z.unknown().optional() });
// Switches at the top change every provider's policy; under a provider's name, that one's (after the top ones).
const RetryRequest = RetrySwitches.partial().extend({
  stripe: RetrySwitches.partial().optional(),
  paypal: RetrySwitches.partial().optional(),
});
export type RetryRequest = z.infer<typeof RetryRequest>;

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

/** Every provider's policy after the request, or why it is refused (then nothing changes). */
export function parseRetryRequest(input: unknown, current: RetryPolicies): RetryPolicies | string {
  const parsed = RetryRequest.safeParse(input);
  if (!parsed.success) return describe(parsed.error, Object.keys(RetryRequest.shape));
  const { stripe, paypal, ...everyone } = parsed.data;
  const own = { stripe, paypal };
  const next = {} as RetryPolicies;
  for (const provider of RETRY_PROVIDERS) {
    const policy = { ...current[provider], ...everyone, ...own[provider] };
    if (policy.baseDelayMs > policy.maxDelayMs) {
      return `baseDelayMs (${policy.baseDelayMs}) cannot be longer than maxDelayMs (${policy.maxDelayMs})${own[provider] ? ` for ${provider}` : ''}.`;
    }
    next[provider] = policy;
  }
  return next;
}
