/** `npm run db:migrate` and `npm run db:seed`, against DATABASE_URL or the embedded PostgreSQL. */
import { connect } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { seedCatalog } from '@/db/seed';
import { StartupError } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli, say } from './lib/stack';

runCli(async () => {
  const command = process.argv[2];
  if (command !== 'migrate' && command !== 'seed') throw new StartupError('usage: tsx scripts/db.ts migrate|seed');
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const { url, embedded } = await resolveDatabase();
  try {
    await migrateDatabase(url);
    if (command === 'seed') {
      const { sql, db } = connect(url, { max: 1 });
      await seedCatalog(db).finally(() => sql.end());
      say('billfold: demo catalog seeded');
    } else {
      say('billfold: migrations applied');
    }
  } finally {
    await embedded?.stop();
  }
});
