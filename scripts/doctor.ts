/**
 * `npm run doctor [-- --expect live|test|sandbox]`: the go-live check. Says in plain lines, for
 * the configuration in this environment (and .env files), whether the payments mode is the one
 * expected, whether each provider sends its webhooks where the app receives them, whether the
 * database is migrated, the mail server answers, AUTH_URL is https, an admin exists and the
 * worker and its queue are healthy (lib/doctor). Exits 1 on any blocker, 0 otherwise.
 */
import { parseArgs } from 'node:util';
import { connect } from '@/db/client';
import { MIGRATIONS_FOLDER } from '@/db/migrate';
import { exitCodeOf, reportLines, runDoctor } from '@/lib/doctor';
import { blocker } from '@/lib/doctor/finding';
import { EnvError, parseEnv, type Env, type PaymentsMode } from '@/lib/env';
import { paymentRegistry } from '@/lib/payments';
import { StartupError } from './lib/ports';
import { loadDotEnv, resolveDatabase, runCli, say } from './lib/stack';

const DATABASE_CONNECT_TIMEOUT_SECONDS = 5;
const MODES: readonly PaymentsMode[] = ['live', 'test', 'sandbox'];
const USAGE = 'usage: npm run doctor [-- --expect live|test|sandbox]';

runCli(async () => {
  const { values } = parseArgs({ options: { expect: { type: 'string' } }, strict: true });
  const expectedMode = values.expect === undefined ? null : MODES.find((mode) => mode === values.expect);
  if (expectedMode === undefined) throw new StartupError(`--expect must be live, test or sandbox. ${USAGE}`);
  loadDotEnv(process.env.NODE_ENV !== 'production');

  let config: Env;
  try {
    config = parseEnv(process.env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    // Nothing else can be checked on a configuration the app itself refuses to start with.
    for (const line of reportLines([blocker('configuration', error.message)])) say(line);
    process.exit(1);
  }

  const { url, embedded } = await resolveDatabase();
  // An operator waits for the verdict: a database host that never answers is said to be
  // unreachable after a few seconds, not postgres.js's default 30.
  const { sql, db } = connect(url, { max: 2, connectTimeoutSeconds: DATABASE_CONNECT_TIMEOUT_SECONDS });
  let code = 1;
  try {
    const findings = await runDoctor({ config, db, payments: paymentRegistry(), migrationsFolder: MIGRATIONS_FOLDER, expectedMode });
    for (const line of reportLines(findings)) say(line);
    code = exitCodeOf(findings);
  } finally {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  }
  // The SDKs' keep-alive sockets would hold the process open a while longer.
  process.exit(code);
});
