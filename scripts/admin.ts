/**
 * The admin command line, recorded in the audit log as the command line's doing:
 *
 * - `npm run admin -- promote <email> [--role support]` / `demote <email>`: change a user's role
 *   (promote makes an admin unless `--role support` says otherwise; demote makes a customer).
 * - `npm run admin -- export <email> [--out file]`: everything Billfold holds about a person, as
 *   one JSON document (lib/privacy/export.ts), on stdout or into a file only its owner can read.
 * - `npm run admin -- erase <email>`: pseudonymise the person, keeping the payment records the
 *   law requires (lib/privacy/erase.ts; SECURITY.md, "GDPR").
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { connect, type Database } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { UserFacingError } from '@/lib/errors';
import { ROLE_LABELS, STAFF_ROLES } from '@/lib/auth/roles';
import { setRole, type Role } from '@/lib/auth/users';
import { erasePersonalData } from '@/lib/privacy/erase';
import { exportPersonalData } from '@/lib/privacy/export';
import { StartupError } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli, say } from './lib/stack';

const USAGE = `usage: npm run admin -- <command>
  promote <email> [--role admin|support]   make a user an admin (or support)
  demote <email>                            make a user a customer again
  export <email> [--out file]               print everything Billfold holds about a person, as JSON
  erase <email>                             erase a person's personal data, keeping payment records`;

type Command = (db: Database, email: string) => Promise<void>;

function commandFor(name: string | undefined, values: { role?: string | boolean; out?: string | boolean }): Command {
  if (values.role !== undefined && name !== 'promote') throw new StartupError(`--role is an option of promote only.\n${USAGE}`);
  if (values.out !== undefined && name !== 'export') throw new StartupError(`--out is an option of export only.\n${USAGE}`);
  switch (name) {
    case 'promote':
    case 'demote': {
      const requested = values.role ?? 'admin';
      const role: Role | undefined = name === 'demote' ? 'customer' : STAFF_ROLES.find((each) => each === requested);
      if (!role) throw new StartupError(`--role must be admin or support.\n${USAGE}`);
      return async (db, email) => {
        const user = await setRole(db, email, role, { kind: 'cli' });
        say(`billfold: ${user.email} is now ${ROLE_LABELS[user.role].toLowerCase()}`);
      };
    }
    case 'export': {
      if (values.out === true || values.out === '') throw new StartupError(`--out needs a file name.\n${USAGE}`);
      const out = typeof values.out === 'string' ? values.out : undefined;
      if (out && fs.existsSync(out)) throw new StartupError(`${out} exists: export never overwrites a file; name a new one.`);
      return async (db, email) => {
        const json = `${JSON.stringify(await exportPersonalData(db, email), null, 2)}\n`;
        if (out === undefined) return void process.stdout.write(json);
        // Personal data: readable by its owner only, and never over an existing file.
        fs.writeFileSync(out, json, { mode: 0o600, flag: 'wx' });
        console.error(`billfold: wrote ${email}'s data to ${out}`);
      };
    }
    case 'erase':
      return async (db, email) => {
        const result = await erasePersonalData(db, email, { kind: 'cli' });
        if (result.outcome === 'already_erased') return say(`billfold: account ${result.userId} was already erased; nothing changed`);
        say(`billfold: erased ${email}; its records now carry ${result.placeholder}`);
        say(`billfold: ${Object.entries(result.counts).map(([what, count]) => `${what} ${count}`).join(', ')}`);
        // The providers keep their own copy: what the operator does at each is in SECURITY.md.
        for (const customer of result.providerCustomers) {
          say(`billfold: at ${customer.provider}, check customer ${customer.providerCustomerId} (SECURITY.md, "GDPR", says what to do there)`);
        }
      };
    default:
      throw new StartupError(USAGE);
  }
}

runCli(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { role: { type: 'string' }, out: { type: 'string' } }, strict: false });
  const [name, email, ...extra] = positionals;
  if (!email || extra.length > 0) throw new StartupError(USAGE);
  const command = commandFor(name, values);
  loadDotEnv(process.env.NODE_ENV !== 'production');
  const { url, embedded } = await resolveDatabase();
  await migrateDatabase(url); // a database nobody has started the app on yet has no tables
  const { sql, db } = connect(url, { max: 1 });
  try {
    await command(db, email);
  } catch (error) {
    if (error instanceof UserFacingError) throw new StartupError(error.message);
    throw error;
  } finally {
    await sql.end();
    await embedded?.stop();
  }
});
