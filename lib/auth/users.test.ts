import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, users } from '@/db/schema';
import { isolatedDatabase } from '@/test/database';
import { authenticateWithPassword, RateLimitedError, registerWithPassword, setRole, SIGN_UPS_PER_CLIENT, WRONG_CREDENTIALS } from './users';
import { userFacingError } from '@/test/errors';

const t = isolatedDatabase();
const NO_ADMINS = new Set<string>();
let counter = 0;
const uniqueEmail = () => `person${++counter}-${crypto.randomUUID().slice(0, 6)}@example.com`;
const client = () => `10.0.0.${++counter}`;

describe('sign-up', () => {
  it('stores an argon2id hash, never the password, and makes a customer', async () => {
    const email = uniqueEmail();
    const user = await registerWithPassword(t.db, { email, password: 'correct horse battery', clientKey: client() }, NO_ADMINS);
    expect(user.role).toBe('customer');
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain('correct horse battery');
  });

  it('refuses an email that is already taken, whatever its case, and creates nothing', async () => {
    const email = uniqueEmail();
    await registerWithPassword(t.db, { email, password: 'first password!', clientKey: client() }, NO_ADMINS);
    const error = await userFacingError(registerWithPassword(t.db, { email: email.toUpperCase(), password: 'second password', clientKey: client() }, NO_ADMINS));
    expect(error.code).toBe('email_taken');
    expect(error.message).toMatch(/already exists/);
    const rows = await t.db.select().from(users).where(eq(users.email, email));
    expect(rows).toHaveLength(1);
  });

  it('makes an email listed in ADMIN_EMAILS an admin', async () => {
    const email = uniqueEmail();
    const user = await registerWithPassword(t.db, { email, password: 'admin password', clientKey: client() }, new Set([email]));
    expect(user.role).toBe('admin');
  });

  it('throttles a burst of sign-ups from one client', async () => {
    const key = client();
    for (let i = 0; i < SIGN_UPS_PER_CLIENT.limit; i++) {
      await registerWithPassword(t.db, { email: uniqueEmail(), password: 'a long password', clientKey: key }, NO_ADMINS);
    }
    const error = await userFacingError(registerWithPassword(t.db, { email: uniqueEmail(), password: 'a long password', clientKey: key }, NO_ADMINS));
    expect(error).toBeInstanceOf(RateLimitedError);
  });
});

