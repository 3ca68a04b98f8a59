import PgBoss from 'pg-boss';
import { log } from '@/lib/log';
import { QUEUES } from './queues';

/** pg-boss keeps its tables in their own schema beside Billfold's. */
export function createBoss(connectionString: string): PgBoss {
  return new PgBoss({ connectionString, schema: 'pgboss', application_name: 'billfold-worker' });
}

export async function startWorker(connectionString: string): Promise<PgBoss> {
  const boss = createBoss(connectionString);
  boss.on('error', (error) => log.error({ err: error }, 'queue error'));
  await boss.start();
  for (const [name, handler] of Object.entries(QUEUES)) {
    await boss.createQueue(name);
    await boss.work(name, handler);
  }
  log.info({ queues: Object.keys(QUEUES) }, 'worker started');
  return boss;
}
