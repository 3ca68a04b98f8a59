import type { Sql, TransactionSql } from 'postgres';
import type { VerifiedWebhookEvent } from '@/lib/payments/types';
import { JOBS_CHANNEL, WEBHOOK_QUEUE } from './queues';

/**
 * Stores a verified provider event once and enqueues its job, in one statement (so in one
 * transaction): a stored event always has a job, and a redelivered one (same provider event id)
 * is a no-op. The job is pg-boss's own row, written as `boss.send` writes it with the queue's
 * policy (retries, backoff, expiry, retention): one round trip instead of BEGIN, two inserts
 * and COMMIT, which under a webhook storm is most of the endpoint's database time.
 * webhooks.test.ts checks the row against one `boss.send` makes, so a pg-boss upgrade that
 * changes its table cannot slip by. If the queue does not exist, the job has no partition (nor
 * queue for its foreign key), the statement fails and nothing is stored: the provider retries.
 * `traceparent` (when traced: the endpoint's span) rides in the job's data, for the worker's
 * apply span to link to (lib/jobs/webhook-worker.ts, applyWebhookJobs). A stored event also
 * NOTIFYs the workers (JOBS_CHANNEL), sent by PostgreSQL when the statement commits. `sql` is a
 * client, or a transaction the caller holds (the event then commits with it).
 */
export async function recordWebhookEvent(sql: Sql | TransactionSql, event: VerifiedWebhookEvent, traceparent: string | null = null): Promise<'stored' | 'duplicate'> {
  const rows = await sql`
    with event as (
      insert into webhook_events (provider, event_id, type, payload)
      values (${event.provider}, ${event.eventId}, ${event.type}, ${event.payloadJson}::jsonb)
      on conflict (provider, event_id) do nothing
      returning id
    ),
    job as (
      insert into pgboss.job (id, name, data, retry_limit, retry_delay, retry_backoff, expire_in, keep_until, dead_letter, policy)
      select
        event.id,
        ${WEBHOOK_QUEUE},
        jsonb_strip_nulls(jsonb_build_object('webhookEventId', event.id, 'traceparent', ${traceparent}::text)),
        coalesce(queue.retry_limit, 2),
        case when coalesce(queue.retry_backoff, false) then greatest(queue.retry_delay, 1) else coalesce(queue.retry_delay, 0) end,
        coalesce(queue.retry_backoff, false),
        coalesce(queue.expire_seconds * interval '1 second', interval '15 minutes'),
        now() + coalesce(queue.retention_minutes * interval '1 minute', interval '14 days'),
        queue.dead_letter,
        queue.policy
      from event left join pgboss.queue queue on queue.name = ${WEBHOOK_QUEUE}
      returning id
    )
    select id, pg_notify(${JOBS_CHANNEL}, ${WEBHOOK_QUEUE}) from job`;
  return rows.length > 0 ? 'stored' : 'duplicate';
}
