/**
 * `npm run admin -- promote <email> [--role support]` / `demote <email>`: change a user's role
 * from the command line (promote makes an admin unless `--role support` says otherwise; demote
 * makes a customer). Recorded in the audit log as the command line's doing.
 */
import { parseArgs } from 'node:util';
import { connect } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { UserFacingError } from '@/lib/errors';
import { ROLE_LABELS, STAFF_ROLES } from '@/lib/auth/roles';
import { setRole, type Role } from '@/lib/auth/users';
import { StartupError } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli, say } from './lib/stack';

runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { role: { type: 'string' } }, strict: false });
  const [command, email] = positionals;
  const usage = 'usage: npm run admin -- promote <email> [--role admin|support] | demote <email>';
  if ((command !== 'promote' && command !== 'demote') || !email) throw new StartupError(usage);
  const requested = values.role ?? 'admin';
  const role: Role | undefined = command === 'demote' ? 'customer' : STAFF_ROLES.find((each) => each === requested);
  if (!role) throw new StartupError(`--role must be admin or support. ${usage}`);
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const { url, embedded } = await resolveDatabase();
  await migrateDatabase(url); // a database nobody has started the app on yet has no tables
  const { sql, db } = connect(url, { max: 1 });
  try {
    const user = await setRole(db, email, role, { kind: 'cli' });
    say(`billfold: ${user.email} is now ${ROLE_LABELS[user.role].toLowerCase()}`);
  } catch (error) {
    if (error instanceof UserFacingError) throw new StartupError(error.message);
    throw error;
  } finally {
    await sql.end();
    await embedded?.stop();
  }
});
