/** `npm run admin -- promote <email>` / `demote <email>`: change a user's role from the command line. */
import { connect } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { UserFacingError } from '@/lib/errors';
import { setRole } from '@/lib/auth/users';
import { StartupError } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli, say } from './lib/stack';

runCli(async () => {
  const [command, email] = process.argv.slice(2);
  if ((command !== 'promote' && command !== 'demote') || !email) {
    throw new StartupError('usage: npm run admin -- promote <email> | demote <email>');
  }
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const { url, embedded } = await resolveDatabase();
  await migrateDatabase(url); // a database nobody has started the app on yet has no tables
  const { sql, db } = connect(url, { max: 1 });
  try {
    const user = await setRole(db, email, command === 'promote' ? 'admin' : 'customer', { kind: 'cli' });
    say(`billfold: ${user.email} is now ${user.role === 'admin' ? 'an admin' : 'a customer'}`);
  } catch (error) {
    if (error instanceof UserFacingError) throw new StartupError(error.message);
    throw error;
  } finally {
    await sql.end();
    await embedded?.stop();
  }
});
