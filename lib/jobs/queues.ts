import type PgBoss from 'pg-boss';

/** Verified provider events waiting to be applied (one job per stored webhook_events row). */
export const WEBHOOK_QUEUE = 'webhook-events';

/** How many times an event is tried before it is parked as dead for an admin to replay. */
export const WEBHOOK_MAX_ATTEMPTS = 8;

export interface WebhookJob {
  webhookEventId: string;
}

/** The sweep of abandoned checkouts (lib/billing/abandoned-checkouts.ts), sent by pg-boss's cron. */
export const CHECKOUT_SWEEP_QUEUE = 'abandoned-checkouts';

/** Every 15 minutes: an abandoned checkout is canceled at most a quarter of an hour past its age. */
export const CHECKOUT_SWEEP_CRON = '*/15 * * * *';

/**
 * Retry policy per queue. Webhook events: exponential backoff from 2 s; a job running 60 s is
 * presumed dead. The sweep: `stately` keeps at most one run waiting and one running, so a slow
 * run never piles up ticks behind it; a failed run is not retried, the next tick is the retry.
 */
export const QUEUE_OPTIONS: Record<string, Omit<PgBoss.Queue, 'name'>> = {
  [WEBHOOK_QUEUE]: { retryLimit: WEBHOOK_MAX_ATTEMPTS - 1, retryDelay: 2, retryBackoff: true, expireInSeconds: 60 },
  [CHECKOUT_SWEEP_QUEUE]: { policy: 'stately', retryLimit: 0, expireInSeconds: 60 * 60 },
};

/** Executes pg-boss's SQL inside a postgres.js transaction, so a job commits with the row it is about. */
export function bossExecutor(tx: { unsafe(query: string, parameters?: never[], options?: { prepare?: boolean }): Promise<unknown> }): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      // pg-boss is written for node-postgres, which sends undefined as null and plain objects as
      // JSON; postgres.js wants both spelled out.
      const parameters = values.map((value) => {
        if (value === undefined) return null;
        if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value)) return JSON.stringify(value);
        return value;
      });
      // Prepared: pg-boss sends the same few statements over and over, and planning its job
      // insert anew each time cost more than the rest of a webhook's ingestion.
      const rows = (await tx.unsafe(text, parameters as never[], { prepare: true })) as unknown[];
      return { rows };
    },
  };
}
