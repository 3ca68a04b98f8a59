import type PgBoss from 'pg-boss';
import { listenForNotifications, type NotificationListener } from '@/db/listen';
import { JOBS_CHANNEL } from './queues';

/**
 * Wakes the worker's pg-boss workers when a job is committed (the NOTIFY that webhook-ledger.ts
 * and sendInTransaction send, naming the queue), instead of leaving the job until the next poll:
 * `notifyWorker` cuts a waiting worker's sleep short, or, when it is busy, makes it fetch again
 * as soon as its batch is done. A burst of notifications costs no more than one: each only sets
 * that flag, the fetch takes up to a batch with SKIP LOCKED (two workers never get one job) and
 * the handlers are idempotent. Polling goes on underneath: while the LISTEN connection is away,
 * jobs wait at most one polling interval, as before; when it is back, every worker fetches
 * once, for the jobs whose notifications were lost.
 */
export function wakeWorkersOnNewJobs(boss: PgBoss, connectionString: string, workersByQueue: ReadonlyMap<string, readonly string[]>): NotificationListener {
  const wake = (ids: readonly string[] = []) => {
    for (const id of ids) boss.notifyWorker(id);
  };
  const listener = listenForNotifications(
    connectionString,
    [JOBS_CHANNEL],
    {
      onNotify: (_channel, queue) => wake(workersByQueue.get(queue)),
      onListening: (resumed) => {
        if (resumed) for (const ids of workersByQueue.values()) wake(ids);
      },
    },
    'worker',
  );
  boss.once('stopped', () => void listener.close());
  return listener;
}
