import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import { databaseUrl } from '@/lib/env';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;
/** A transaction handle: the same query API as Database. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

interface Connection {
  sql: Sql;
  db: Database;
}

// One pool per process. `npm run dev` provides DATABASE_URL (an embedded PostgreSQL when the
// user set none); the global survives Next's hot reloads so edits don't leak connections.
const globalForDb = globalThis as unknown as { billfoldDb?: Connection };

export interface ConnectOptions {
  /** Pool size (10). */
  max?: number;
  /** How long to wait for a connection to be ready before failing (postgres.js waits 30 s). */
  connectTimeoutSeconds?: number;
}

export function connect(url: string, options: ConnectOptions = {}): Connection {
  // PGAPPNAME (libpq's own variable) names the process in pg_stat_activity: npm run dev and
  // npm start set billfold-web and billfold-worker.
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: process.env.PGAPPNAME || 'billfold' },
    ...(options.connectTimeoutSeconds === undefined ? {} : { connect_timeout: options.connectTimeoutSeconds }),
  });
  return { sql, db: drizzle(sql, { schema }) };
}

function connection(): Connection {
  globalForDb.billfoldDb ??= connect(databaseUrl());
  return globalForDb.billfoldDb;
}

/**
 * The Drizzle client, connected on first use rather than at import, so `next build` can load
 * modules without a database. It behaves as the real instance (including `instanceof`).
 */
export const db: Database = new Proxy({} as Database, {
  getPrototypeOf() {
    return Object.getPrototypeOf(connection().db);
  },
  get(_target, property) {
    const target = connection().db;
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

/** The raw postgres.js client behind `db`, for the few places that hand a transaction to pg-boss. */
export function sqlClient(): Sql {
  return connection().sql;
}

export async function closeDb(): Promise<void> {
  const current = globalForDb.billfoldDb;
  globalForDb.billfoldDb = undefined;
  await current?.sql.end({ timeout: 5 });
}