describe('sign-in with a password', () => {
  it('accepts the right password', async () => {
    const email = uniqueEmail();
    const created = await registerWithPassword(t.db, { email, password: 'right password', clientKey: client() }, NO_ADMINS);
    const user = await authenticateWithPassword(t.db, { email: ` ${email.toUpperCase()} `, password: 'right password', clientKey: client() }, NO_ADMINS);
    expect(user.id).toBe(created.id);
  });

  it('gives the same message for an unknown email and a wrong password', async () => {
    const email = uniqueEmail();
    await registerWithPassword(t.db, { email, password: 'right password', clientKey: client() }, NO_ADMINS);
    const wrong = await userFacingError(authenticateWithPassword(t.db, { email, password: 'wrong password', clientKey: client() }, NO_ADMINS));
    const unknown = await userFacingError(authenticateWithPassword(t.db, { email: uniqueEmail(), password: 'wrong password', clientKey: client() }, NO_ADMINS));
    expect(wrong.message).toBe(WRONG_CREDENTIALS);
    expect(unknown.message).toBe(WRONG_CREDENTIALS);
    expect(wrong.code).toBe(unknown.code);
  });

  it('takes as long for an unknown email as for a wrong password', async () => {
    const email = uniqueEmail();
    await registerWithPassword(t.db, { email, password: 'right password', clientKey: client() }, NO_ADMINS);
    const time = async (candidate: string) => {
      const started = performance.now();
      await userFacingError(authenticateWithPassword(t.db, { email: candidate, password: 'wrong password', clientKey: client() }, NO_ADMINS));
      return performance.now() - started;
    };
    await time(uniqueEmail()); // warm the dummy hash
    const samples = { wrong: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 4; i++) {
      samples.wrong.push(await time(email));
      samples.unknown.push(await time(uniqueEmail()));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const [wrong, unknown] = [median(samples.wrong), median(samples.unknown)];
    // Both paths run one argon2 verification; without it the unknown email would answer in ~1 ms.
    expect(unknown).toBeGreaterThan(wrong * 0.5);
    expect(unknown).toBeLessThan(wrong * 2);
  });

  it('refuses an OAuth-only account (no password) with the usual message', async () => {
    const email = uniqueEmail();
    await t.db.insert(users).values({ email });
    const error = await userFacingError(authenticateWithPassword(t.db, { email, password: 'anything at all', clientKey: client() }, NO_ADMINS));
    expect(error.message).toBe(WRONG_CREDENTIALS);
  });

  it('locks an account after five wrong passwords in 15 minutes, even for the right one, while other accounts still work', async () => {
    const email = uniqueEmail();
    const other = uniqueEmail();
    await registerWithPassword(t.db, { email, password: 'right password', clientKey: client() }, NO_ADMINS);
    await registerWithPassword(t.db, { email: other, password: 'right password', clientKey: client() }, NO_ADMINS);
    const attacker = client();
    for (let i = 0; i < 5; i++) {
      const error = await userFacingError(authenticateWithPassword(t.db, { email, password: `guess ${i}`, clientKey: attacker }, NO_ADMINS));
      expect(error.code).toBe('wrong_credentials');
    }
    const locked = await userFacingError(authenticateWithPassword(t.db, { email, password: 'right password', clientKey: client() }, NO_ADMINS));
    expect(locked).toBeInstanceOf(RateLimitedError);
    expect(locked.message).toMatch(/Too many attempts/);
    expect((locked as RateLimitedError).retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect((locked as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    await expect(authenticateWithPassword(t.db, { email: other, password: 'right password', clientKey: client() }, NO_ADMINS)).resolves.toBeTruthy();
  });

  it('throttles one client that guesses across many accounts: twenty failures in 15 minutes pass, the next sign-in is refused for the rest of the window', async () => {
    const attacker = client();
    for (let i = 0; i < 20; i++) {
      const error = await userFacingError(authenticateWithPassword(t.db, { email: uniqueEmail(), password: 'guess', clientKey: attacker }, NO_ADMINS));
      expect(error.code, `failure ${i + 1}`).toBe('wrong_credentials');
    }
    const limited = await userFacingError(authenticateWithPassword(t.db, { email: uniqueEmail(), password: 'guess', clientKey: attacker }, NO_ADMINS));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited.code).toBe('rate_limited');
    expect((limited as RateLimitedError).retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect((limited as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
  });

  it('promotes an ADMIN_EMAILS address on sign-in', async () => {
    const email = uniqueEmail();
    await registerWithPassword(t.db, { email, password: 'right password', clientKey: client() }, NO_ADMINS);
    const user = await authenticateWithPassword(t.db, { email, password: 'right password', clientKey: client() }, new Set([email]));
    expect(user.role).toBe('admin');
  });
});

describe('roles', () => {
  it('promotes and demotes by email and records who did it', async () => {
    const admin = await registerWithPassword(t.db, { email: uniqueEmail(), password: 'admin password', clientKey: client() }, NO_ADMINS);
    await setRole(t.db, admin.email, 'admin', { kind: 'cli' });
    const customer = await registerWithPassword(t.db, { email: uniqueEmail(), password: 'a password!', clientKey: client() }, NO_ADMINS);
    const promoted = await setRole(t.db, customer.email, 'admin', { kind: 'user', userId: admin.id });
    expect(promoted.role).toBe('admin');
    const demoted = await setRole(t.db, customer.email, 'customer', { kind: 'user', userId: admin.id });
    expect(demoted.role).toBe('customer');
    const entries = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, customer.id));
    expect(entries.map((entry) => entry.data)).toEqual([
      { from: 'customer', to: 'admin' },
      { from: 'admin', to: 'customer' },
    ]);
    expect(entries.every((entry) => entry.actorUserId === admin.id)).toBe(true);
  });

  it('refuses an unknown email', async () => {
    expect((await userFacingError(setRole(t.db, uniqueEmail(), 'admin', { kind: 'cli' }))).code).toBe('not_found');
  });

  it('never demotes the last admin, even when two admins demote each other at once', async () => {
    await t.db.update(users).set({ role: 'customer' });
    const a = await registerWithPassword(t.db, { email: uniqueEmail(), password: 'a password!', clientKey: client() }, NO_ADMINS);
    const b = await registerWithPassword(t.db, { email: uniqueEmail(), password: 'b password!', clientKey: client() }, NO_ADMINS);
    await setRole(t.db, a.email, 'admin', { kind: 'cli' });
    await setRole(t.db, b.email, 'admin', { kind: 'cli' });
    const results = await Promise.allSettled([
      setRole(t.db, b.email, 'customer', { kind: 'user', userId: a.id }),
      setRole(t.db, a.email, 'customer', { kind: 'user', userId: b.id }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const admins = await t.db.select().from(users).where(eq(users.role, 'admin'));
    expect(admins).toHaveLength(1);
  });
});
