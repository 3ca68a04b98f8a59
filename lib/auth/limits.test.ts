import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rateLimits } from '@/db/schema';
import { isolatedDatabase } from '@/test/database';
import { userFacingError } from '@/test/errors';
import { limitCardForms, limitCheckoutsPerClient, limitSubscribeAttempts } from './limits';
import { RateLimitedError } from './rate-limit';

const t = isolatedDatabase();

const HOUR = 60 * 60;
const client = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID()}`;
const account = () => crypto.randomUUID();

/**
 * The README's "Rate limits" table, surface by surface: who is counted, how many an hour pass,
 * and what the one past the limit hears. Counted in this file's own PostgreSQL database.
 */
const SURFACES = [
  { what: 'checkouts started (card or PayPal)', per: 'client', limit: 60, subject: client, count: limitCheckoutsPerClient, message: 'Too many checkout attempts from this connection. Please wait a while and try again.' },
  { what: 'subscribe attempts', per: 'account', limit: 60, subject: account, count: limitSubscribeAttempts, message: 'Too many attempts to subscribe. Please wait a while and try again.' },
  { what: 'card forms opened', per: 'account', limit: 30, subject: account, count: limitCardForms, message: 'Too many card changes. Please wait a while and try again.' },
] as const;

/** Moves every window of this database back by `seconds`, as that much time passing would. */
async function letTimePass(seconds: number) {
  await t.db.update(rateLimits).set({ windowStart: sql`${rateLimits.windowStart} - make_interval(secs => ${seconds})` });
}

describe.each(SURFACES)('$what', ({ per, limit, subject, count, message }) => {
  it(`allows ${limit} an hour per ${per} and refuses the next with rate_limited, a clear message and how long to wait`, async () => {
    const who = subject();
    for (let i = 0; i < limit; i++) await count(t.db, who);
    const refused = await userFacingError(count(t.db, who));
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: 'rate_limited', message });
    const wait = (refused as RateLimitedError).retryAfterSeconds;
    expect(wait).toBeGreaterThan(HOUR - 60);
    expect(wait).toBeLessThanOrEqual(HOUR);
  });

  it(`counts each ${per} apart: one at its limit leaves another untouched`, async () => {
    const busy = subject();
    for (let i = 0; i < limit; i++) await count(t.db, busy);
    await expect(count(t.db, subject())).resolves.toBeUndefined();
    expect(await userFacingError(count(t.db, busy))).toMatchObject({ code: 'rate_limited' });
  });

  it(`allows the ${per} again once its hour is over`, async () => {
    const who = subject();
    for (let i = 0; i < limit; i++) await count(t.db, who);
    expect(await userFacingError(count(t.db, who))).toMatchObject({ code: 'rate_limited' });
    await letTimePass(HOUR + 1);
    for (let i = 0; i < limit; i++) await count(t.db, who);
    expect(await userFacingError(count(t.db, who))).toMatchObject({ code: 'rate_limited' });
  });
});
