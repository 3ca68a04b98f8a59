import { migrate } from 'drizzle-orm/postgres-js/migrator';
import path from 'node:path';
import { installQueues } from '@/lib/jobs/boss';
import { connect } from './client';

export const MIGRATIONS_FOLDER = path.join(process.cwd(), 'db', 'migrations');

/**
 * Applies the committed drizzle-kit migrations, then pg-boss's own schema and Billfold's queues
 * (jobs are written beside the rows they are about, so the queues are part of the schema).
 * Safe to run on every start.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const { sql, db } = connect(url, { max: 1 });
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema: 'drizzle' });
  } finally {
    await sql.end({ timeout: 5 });
  }
  await installQueues(url);
}
