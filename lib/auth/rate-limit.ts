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
 * Fixed-window counters in PostgreSQL, so every server process shares them. `count` returns
 * the number of events in the key's current window after adding `by`.
 */
export async function countEvent(db: Database | Transaction, key: string, rule: RateLimitRule, by = 1): Promise<number> {
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
    .returning({ count: rateLimits.count });
  return row?.count ?? by;
}

/**
 * Counts one event for `key` and refuses it, as a user's mistake (`rate_limited`, which route
 * handlers answer with 429 and actions as a refusal), once the window holds more than the rule
 * allows. Inside a transaction the count rolls back with it, so a refused or failed attempt of
 * something else does not use up the allowance.
 */
export async function enforceLimit(db: Database | Transaction, key: string, rule: RateLimitRule, message: string): Promise<void> {
  if ((await countEvent(db, key, rule)) > rule.limit) throw new UserFacingError(message, 'rate_limited');
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
