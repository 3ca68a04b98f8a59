import { sql } from 'drizzle-orm';
import type { Transaction } from '@/db/client';
import { listenForNotifications, type NotificationListener } from '@/db/listen';
import { databaseUrl } from '@/lib/env';

/**
 * The channel an order's change is announced on: the payload is the order id and nothing else
 * (no status, no email), since anyone connected to the database may LISTEN; whoever is told
 * re-reads the order under its own authorization.
 */
export const ORDER_CHANNEL = 'order_changed';

/** Announces that the order changed; PostgreSQL sends it when `tx` commits, never if it rolls back. */
export async function notifyOrderChanged(tx: Transaction, orderId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${ORDER_CHANNEL}, ${orderId})`);
}

export interface OrderChangeFeed {
  /**
   * Calls `onChange` whenever the order is announced changed, and also (for every subscriber)
   * after the feed's connection came back, since announcements made meanwhile are lost. The
   * returned function unsubscribes.
   */
  subscribe(orderId: string, onChange: () => void): () => void;
  /** True once LISTEN is in place, false if it could not be within `withinMs`. */
  listening(withinMs: number): Promise<boolean>;
}

/**
 * One LISTEN connection for a whole process, fanned out to its subscribers by order id: a
 * confirmation page open in a thousand browsers costs the database one connection, not a thousand.
 */
export function createOrderChangeFeed(connectionString: string): OrderChangeFeed & { close(): Promise<void> } {
  const subscribers = new Map<string, Set<() => void>>();
  const tell = (listeners: Iterable<() => void> = []) => {
    for (const listener of listeners) listener();
  };
  const listener: NotificationListener = listenForNotifications(
    connectionString,
    [ORDER_CHANNEL],
    {
      onNotify: (_channel, orderId) => tell(subscribers.get(orderId)),
      onListening: (resumed) => {
        if (resumed) for (const listeners of subscribers.values()) tell([...listeners]);
      },
    },
    'order changes',
  );
  return {
    subscribe(orderId, onChange) {
      const listeners = subscribers.get(orderId) ?? new Set();
      listeners.add(onChange);
      subscribers.set(orderId, listeners);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0 && subscribers.get(orderId) === listeners) subscribers.delete(orderId);
      };
    },
    async listening(withinMs) {
      if (listener.listening()) return true;
      await Promise.race([listener.ready, new Promise((resolve) => setTimeout(resolve, withinMs).unref())]);
      return listener.listening();
    },
    close: () => listener.close(),
  };
}

// The feed survives Next's hot reloads, as the database pool does (db/client.ts).
const globalForFeed = globalThis as unknown as { billfoldOrderChanges?: OrderChangeFeed };

/** This process's feed, connected on first use. */
export function orderChangeFeed(): OrderChangeFeed {
  globalForFeed.billfoldOrderChanges ??= createOrderChangeFeed(databaseUrl());
  return globalForFeed.billfoldOrderChanges;
}

/**
 * Reads with `read` until `settled` says the value is final, re-reading each time the order is
 * announced changed, and resolves with it; after `withinMs` it resolves with the last value read
 * instead. Subscribed before the first read, so a change committed in between is not missed.
 * Without a LISTEN connection ready (within a quarter of a second at most) it reads once. A failed first read rejects; a failed re-read
 * resolves with the value read before it.
 */
export async function readUntilSettled<T>(
  feed: OrderChangeFeed,
  orderId: string,
  read: () => Promise<T>,
  settled: (value: T) => boolean,
  withinMs: number,
): Promise<T> {
  if (!(await feed.listening(Math.min(withinMs, 250)))) return read();
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    let last: { value: T } | undefined;
    let reading = Promise.resolve();
    const finish = (outcome: { value: T } | { error: unknown }) => {
      if (finished) return;
      finished = true;
      unsubscribe();
      clearTimeout(timer);
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const check = () => {
      reading = reading.then(async () => {
        if (finished) return;
        try {
          last = { value: await read() };
        } catch (error) {
          return finish(last ?? { error });
        }
        if (settled(last.value)) finish(last);
      });
    };
    const unsubscribe = feed.subscribe(orderId, check);
    const timer = setTimeout(() => void reading.then(() => last && finish(last)), withinMs);
    check();
  });
}
