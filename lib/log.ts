import pino, { type DestinationStream, type Logger } from 'pino';
import { passesLuhn } from './luhn';

/**
 * Structured logs that never carry card data or secrets. Redaction does not rely on callers
 * remembering field names: every argument is walked before pino sees it, sensitive keys are
 * masked wholesale, and card-like numbers and key-like tokens are masked inside any string.
 */

export const REDACTED = '[redacted]';

const SENSITIVE_KEY =
  /pass(word)?|secret|token|authorization|cookie|^card$|card_?number|cvc|cvv|signature|api_?key|client_secret|private|credential/i;

// 13–19 digits, optionally grouped by single spaces or dashes, as card numbers are written;
// not bounded by \b, so a PAN glued to letters ("x4242…") is still found.
const CARD_CANDIDATE = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;
const SECRET_TOKEN = /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=]+|\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+|\bBearer\s+[A-Za-z0-9._~+/=-]+/g;

// The password of any URL with credentials (SMTP_URL, DATABASE_URL): scheme://user:password@…
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]+@/gi;

export function scrubString(text: string): string {
  return text
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(CARD_CANDIDATE, (candidate) => {
      const digits = candidate.replace(/[ -]/g, '');
      return passesLuhn(digits) ? `${REDACTED}card…${digits.slice(-4)}` : candidate;
    })
    .replace(SECRET_TOKEN, REDACTED);
}

/** A copy of `value` with sensitive keys masked and sensitive text scrubbed. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (typeof value === 'string') return scrubString(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && String(Math.abs(value)).length >= 13) {
    return scrubString(String(value)) === String(value) ? value : REDACTED;
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubString(value.message),
      stack: value.stack ? scrubString(value.stack) : undefined,
      ...(scrub({ ...value }, depth + 1) as object),
    };
  }
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  if (value instanceof Headers) return scrub(Object.fromEntries(value.entries()), depth + 1);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) && inner !== null && inner !== undefined && inner !== '' ? REDACTED : scrub(inner, depth + 1);
  }
  return out;
}

export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'billfold',
      level: options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => scrub(arg)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination,
  );
}

export const log = createLogger();
