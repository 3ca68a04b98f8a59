import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
import { isolatedDatabase } from '@/test/database';
import { createBoss } from './boss';
import { WEBHOOK_QUEUE } from './queues';
import { recordWebhookEvent } from './webhook-ledger';

const t = isolatedDatabase();
const clients: postgres.Sql[] = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end()));
});

it('stores nothing when the queue does not exist yet, so the provider retries instead of an event waiting with no job', async () => {
  // pg-boss's tables exist (migrations install them), but the webhook queue has been removed.
  const boss = createBoss(t.url, 'producer');
  await boss.start();
  await boss.deleteQueue(WEBHOOK_QUEUE);
  await boss.stop({ graceful: false, close: true });
  const sql = postgres(t.url, { max: 1, onnotice: () => {} });
  clients.push(sql);
  const event = { id: 'evt_without_queue', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1' } } };

  await expect(recordWebhookEvent(sql, { provider: 'stripe', eventId: event.id, type: event.type, payloadJson: JSON.stringify(event) })).rejects.toThrow(/no partition|foreign key/);

  const [stored] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_events`;
  expect(stored?.n).toBe(0);
});
