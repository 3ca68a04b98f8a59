import postgres from 'postgres';
import { log } from '@/lib/log';

export interface NotificationHandlers {
  /** A notification on one of the channels; `payload` is what pg_notify was given. */
  onNotify(channel: string, payload: string): void;
  /**
   * LISTEN is in place. `resumed` is true after the connection was lost and made again:
   * notifications sent meanwhile are gone, so the caller catches up (re-reads, re-fetches).
   */
  onListening?(resumed: boolean): void;
}

export interface NotificationListener {
  /** Resolves once LISTEN is first in place (rejects never: a lost connection is retried). */
  readonly ready: Promise<void>;
  /** Whether LISTEN is in place right now. */
  listening(): boolean;
  close(): Promise<void>;
}

const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * One dedicated PostgreSQL connection that LISTENs on `channels` for as long as the process
 * wants it. postgres.js's own `sql.listen` re-listens once after a lost connection and gives up
 * silently if the server is still away; a pushed update that stops for good without a word is
 * worse than none, so this keeps retrying (with backoff) and says when it is lost and back.
 * Whoever uses it must still work without it (polling): it only makes things sooner.
 */
export function listenForNotifications(connectionString: string, channels: readonly string[], handlers: NotificationHandlers, name: string): NotificationListener {
  let closed = false;
  let up = false;
  let everUp = false;
  let retryMs = RETRY_FIRST_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  // `onnotify` is a postgres.js option its types leave out (its own sql.listen is built on it).
  const options: Partial<postgres.Options<Record<string, never>>> & { onnotify(channel: string, payload: string): void } = {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: `${process.env.PGAPPNAME || 'billfold'}-listen` },
    onnotify: (channel, payload) => handlers.onNotify(channel, payload),
    onclose: () => {
      if (closed || !up) return;
      up = false;
      log.warn({ listener: name }, 'database notifications lost; polling until they are back');
      schedule();
    },
  };
  const sql = postgres(connectionString, options);

  function schedule(): void {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void connectAndListen(), retryMs);
    timer.unref?.();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  async function connectAndListen(): Promise<void> {
    try {
      // One round trip (the connection is made by it): LISTEN on every channel.
      await sql.unsafe(channels.map((channel) => `listen "${channel.replaceAll('"', '""')}"`).join('; '));
    } catch (error) {
      if (closed) return;
      log.warn({ listener: name, err: error }, 'could not listen for database notifications; polling meanwhile, retrying');
      schedule();
      return;
    }
    if (closed) return;
    const resumed = everUp;
    up = true;
    everUp = true;
    retryMs = RETRY_FIRST_MS;
    if (resumed) log.info({ listener: name }, 'database notifications are back');
    markReady();
    handlers.onListening?.(resumed);
  }

  void connectAndListen();
  return {
    ready,
    listening: () => up,
    async close() {
      closed = true;
      up = false;
      clearTimeout(timer);
      markReady();
      await sql.end({ timeout: 1 });
    },
  };
}
