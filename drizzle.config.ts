import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
  // Only `drizzle-kit generate` is used: it diffs the schema against the committed
  // snapshots and needs no database. Migrations are applied by `npm run db:migrate`.
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/billfold' },
  strict: true,
});
