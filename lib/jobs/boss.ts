import PgBoss from 'pg-boss';
import { log } from '@/lib/log';
import { QUEUE_OPTIONS } from './queues';

/** pg-boss keeps its tables in their own schema beside Billfold's. */
export function createBoss(connectionString: string, role: 'worker' | 'producer', overrides: Partial<PgBoss.ConstructorOptions> = {}): PgBoss {
  return new PgBoss({
    connectionString,
    schema: 'pgboss',
    application_name: `billfold-${role}`,
    max: role === 'producer' ? 2 : 4,
    // Only the worker runs maintenance; the web process only sends.
    supervise: role === 'worker',
    schedule: false,
    ...overrides,
  });
}

/** Starts pg-boss and makes sure every queue exists with its retry policy. */
export async function startBoss(boss: PgBoss): Promise<PgBoss> {
  boss.on('error', (error) => log.error({ err: error }, 'queue error'));
  await boss.start();
  for (const [name, options] of Object.entries(QUEUE_OPTIONS)) {
    await boss.createQueue(name, { name, ...options });
  }
  return boss;
}

const globalForBoss = globalThis as unknown as { billfoldProducer?: Promise<PgBoss> };

/** The web process's pg-boss, started on first use, for sending jobs. */
export function producer(connectionString: string): Promise<PgBoss> {
  globalForBoss.billfoldProducer ??= startBoss(createBoss(connectionString, 'producer')).catch((error: unknown) => {
    globalForBoss.billfoldProducer = undefined;
    throw error;
  });
  return globalForBoss.billfoldProducer;
}
