import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS, DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from '@/sandbox/chaos';
import { startSandbox } from '@/sandbox/server';
import { isolatedSandbox } from '@/test/sandbox';

const t = isolatedSandbox();

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { message: string }; faults?: { email: string }[] };
}

/** The admin calls a tester makes: GET, or POST with a JSON body (a string is sent as it is). */
async function call(path: '/_sandbox/chaos' | '/_sandbox/retry', body?: unknown): Promise<Answer> {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) };
  const response = await fetch(`${t.server.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

afterEach(() => {
  Object.assign(t.server.chaos, DEFAULT_CHAOS);
  Object.assign(t.server.retry.stripe, DEFAULT_RETRY.stripe);
  Object.assign(t.server.retry.paypal, DEFAULT_RETRY.paypal);
});

describe('the chaos switches', () => {
  it('changes only the switches it is given and answers with all of them', async () => {
    const changed = await call('/_sandbox/chaos', { duplicateRate: 0.25, shuffle: true });
    expect(changed).toEqual({ status: 200, body: { ...DEFAULT_CHAOS, duplicateRate: 0.25, shuffle: true, injectedApiFaults: { before: 0, after: 0 }, faults: [], providerFaults: { paypal: [] } } });
    expect(await call('/_sandbox/chaos', { delayMs: 50 })).toMatchObject({ body: { duplicateRate: 0.25, shuffle: true, delayMs: 50 } });
    expect(t.server.chaos).toEqual({ ...DEFAULT_CHAOS, duplicateRate: 0.25, shuffle: true, delayMs: 50 });
  });

  it('refuses a chaos switch it does not know and changes nothing, not even the faults beside it', async () => {
    const email = `typo-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const refused = await call('/_sandbox/chaos', { duplicateRate: 1, duplicateRat: 1, faults: [{ email, kind: '500' }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toBe('Unknown switch: duplicateRat. The switches are duplicateRate, shuffle, delayMs, apiFaultRate, apiFaultAfterShare, faults.');
    const after = await call('/_sandbox/chaos');
    expect(after.body).toMatchObject(DEFAULT_CHAOS);
    expect(after.body.faults?.filter((fault) => fault.email === email)).toEqual([]);
  });

  it('refuses a rate outside 0 to 1, a delay that is negative, fractional or over a minute, and a shuffle that is not true or false, changing nothing', async () => {
    const refusals: [Record<string, unknown>, string][] = [
      [{ duplicateRate: 1.5 }, 'duplicateRate must be a chance from 0 to 1.'],
      [{ apiFaultRate: -0.1 }, 'apiFaultRate must be a chance from 0 to 1.'],
      [{ apiFaultRate: '1' }, 'apiFaultRate must be a chance from 0 to 1.'],
      [{ apiFaultAfterShare: 1.5 }, 'apiFaultAfterShare must be a share from 0 to 1.'],
      [{ delayMs: -1 }, 'delayMs must be a whole number of milliseconds from 0 to 60000.'],
      [{ delayMs: 2.5 }, 'delayMs must be a whole number of milliseconds from 0 to 60000.'],
      [{ delayMs: 60_001 }, 'delayMs must be a whole number of milliseconds from 0 to 60000.'],
      [{ shuffle: 'yes' }, 'shuffle must be true or false.'],
    ];
    for (const [switches, message] of refusals) {
      // A valid switch beside the bad one is not applied either.
      const refused = await call('/_sandbox/chaos', { duplicateRate: 0.5, ...switches });
      expect(refused, JSON.stringify(switches)).toEqual({ status: 400, body: { error: { message } } });
    }
    expect(t.server.chaos).toEqual(DEFAULT_CHAOS);
  });

  it('refuses a body that is not a JSON object', async () => {
    for (const body of ['[]', '"on"', 'null', '{"duplicateRate":']) {
      const refused = await call('/_sandbox/chaos', body);
      expect(refused.status, body).toBe(400);
      expect(refused.body.error?.message, body).toMatch(/^The body must be (JSON|a JSON object)\.$/);
    }
    expect(t.server.chaos).toEqual(DEFAULT_CHAOS);
  });
});

