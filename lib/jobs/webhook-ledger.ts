import type PgBoss from 'pg-boss';
import type { Sql } from 'postgres';
import { bossExecutor, WEBHOOK_QUEUE, type WebhookJob } from './queues';

export interface VerifiedEvent {
  provider: 'stripe' | 'paypal';
  eventId: string;
  type: string;
  payload: unknown;
}

/**
 * Stores a verified provider event once and enqueues its job in the same transaction: a stored
 * event always has a job, and a redelivered one (same provider event id) is a no-op.
 */
// `sql` is the client Drizzle wraps, which sends jsonb parameters as given: hence JSON text.
export async function recordWebhookEvent(sql: Sql, boss: PgBoss, event: VerifiedEvent): Promise<'stored' | 'duplicate'> {
  return (await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      insert into webhook_events (provider, event_id, type, payload)
      values (${event.provider}, ${event.eventId}, ${event.type}, ${JSON.stringify(event.payload)}::jsonb)
      on conflict (provider, event_id) do nothing
      returning id`;
    if (!row) return 'duplicate';
    const job: WebhookJob = { webhookEventId: row.id };
    await boss.send(WEBHOOK_QUEUE, job, { db: bossExecutor(tx) });
    return 'stored';
  })) as 'stored' | 'duplicate';
}
