import { count, eq, sql } from 'drizzle-orm';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '@/db/client';
import { users } from '@/db/schema';
import { BOSS_SCHEMA, QUEUE_OPTIONS } from '@/lib/jobs/queues';
import { blocker, ok, warn, type Finding } from './finding';

/** drizzle-kit's journal: every committed migration, in order; `when` is what the migrator records as applied. */
interface Journal {
  entries: { tag: string; when: number }[];
}

function readJournal(migrationsFolder: string): Journal {
  return JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
}

/** The migrations drizzle's migrator recorded in this database (db/migrate.ts: schema `drizzle`), or null when it never ran. */
async function appliedMigrations(db: Database): Promise<Set<number> | null> {
  const [table] = await db.execute<{ exists: boolean }>(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`);
  if (!table?.exists) return null;
  const rows = await db.execute<{ created_at: string }>(sql`select created_at::text from drizzle.__drizzle_migrations`);
  return new Set(rows.map((row) => Number(row.created_at)));
}

async function installedQueues(db: Database): Promise<Set<string>> {
  const [table] = await db.execute<{ exists: boolean }>(sql`select to_regclass(${`${BOSS_SCHEMA}.queue`}) is not null as exists`);
  if (!table?.exists) return new Set();
  const rows = await db.execute<{ name: string }>(sql`select name from ${sql.identifier(BOSS_SCHEMA)}.queue`);
  return new Set(rows.map((row) => row.name));
}

/**
 * Whether the database has every committed migration (drizzle-kit's journal against the
 * migrator's table) and Billfold's queues (migrating installs them: lib/jobs/boss.ts).
 */
export async function checkMigrations(db: Database, migrationsFolder: string): Promise<Finding> {
  const name = 'database';
  const fix = 'run `npm run db:migrate` (npm start also migrates when it starts)';
  const { entries } = readJournal(migrationsFolder);
  const applied = await appliedMigrations(db);
  if (!applied) return blocker(name, `not migrated: none of the ${entries.length} migrations is applied; ${fix}`);
  const missing = entries.filter((entry) => !applied.has(entry.when));
  if (missing.length > 0) {
    return blocker(name, `${missing.length} of ${entries.length} migrations not applied (${missing.map((entry) => entry.tag).join(', ')}); ${fix}`);
  }
  const queues = await installedQueues(db);
  const needed = Object.keys(QUEUE_OPTIONS);
  const absent = needed.filter((queue) => !queues.has(queue));
  if (absent.length > 0) return blocker(name, `the job queues ${absent.join(', ')} are not installed; ${fix}`);
  const known = new Set(entries.map((entry) => entry.when));
  const unknown = [...applied].filter((when) => !known.has(when)).length;
  const latest = entries.at(-1)?.tag ?? 'none';
  if (unknown > 0) return warn(name, `migrated to ${latest}, but ${unknown} applied migration(s) are not in this code: a newer Billfold has run against this database`);
  return ok(name, `migrated: all ${entries.length} migrations applied (latest ${latest}), Billfold's ${needed.length} job queues installed`);
}

/** Someone must be able to run the console: refunds, disputes, dead webhook events. */
export async function checkAdmins(db: Database): Promise<Finding> {
  const name = 'admins';
  const [row] = await db.select({ admins: count() }).from(users).where(eq(users.role, 'admin'));
  const admins = row?.admins ?? 0;
  if (admins === 0) {
    return blocker(name, 'nobody is an admin: sign up, then `npm run admin -- promote <email>` (or list the address in ADMIN_EMAILS before signing up)');
  }
  return ok(name, `${admins} admin${admins === 1 ? '' : 's'}`);
}