describe('the webhook retry policy', () => {
  /** When each retry of a delivery that always fails is made, in ms after the first attempt. */
  function schedule(policy: RetryPolicy): number[] {
    const at: number[] = [];
    for (let attempts = 1, elapsed = 0; attempts < policy.maxAttempts; attempts++) at.push((elapsed += retryDelayMs(policy, attempts)));
    return at;
  }

  it('retries a PayPal delivery as PayPal does: 25 attempts over the course of 3 days, each gap longer or as long', () => {
    const retries = schedule(DEFAULT_RETRY.paypal);
    expect(retries).toHaveLength(24);
    const lastHours = retries.at(-1)! / 3_600_000;
    expect(lastHours).toBeGreaterThan(60);
    expect(lastHours).toBeLessThanOrEqual(72);
    const gaps = retries.map((at, index) => at - (retries[index - 1] ?? 0));
    expect(gaps).toEqual([...gaps].sort((a, b) => a - b));
  });

  it('changes only the settings it is given, for every provider', async () => {
    const changed = await call('/_sandbox/retry', { baseDelayMs: 100, maxAttempts: 3 });
    const expected = { stripe: { ...DEFAULT_RETRY.stripe, baseDelayMs: 100, maxAttempts: 3 }, paypal: { ...DEFAULT_RETRY.paypal, baseDelayMs: 100, maxAttempts: 3 } };
    expect(changed).toEqual({ status: 200, body: expected });
    expect(t.server.retry).toEqual(expected);
  });

  it('changes one provider\'s policy under its name, after the settings for every provider', async () => {
    const changed = await call('/_sandbox/retry', { timeoutMs: 500, paypal: { maxAttempts: 4, timeoutMs: 700 } });
    expect(changed).toEqual({ status: 200, body: { stripe: { ...DEFAULT_RETRY.stripe, timeoutMs: 500 }, paypal: { ...DEFAULT_RETRY.paypal, maxAttempts: 4, timeoutMs: 700 } } });
  });

  it('refuses attempts that are not a whole number of at least 1, delays out of range and unknown settings, changing nothing', async () => {
    const refusals: [Record<string, unknown>, string][] = [
      [{ maxAttempts: 0 }, 'maxAttempts must be a whole number from 1 to 100.'],
      [{ maxAttempts: 2.5 }, 'maxAttempts must be a whole number from 1 to 100.'],
      [{ baseDelayMs: -5 }, 'baseDelayMs must be a whole number of milliseconds from 0 to a day.'],
      [{ maxDelayMs: 4 * 86_400_000 }, 'maxDelayMs must be a whole number of milliseconds from 0 to three days.'],
      [{ timeoutMs: 0 }, 'timeoutMs must be a whole number of milliseconds from 1 to 120000.'],
      [{ paypal: { maxAttempts: 101 } }, 'maxAttempts must be a whole number from 1 to 100.'],
      [{ retries: 3 }, 'Unknown switch: retries. The switches are baseDelayMs, maxDelayMs, maxAttempts, timeoutMs, stripe, paypal.'],
      [{ square: { maxAttempts: 3 } }, 'Unknown switch: square. The switches are baseDelayMs, maxDelayMs, maxAttempts, timeoutMs, stripe, paypal.'],
    ];
    for (const [settings, message] of refusals) {
      const refused = await call('/_sandbox/retry', { maxAttempts: 2, ...settings });
      expect(refused, JSON.stringify(settings)).toEqual({ status: 400, body: { error: { message } } });
    }
    expect(t.server.retry).toEqual(DEFAULT_RETRY);
  });

  it('refuses a first retry later than the longest wait, counting the settings it keeps', async () => {
    expect(await call('/_sandbox/retry', { maxDelayMs: 1000 })).toMatchObject({ status: 400, body: { error: { message: 'baseDelayMs (2000) cannot be longer than maxDelayMs (1000).' } } });
    expect(await call('/_sandbox/retry', { stripe: { baseDelayMs: 5000, maxDelayMs: 4000 } })).toMatchObject({ status: 400, body: { error: { message: 'baseDelayMs (5000) cannot be longer than maxDelayMs (4000) for stripe.' } } });
    expect(await call('/_sandbox/retry', { baseDelayMs: 500, maxDelayMs: 1000 })).toMatchObject({ status: 200, body: { paypal: { baseDelayMs: 500, maxDelayMs: 1000 } } });
    expect(t.server.retry.stripe).toMatchObject({ baseDelayMs: 500, maxDelayMs: 1000 });
  });
});

describe('switches given at start', () => {
  it('stops the start on a switch out of range, before connecting to anything', async () => {
    const start = (options: Pick<Parameters<typeof startSandbox>[0], 'chaos' | 'retry'>) => startSandbox({ port: 0, databaseUrl: 'postgres://nobody@127.0.0.1:1/none', allowReset: false, ...options });
    await expect(start({ chaos: { duplicateRate: 2 } })).rejects.toThrow('sandbox: chaos: duplicateRate must be a chance from 0 to 1.');
    await expect(start({ retry: { maxAttempts: 0 } })).rejects.toThrow('sandbox: retry: maxAttempts must be a whole number from 1 to 100.');
  });
});

describe('ending one customer’s outage', () => {
  it('disarms the faults still armed for that customer only, so another test’s customer stays down', async () => {
    const mine = `outage-over-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const theirs = `still-down-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await call('/_sandbox/chaos', { faults: [{ email: mine, kind: '500', times: 100 }, { email: mine, kind: 'unreachable' }, { email: theirs, kind: '500', times: 3 }] });

    const response = await fetch(`${t.server.url}/_sandbox/chaos?email=${encodeURIComponent(mine.toUpperCase())}`, { method: 'DELETE' });
    const body = (await response.json()) as Answer['body'] & { disarmed: number };
    expect(response.status).toBe(200);
    expect(body.disarmed).toBe(2);
    expect(body.faults?.filter((fault) => fault.email === mine)).toEqual([]);
    expect(body.faults?.filter((fault) => fault.email === theirs)).toHaveLength(1);
  });

  it('refuses to disarm without naming a customer, and disarms nothing', async () => {
    const email = `kept-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await call('/_sandbox/chaos', { faults: [{ email, kind: '500' }] });
    const response = await fetch(`${t.server.url}/_sandbox/chaos`, { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Answer['body']).error?.message).toMatch(/Name the customer/);
    expect((await call('/_sandbox/chaos')).body.faults?.filter((fault) => fault.email === email)).toHaveLength(1);
  });
});
