import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isPostgresJsClosedSocketWrite } from './database-outage';

describe('telling a database outage from a bug', () => {
  it('recognises a refused, closed or restarting database by its code or message', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not excuse any other error, so a real bug still ends the process', () => {
    expect(isDatabaseUnavailable(new Error('relation "payments" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable({ code: '23505', message: 'duplicate key value violates unique constraint' })).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });

  it("recognises postgres.js's write to a socket already closed, and only that TypeError", () => {
    const closed = new TypeError("Cannot read properties of null (reading 'write')");
    closed.stack = `${closed.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
    expect(isPostgresJsClosedSocketWrite(closed)).toBe(true);
    const elsewhere = new TypeError("Cannot read properties of null (reading 'write')");
    elsewhere.stack = `${elsewhere.message}\n    at render (file:///app/lib/mail/smtp.ts:10:3)`;
    expect(isPostgresJsClosedSocketWrite(elsewhere)).toBe(false);
    expect(isPostgresJsClosedSocketWrite(new Error("reading 'write' postgres/src/connection.js"))).toBe(false);
  });
});
