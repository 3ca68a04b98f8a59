import postgres from 'postgres';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '@/lib/log';
import { isolatedDatabase } from '@/test/database';
import { createBoss, startBoss } from './boss';

const t = isolatedDatabase();

afterEach(() => vi.restoreAllMocks());

describe('the queue’s connection errors', () => {
  it('logs a connection the database server closed as a warning (pg-boss reconnects), and can still send', async () => {
    const warn = vi.spyOn(log, 'warn');
    const error = vi.spyOn(log, 'error');
    const boss = await startBoss(createBoss(t.url, 'producer', { max: 1, application_name: 'billfold-boss-test' }));
    try {
      const admin = postgres(t.url, { max: 1, onnotice: () => {} });
      // What a restart, a failover or the server stopping beside the worker does to its sessions.
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'billfold-boss-test' and datname = current_database()`;
      await admin.end();
      await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ code: '57P01' }) }), expect.stringMatching(/closed by the database server/)));
      expect(error).not.toHaveBeenCalled();
      expect(await boss.send('billfold-boss-test', {})).toBeNull(); // no such queue, but the query ran on a new connection
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });
});
