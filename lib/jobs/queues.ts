import type PgBoss from 'pg-boss';

/** Verified provider events waiting to be applied (one job per stored webhook_events row). */
export const WEBHOOK_QUEUE = 'webhook-events';

/** How many times an event is tried before it is parked as dead for an admin to replay. */
export const WEBHOOK_MAX_ATTEMPTS = 8;

export interface WebhookJob {
  webhookEventId: string;
}

/** Retry policy per queue: exponential backoff from 2 s; a job running 60 s is presumed dead. */
export const QUEUE_OPTIONS: Record<string, Omit<PgBoss.Queue, 'name'>> = {
  [WEBHOOK_QUEUE]: { retryLimit: WEBHOOK_MAX_ATTEMPTS - 1, retryDelay: 2, retryBackoff: true, expireInSeconds: 60 },
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
