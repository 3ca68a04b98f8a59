import type { Logger } from 'pino';

const QUIET_FOR_MS = 60_000;
// Enough clients for a busy minute; past it the oldest are forgotten first (a Map keeps
// insertion order), so a flood of forged cookies from many addresses cannot grow memory.
const MAX_CLIENTS = 10_000;

/**
 * A session cookie we cannot read (forged, from before an AUTH_SECRET rotation, truncated by a
 * proxy) is routine: the visitor is simply signed out and nothing needs an operator. So it is
 * a warning with the cause, at most once per client per minute, never the cookie itself.
 */
export function createUnreadableSessionWarner(log: Pick<Logger, 'warn'>, lastWarned = new Map<string, number>(), now: () => number = Date.now) {
  return function warnUnreadableSession(error: Error, clientKey: string): void {
    const at = now();
    const previous = lastWarned.get(clientKey);
    if (previous !== undefined && at - previous < QUIET_FOR_MS) return;
    lastWarned.delete(clientKey);
    lastWarned.set(clientKey, at);
    if (lastWarned.size > MAX_CLIENTS) lastWarned.delete(lastWarned.keys().next().value!);
    log.warn({ client: clientKey, cause: causeOf(error) }, 'unreadable session cookie; the visitor is signed out');
  };
}

/**
 * Auth.js wraps the decoder's error as `cause.err`; its message names what failed, not the token.
 * jose's `code` (ERR_JWE_INVALID, ERR_JWE_DECRYPTION_FAILED…) survives minification, its class name does not.
 */
function causeOf(error: Error): string {
  const inner = error.cause && typeof error.cause === 'object' && 'err' in error.cause && error.cause.err instanceof Error ? error.cause.err : error;
  const code = 'code' in inner && typeof inner.code === 'string' ? inner.code : inner.name;
  return `${code}: ${inner.message}`;
}
