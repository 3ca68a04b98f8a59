import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestCase, TestResult } from '@playwright/test/reporter';
import { afterEach, describe, expect, it } from 'vitest';
import ServerLogGate, { EXPECTED_SERVER_ERROR, serverErrorsIn } from './server-log-gate';

const record = (level: number, msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level, time: '2026-12-03T12:00:00.000Z', pid: 1, name: 'billfold', msg, ...extra });

const AUTH_ERROR = record(50, 'auth error', { err: { type: 'JWTSessionError', message: 'Invalid Compact JWE', stack: 'JWTSessionError: …\n    at session (…)' } });

describe('the error lines of a server log', () => {
  it('are the pino records at error level or above, not warnings or info', () => {
    const log = [record(30, 'worker started'), record(40, 'unreadable session cookie'), AUTH_ERROR, record(60, 'cannot start')].join('\n');
    expect(serverErrorsIn('web', log).map((error) => error.line)).toEqual([3, 4]);
  });

  it('include an unstructured stack trace as one error, and the sandbox’s failure lines, but not banners or Node warnings', () => {
    const log = [
      '   ▲ Next.js 16.4.6',
      '   - Local:        http://localhost:3331',
      ' ✓ Ready in 812ms',
      record(30, 'listening'),
      '\x1b[31m\x1b[1m⨯\x1b[22m\x1b[39m TypeError: Cannot read properties of undefined (reading "id")',
      '    at OrderPage (.next/server/app/page.js:1:2)',
      '    at async render (node_modules/next/dist/server.js:3:4)',
      record(30, 'next'),
      '(node:42) ExperimentalWarning: Type Stripping is an experimental feature',
      record(30, 'next'),
      'sandbox: POST /v1/payment_intents failed: database is gone',
    ].join('\n');
    const errors = serverErrorsIn('web', log);
    expect(errors.map(({ line }) => line)).toEqual([5, 11]);
    expect(errors[0]!.text.split('\n')).toHaveLength(3);
    expect(errors[0]!.text).toMatch(/^⨯ TypeError/);
  });
});

describe('the server-log gate at the end of an e2e run', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  function logsWith(web: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'server-logs-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'web.log'), web.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'worker.log'), record(30, 'worker started') + '\n');
    fs.writeFileSync(path.join(dir, 'sandbox.log'), '');
    return dir;
  }

  function endedTest(title: string, declared: RegExp[] = []) {
    const annotations = declared.map((pattern) => ({ type: EXPECTED_SERVER_ERROR, description: String(pattern) }));
    return [{ annotations: [], titlePath: () => ['', 'chromium', 'auth.spec.ts', title] } as unknown as TestCase, { annotations } as unknown as TestResult] as const;
  }

  it('fails a passing run on an error no test declared, and prints where it is and what it says', async () => {
    const printed: string[] = [];
    const gate = new ServerLogGate({ dir: logsWith([record(30, 'ok'), AUTH_ERROR]), print: (text) => printed.push(text) });
    gate.onTestEnd(...endedTest('signs in'));

    expect(await gate.onEnd({ status: 'passed' } as never)).toEqual({ status: 'failed' });
    const report = printed.join('\n');
    expect(report).toContain('web.log:2');
    expect(report).toContain('Invalid Compact JWE');
  });

  it('lets a run pass when a test declared the error it provoked, whichever test ran beside it', async () => {
    const gate = new ServerLogGate({ dir: logsWith([AUTH_ERROR]), print: () => {} });
    gate.onTestEnd(...endedTest('signs in'));
    gate.onTestEnd(...endedTest('meets a broken session', [/Invalid Compact JWE/]));

    expect(await gate.onEnd({ status: 'passed' } as never)).toBeUndefined();
  });

  it('still fails on the errors a declaration does not match', async () => {
    const unexpected = record(50, 'webhook apply failed', { err: { message: 'deadlock detected' } });
    const gate = new ServerLogGate({ dir: logsWith([AUTH_ERROR, unexpected]), print: () => {} });
    gate.onTestEnd(...endedTest('meets a broken session', [/Invalid Compact JWE/]));

    expect(await gate.onEnd({ status: 'passed' } as never)).toEqual({ status: 'failed' });
  });

  it('fails when the servers’ logs were not captured at all, rather than passing unchecked', async () => {
    const gate = new ServerLogGate({ dir: path.join(os.tmpdir(), 'no-such-server-logs'), print: () => {} });
    expect(await gate.onEnd({ status: 'passed' } as never)).toEqual({ status: 'failed' });
  });
});
