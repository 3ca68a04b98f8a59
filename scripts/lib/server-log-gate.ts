import fs from 'node:fs';
import path from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * The e2e run's server-log gate. scripts/e2e-server.ts has the app, the worker and the sandbox
 * write their output to SERVER_LOG_DIR (beside Playwright's own test-results, which Playwright
 * clears before it starts the servers); once the servers have stopped, this reporter reads the
 * logs, and any error a test did not declare with `expectServerError` fails the run.
 *
 * Tests run in parallel against one stack, so an error line is not attributed by time: it is
 * expected when it matches a pattern some test of this run declared.
 */
export const SERVER_LOG_DIR = path.join('test-results', 'server-logs');
export const SERVER_LOGS = ['web', 'worker', 'sandbox'] as const;
export type ServerLog = (typeof SERVER_LOGS)[number];

/** The annotation `expectServerError` leaves on a test; its description is the pattern, `/source/flags`. */
export const EXPECTED_SERVER_ERROR = 'expected server error';

/** pino's `error`; `fatal` (60) is above it. */
const ERROR_LEVEL = 50;

export interface ServerError {
  log: ServerLog;
  /** 1-based line in the log where the error starts. */
  line: number;
  /** The JSON record, or the block of unstructured lines (a stack trace, a `sandbox: …` failure). */
  text: string;
}

export interface ExpectedServerError {
  pattern: RegExp;
  /** Who declared it, for the report. */
  test: string;
}

function parseRecord(line: string): { level?: unknown } | null {
  if (!line.startsWith('{')) return null;
  try {
    const record: unknown = JSON.parse(line);
    return record !== null && typeof record === 'object' ? record : null;
  } catch {
    return null;
  }
}

// What, in output that is not a pino record, says something failed: a stack frame, Next.js's
// error mark, the sandbox's failure lines, or an error's name ("TypeError: …", "[Error: …]").
const UNSTRUCTURED_ERROR = /^\s+at \S|^\s*⨯|^sandbox: |\b[A-Z]\w*Error\b|\bError\b[:\]]/;
// Next.js colours its marks even into a file.
const ANSI_STYLE = /\x1b\[[0-9;]*m/g;

/**
 * The error-level records of one log (pino level ≥ 50), and its unstructured error blocks:
 * consecutive lines that are not pino records, taken together when any of them looks like an
 * error (a stack trace is one block, not one error per frame). Banners and Node's warnings pass.
 */
export function serverErrorsIn(log: ServerLog, content: string): ServerError[] {
  const errors: ServerError[] = [];
  let block: { start: number; lines: string[] } | null = null;
  const endBlock = () => {
    if (block && block.lines.some((text) => UNSTRUCTURED_ERROR.test(text))) errors.push({ log, line: block.start, text: block.lines.join('\n') });
    block = null;
  };
  content.split('\n').forEach((styled, index) => {
    const text = styled.replace(ANSI_STYLE, '');
    if (text.trim() === '') return;
    const record = parseRecord(text);
    if (record) {
      endBlock();
      if (typeof record.level === 'number' && record.level >= ERROR_LEVEL) errors.push({ log, line: index + 1, text });
      return;
    }
    block ??= { start: index + 1, lines: [] };
    block.lines.push(text);
  });
  endBlock();
  return errors;
}

/** Every error in the run's logs that no declared pattern matches. */
export function unexpectedServerErrors(errors: ServerError[], expected: ExpectedServerError[]): ServerError[] {
  return errors.filter((error) => !expected.some(({ pattern }) => new RegExp(pattern.source, pattern.flags.replace('g', '')).test(error.text)));
}

export function describePattern(pattern: RegExp): string {
  return String(pattern);
}

export function parsePattern(description: string): RegExp {
  const end = description.lastIndexOf('/');
  if (!description.startsWith('/') || end < 1) throw new Error(`Not a /pattern/flags description: ${description}`);
  return new RegExp(description.slice(1, end), description.slice(end + 1));
}

/** Playwright reporter: collects the declarations as tests end, reads the logs once the servers have stopped. */
export default class ServerLogGate implements Reporter {
  private readonly expected: ExpectedServerError[] = [];

  constructor(private readonly options: { dir?: string; print?: (text: string) => void } = {}) {}

  printsToStdio(): boolean {
    return false;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    for (const annotation of [...test.annotations, ...(result.annotations ?? [])]) {
      if (annotation.type !== EXPECTED_SERVER_ERROR || !annotation.description) continue;
      const pattern = parsePattern(annotation.description);
      const title = test.titlePath().filter(Boolean).join(' › ');
      if (!this.expected.some((known) => known.test === title && String(known.pattern) === String(pattern))) this.expected.push({ pattern, test: title });
    }
  }

  async onEnd(result: FullResult): Promise<{ status: FullResult['status'] } | undefined> {
    if (result.status === 'interrupted') return undefined;
    const dir = this.options.dir ?? SERVER_LOG_DIR;
    const print = this.options.print ?? ((text: string) => process.stderr.write(`${text}\n`));
    const missing = SERVER_LOGS.filter((log) => !fs.existsSync(path.join(dir, `${log}.log`)));
    if (missing.length > 0) {
      print(`\nServer-log gate: no ${missing.join(', ')} log in ${dir}: the servers' output was not captured, so their errors cannot be checked.`);
      return { status: 'failed' };
    }
    const errors = SERVER_LOGS.flatMap((log) => serverErrorsIn(log, fs.readFileSync(path.join(dir, `${log}.log`), 'utf8')));
    const unexpected = unexpectedServerErrors(errors, this.expected);
    if (unexpected.length === 0) {
      if (errors.length > 0) print(`Server-log gate: ${errors.length} error line(s) in ${dir}, each declared by a test.`);
      return undefined;
    }
    print(`\nServer-log gate: ${unexpected.length} error(s) in the servers' logs that no test declared (expectServerError):`);
    for (const error of unexpected) print(`\n${path.join(dir, `${error.log}.log`)}:${error.line}\n${error.text}`);
    print(`\nThe run fails: fix the cause, or declare it in the test that provokes it, e.g. expectServerError(/payment provider unreachable/).`);
    return { status: 'failed' };
  }
}
