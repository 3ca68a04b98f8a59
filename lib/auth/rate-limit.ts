import { sql } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { rateLimits } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';

export interface RateLimitRule {
  /** Most events allowed per window. */
  limit: number;
  windowSeconds: number;
}

/**
 * Thrown when a rate limit refuses a request: a person's mistake (`rate_limited`) that route
 * handlers answer with 429 and a Retry-After of `retryAfterSeconds`, and actions as a refusal.
 */
export class RateLimitedError extends UserFacingError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts. Try again in ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} minute(s).`,
  ) {
    super(message, 'rate_limited');
    this.name = 'RateLimitedError';
  }
}

/** Adds `by` events to `key`'s current window: how many it now holds, and how many seconds it has left. */
async function countInWindow(db: Database | Transaction, key: string, rule: RateLimitRule, by: number): Promise<{ count: number; secondsLeft: number }> {
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart: sql`now()`, count: by })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        // A window that has run out starts again from this event.
        count: sql`case when ${rateLimits.windowStart} < now() - make_interval(secs => ${rule.windowSeconds}) then ${by} else ${rateLimits.count} + ${by} end`,
        windowStart: sql`case when ${rateLimits.windowStart} < now() - make_interval(secs => ${rule.windowSeconds}) then now() else ${rateLimits.windowStart} end`,
      },
    })
    .returning({
      count: rateLimits.count,
      secondsLeft: sql<number>`greatest(1, ceil(extract(epoch from (${rateLimits.windowStart} + make_interval(secs => ${rule.windowSeconds}) - now()))))::int`,
    });
  return row ?? { count: by, secondsLeft: rule.windowSeconds };
}

/**
 * Fixed-window counters in PostgreSQL, so every server process shares them. `count` returns
 * the number of events in the key's current window after adding `by`.
 */
export async function countEvent(db: Database | Transaction, key: string, rule: RateLimitRule, by = 1): Promise<number> {
  return (await countInWindow(db, key, rule, by)).count;
}

/**
 * Counts one event for `key` and refuses it with a RateLimitedError once the window holds more
 * than the rule allows. Inside a transaction the count rolls back with it, so a refused or
 * failed attempt of something else does not use up the allowance.
 */
export async function enforceLimit(db: Database | Transaction, key: string, rule: RateLimitRule, message: string): Promise<void> {
  const { count, secondsLeft } = await countInWindow(db, key, rule, 1);
  if (count > rule.limit) throw new RateLimitedError(secondsLeft, message);
}

/** Seconds until `key` may be used again, or 0 when it is under its limit. */
export async function retryAfter(db: Database, key: string, rule: RateLimitRule): Promise<number> {
  const [row] = await db
    .select({
      count: rateLimits.count,
      remaining: sql<number>`ceil(extract(epoch from (${rateLimits.windowStart} + make_interval(secs => ${rule.windowSeconds}) - now())))::int`,
    })
    .from(rateLimits)
    .where(sql`${rateLimits.key} = ${key}`);
  if (!row || row.remaining <= 0 || row.count < rule.limit) return 0;
  return row.remaining;
}

export async function resetKey(db: Database, key: string): Promise<void> {
  await db.delete(rateLimits).where(sql`${rateLimits.key} = ${key}`);
}
