import { scrubString } from '@/lib/log';

/**
 * The first line of what went wrong, without credentials. A failed query's own message is its
 * SQL; its cause (`relation "users" does not exist`) is what the operator needs.
 */
export function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.message.startsWith('Failed query') && error.cause instanceof Error ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return scrubString(message.split('\n')[0] ?? '').slice(0, 300);
}
