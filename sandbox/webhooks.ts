import { retryDelayMs, type Chaos, type RetryPolicy } from './chaos';
import type { Store } from './store';

/**
 * The delivery loop every provider module shares: it takes a provider's due rows from
 * `sandbox.deliveries`, has the provider's sender sign and post each one, records every attempt,
 * and retries an answer other than 2xx with exponential backoff (the retry switches). What a
 * delivery is made of (the payload, its signature, the endpoint's address) is the provider's:
 * `send` is given the row and answers what happened.
 */

export interface DueDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
}

/** A provider's way of sending one delivery; `undefined` when the endpoint is gone or disabled (the delivery is abandoned). */
export type DeliverySender = (delivery: DueDelivery, timeoutMs: number) => Promise<DeliverySend | undefined>;

export interface DeliverySend {
  /** Posts one copy (chaos may send two) and answers the HTTP status, or throws when no answer came. */
  post(): Promise<number>;
  /** After the delivery succeeded (once, however many copies were sent). */
  delivered?(): Promise<void>;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private nextDue: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly provider: string,
    private readonly chaos: () => Chaos,
    private readonly policy: () => RetryPolicy,
    private readonly sender: DeliverySender,
  ) {}

  start(): void {
    this.stopped = false;
    // A slow safety poll; retries are woken exactly when they fall due (scheduleNextDue).
    this.timer = setInterval(() => this.wake(), 1000);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.nextDue) clearTimeout(this.nextDue);
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Looks for due deliveries now (called after a request raised events). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const due = await this.store.sql<DueDelivery[]>`
          update sandbox.deliveries set next_attempt_at = now() + interval '1 minute', updated_at = now()
          where id in (
            select id from sandbox.deliveries where provider = ${this.provider} and status = 'pending' and next_attempt_at <= now()
            order by id limit 64 for update skip locked)
          returning id, event_id, endpoint_id, attempts`;
        if (due.length === 0 || this.stopped) return this.scheduleNextDue();
        due.sort((a, b) => Number(a.id) - Number(b.id));
        if (this.chaos().shuffle) due.sort(() => Math.random() - 0.5);
        await Promise.all(due.map((delivery) => this.deliver(delivery)));
      }
    } catch (error) {
      if (!this.stopped) process.stderr.write(`sandbox: ${this.provider} webhook delivery loop: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  /** Wakes up when the earliest pending retry falls due, so backoff delays are kept exactly. */
  private async scheduleNextDue(): Promise<void> {
    const [row] = await this.store.sql<{ ms: number | null }[]>`
      select ceil(extract(epoch from (min(next_attempt_at) - now())) * 1000)::int as ms
      from sandbox.deliveries where provider = ${this.provider} and status = 'pending'`;
    if (row?.ms === null || row?.ms === undefined || this.stopped) return;
    if (this.nextDue) clearTimeout(this.nextDue);
    this.nextDue = setTimeout(() => this.wake(), Math.max(5, row.ms));
  }

  private async deliver(delivery: DueDelivery): Promise<void> {
    const sql = this.store.sql;
    const send = await this.sender(delivery, this.policy().timeoutMs);
    if (!send) {
      await sql`update sandbox.deliveries set status = 'abandoned', updated_at = now() where id = ${delivery.id}`;
      return;
    }
    const { delayMs, duplicateRate } = this.chaos();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * delayMs));
    const copies = Math.random() < duplicateRate ? 2 : 1;
    let ok = false;
    let status: number | null = null;
    let failure: string | null = null;
    for (let copy = 0; copy < copies; copy++) {
      const started = performance.now();
      try {
        status = await send.post();
        ok = ok || (status >= 200 && status < 300);
        failure = ok ? null : `HTTP ${status}`;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      await sql`insert into sandbox.delivery_attempts (delivery_id, status, duration_ms, error) values (${delivery.id}, ${status}, ${Math.round(performance.now() - started)}, ${failure})`;
    }
    const attempts = delivery.attempts + 1;
    const policy = this.policy();
    if (ok) {
      await sql`update sandbox.deliveries set status = 'succeeded', attempts = ${attempts}, last_status = ${status}, last_error = null, updated_at = now() where id = ${delivery.id}`;
      await send.delivered?.();
    } else if (attempts >= policy.maxAttempts) {
      await sql`update sandbox.deliveries set status = 'failed', attempts = ${attempts}, last_status = ${status}, last_error = ${failure}, updated_at = now() where id = ${delivery.id}`;
    } else {
      const delay = retryDelayMs(policy, attempts);
      await sql`update sandbox.deliveries set attempts = ${attempts}, last_status = ${status}, last_error = ${failure},
        next_attempt_at = now() + make_interval(secs => ${delay / 1000}), updated_at = now() where id = ${delivery.id}`;
    }
  }
}
