import type PgBoss from 'pg-boss';

/**
 * The job table: each queue has one small handler. Webhook application and the other
 * handlers are registered here as they are built.
 */
export type JobHandler = (jobs: PgBoss.Job<object>[]) => Promise<void>;

export const QUEUES: Record<string, JobHandler> = {};
