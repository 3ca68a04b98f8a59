import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import { connect, type Database } from '@/db/client';

export interface TestDatabase {
  db: Database;
  url: string;
}

/**
 * Gives the calling test file a database of its own, cloned from the migrated template (or
 * empty, `migrated: false`, for a test that applies the migrations itself) and dropped
 * afterwards. Use the returned object's `db` inside tests (it is set in beforeAll).
 */
export function isolatedDatabase(options: { migrated?: boolean } = {}): TestDatabase {
  const handle = {} as TestDatabase;
  const name = `billfold_t_${inject('templateDatabase').split('_').pop()}_${crypto.randomUUID().slice(0, 8)}`;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const server = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
    try {
      await server.unsafe(options.migrated === false ? `create database "${name}"` : `create database "${name}" template "${inject('templateDatabase')}"`);
    } finally {
      await server.end();
    }
    const url = new URL(inject('postgresUrl'));
    url.pathname = `/${name}`;
    const connection = connect(url.toString(), { max: 5 });
    handle.db = connection.db;
    handle.url = url.toString();
    close = () => connection.sql.end({ timeout: 5 });
  });

  afterAll(async () => {
    await close?.();
    const server = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
    try {
      await server.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await server.end();
    }
  });

  return handle;
}
