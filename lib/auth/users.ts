import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { auditLog, users } from '@/db/schema';
import { UserFacingError } from '@/lib/errors';
import { hashPassword, verifyPassword } from './password';
import { assertCan } from './roles';
import { countEvent, RateLimitedError, resetKey, retryAfter, type RateLimitRule } from './rate-limit';

export type User = typeof users.$inferSelect;
export type Role = User['role'];

/** What the app needs to know about whoever is calling; never the password hash. */
export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

export function toSessionUser(user: User): SessionUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The account a session names; an erased account (lib/privacy/erase.ts) is no one, whatever its cookie says. */
export async function findUserById(db: Database, id: string): Promise<User | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.erasedAt)));
  return user;
}

export async function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${normalizeEmail(email)}`);
  return user;
}

export const SIGN_IN_FAILURES_PER_ACCOUNT: RateLimitRule = { limit: 5, windowSeconds: 15 * 60 };
export const SIGN_IN_FAILURES_PER_CLIENT: RateLimitRule = { limit: 20, windowSeconds: 15 * 60 };
export const SIGN_UPS_PER_CLIENT: RateLimitRule = { limit: 20, windowSeconds: 60 * 60 };

export const WRONG_CREDENTIALS = 'Email or password is incorrect.';

export { RateLimitedError };

const signInAccountKey = (email: string) => `sign-in:account:${normalizeEmail(email)}`;
const signInClientKey = (clientKey: string) => `sign-in:client:${clientKey}`;

/** Seconds until this email may try a password again from this client, or 0 when it may now. */
export async function signInWait(db: Database, email: string, clientKey: string): Promise<number> {
  return Math.max(
    await retryAfter(db, signInAccountKey(email), SIGN_IN_FAILURES_PER_ACCOUNT),
    await retryAfter(db, signInClientKey(clientKey), SIGN_IN_FAILURES_PER_CLIENT),
  );
}

/**
 * Checks an email and password. Unknown email and wrong password take the same time and give
 * the same error; failures are counted per account and per client, and past the limit every
 * attempt is refused, right or wrong, until the window ends.
 */
export async function authenticateWithPassword(
  db: Database,
  input: { email: string; password: string; clientKey: string },
  adminEmails: ReadonlySet<string>,
): Promise<User> {
  const email = normalizeEmail(input.email);
  const accountKey = signInAccountKey(email);
  const clientKey = signInClientKey(input.clientKey);
  const wait = await signInWait(db, email, input.clientKey);
  if (wait > 0) throw new RateLimitedError(wait);

  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(user?.passwordHash, input.password);
  if (!user || !valid) {
    await countEvent(db, accountKey, SIGN_IN_FAILURES_PER_ACCOUNT);
    await countEvent(db, clientKey, SIGN_IN_FAILURES_PER_CLIENT);
    throw new UserFacingError(WRONG_CREDENTIALS, 'wrong_credentials');
  }
  await resetKey(db, accountKey);
  return syncAdminRole(db, user, adminEmails);
}

export async function registerWithPassword(
  db: Database,
  input: { email: string; password: string; name?: string; clientKey: string },
  adminEmails: ReadonlySet<string>,
): Promise<User> {
  const email = normalizeEmail(input.email);
  const signUps = await countEvent(db, `sign-up:client:${input.clientKey}`, SIGN_UPS_PER_CLIENT);
  if (signUps > SIGN_UPS_PER_CLIENT.limit) throw new RateLimitedError(SIGN_UPS_PER_CLIENT.windowSeconds);

  const passwordHash = await hashPassword(input.password);
  const [user] = await db
    .insert(users)
    .values({ email, name: input.name?.trim() || null, passwordHash, role: adminEmails.has(email) ? 'admin' : 'customer' })
    .onConflictDoNothing()
    .returning();
  if (!user) throw new UserFacingError('An account with this email already exists. Sign in instead.', 'email_taken');
  return user;
}

/** An email listed in ADMIN_EMAILS is an admin from its next sign-in on. */
export async function syncAdminRole(db: Database, user: User, adminEmails: ReadonlySet<string>): Promise<User> {
  if (user.role === 'admin' || !adminEmails.has(normalizeEmail(user.email))) return user;
  return setRole(db, user.email, 'admin', { kind: 'system', reason: 'ADMIN_EMAILS' });
}

export type Actor = { kind: 'user'; userId: string } | { kind: 'cli' } | { kind: 'system'; reason: string };

/**
 * Changes a user's role and records who did it. Refuses to demote the last admin, so an
 * installation can never lock itself out of its own admin pages.
 */
export async function setRole(db: Database, email: string, role: Role, actor: Actor): Promise<User> {
  return db.transaction(async (tx) => {
    // Serialise role changes so two admins demoting each other cannot leave zero admins.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('billfold:user-roles'))`);
    const [target] = await tx
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = ${normalizeEmail(email)}`)
      .for('update');
    if (!target) throw new UserFacingError(`No user has the email ${email}.`, 'not_found');
    if (target.role === role) return target;
    if (target.role === 'admin') {
      const [others] = await tx
        .select({ count: sql<number>`count(*)::int` })
        .from(users)
        .where(and(eq(users.role, 'admin'), ne(users.id, target.id)));
      if (!others || others.count === 0) throw new UserFacingError('This is the only admin: promote someone else first.', 'last_admin');
    }
    const [updated] = await tx.update(users).set({ role, updatedAt: sql`now()` }).where(eq(users.id, target.id)).returning();
    await tx.insert(auditLog).values({
      actorKind: actor.kind,
      actorUserId: actor.kind === 'user' ? actor.userId : null,
      action: 'user.role_changed',
      subjectType: 'user',
      subjectId: target.id,
      data: { from: target.role, to: role, ...(actor.kind === 'system' ? { reason: actor.reason } : {}) },
    });
    if (!updated) throw new Error(`user ${target.id} vanished during a role change`);
    return updated;
  });
}

/** A role change asked for in the console: only someone who manages the team may make it. */
export async function changeRoleAsStaff(db: Database, staff: SessionUser, email: string, role: Role): Promise<User> {
  assertCan(staff, 'team.manage');
  return setRole(db, email, role, { kind: 'user', userId: staff.id });
}

export async function listUsers(db: Database, limit = 100): Promise<SessionUser[]> {
  const rows = await db.select().from(users).orderBy(users.createdAt).limit(limit);
  return rows.map(toSessionUser);
}

/** Everyone who works in the console (admins and support), oldest first. */
export async function listTeam(db: Database): Promise<SessionUser[]> {
  const rows = await db.select().from(users).where(ne(users.role, 'customer')).orderBy(users.createdAt);
  return rows.map(toSessionUser);
}
