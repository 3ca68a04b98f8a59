import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import type { Env, PaymentsMode } from '@/lib/env';
import type { PaymentRegistry } from '@/lib/payments';
import { checkAuthUrl, checkMode } from './configuration';
import { checkAdmins, checkMigrations } from './database';
import { blocker, type Finding } from './finding';
import { checkMail } from './mail';
import { checkQueue, checkWorker } from './queue';
import { reasonOf } from './reason';
import { checkWebhookRegistration } from './webhooks';

export type { Finding, FindingStatus } from './finding';

/**
 * The go-live check (`npm run doctor`, scripts/doctor.ts): one finding per thing a live shop
 * needs, read from where it lives (the configuration, each provider, the database, the mail
 * server, the queue). The script prints them and fails on any blocker.
 */
export interface DoctorContext {
  config: Env;
  db: Database;
  /** The providers this configuration enables (paymentRegistry()). */
  payments: PaymentRegistry;
  /** db/migrations: drizzle-kit's journal is read from it. */
  migrationsFolder: string;
  /** The payments mode the operator means to run (`--expect`); null when not said. */
  expectedMode: PaymentsMode | null;
}

type Check = { name: string; run: () => Finding | Promise<Finding>; needsDatabase?: boolean };

function checksOf(context: DoctorContext): Check[] {
  const { config, db } = context;
  return [
    { name: 'payments mode', run: () => checkMode(config, context.expectedMode) },
    { name: 'AUTH_URL', run: () => checkAuthUrl(config) },
    ...context.payments.all().map((provider) => ({ name: `${provider.name} webhooks`, run: () => checkWebhookRegistration(provider, config) })),
    { name: 'database', run: () => checkMigrations(db, context.migrationsFolder), needsDatabase: true },
    { name: 'email', run: () => checkMail(config.mail) },
    { name: 'admins', run: () => checkAdmins(db), needsDatabase: true },
    { name: 'worker', run: () => checkWorker(db), needsDatabase: true },
    { name: 'queue', run: () => checkQueue(db), needsDatabase: true },
  ];
}

/** Why the database cannot be reached, or null when it answers. */
async function databaseUnreachable(db: Database): Promise<string | null> {
  try {
    await db.execute(sql`select 1`);
    return null;
  } catch (error) {
    return reasonOf(error);
  }
}

/**
 * Runs every check in turn; one that cannot run (a provider or the database unreachable) is a
 * blocker saying why. The database is reached once first: when it cannot be, its checks say so
 * at once instead of each waiting out the connection timeout again.
 */
export async function runDoctor(context: DoctorContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  const checks = checksOf(context);
  const unreachable = checks.some((check) => check.needsDatabase) ? await databaseUnreachable(context.db) : null;
  for (const check of checks) {
    if (unreachable !== null && check.needsDatabase) {
      findings.push(blocker(check.name, `could not be checked: the database cannot be reached (${unreachable})`));
      continue;
    }
    try {
      findings.push(await check.run());
    } catch (error) {
      findings.push(blocker(check.name, `could not be checked: ${reasonOf(error)}`));
    }
  }
  return findings;
}

const LABELS = { ok: 'ok     ', warn: 'warn   ', blocker: 'BLOCKER' } as const;

/** The findings as the terminal shows them, then the verdict. */
export function reportLines(findings: readonly Finding[]): string[] {
  const blockers = findings.filter((finding) => finding.status === 'blocker').length;
  const warnings = findings.filter((finding) => finding.status === 'warn').length;
  const verdict =
    blockers > 0
      ? `${blockers} blocker${blockers === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}: not ready to go live`
      : `no blockers${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}: ready`;
  return [...findings.map((finding) => `${LABELS[finding.status]}  ${finding.name}: ${finding.line}`), `billfold doctor: ${verdict}`];
}

/** 1 when anything blocks going live, else 0 (warnings do not). */
export function exitCodeOf(findings: readonly Finding[]): number {
  return findings.some((finding) => finding.status === 'blocker') ? 1 : 0;
}
