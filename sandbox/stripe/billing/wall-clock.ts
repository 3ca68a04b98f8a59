import { DueWorkLoop } from '../../due-work';
import type { Store } from '../../store';
import type { RequestContext } from '../context';
import { nowSeconds } from '../ids';
import type { SandboxInvoice } from '../resources/invoices';
import type { SandboxSubscription } from '../resources/subscriptions';
import { dueTime, nextWorkOf, perform } from './advance';
import { SCHEDULE, type Schedule } from './schedules';

/**
 * Billing by the wall clock: what a test clock advance does to its customers' subscriptions
 * (renewals, trial ends and their notice, draft finalization an hour later, retries, incomplete
 * expiry, schedule phases), done as real time reaches it for objects on no test clock, as
 * Stripe does. A customer on a test clock, or with per-customer time (which is a test clock),
 * moves only when its clock is advanced: the due index (store.ts) leaves its objects out.
 *
 * Each step is its own transaction: the earliest due object whose customer nobody holds is
 * taken (`for update of customer skip locked`, the lock per-customer time travel takes first,
 * so two sandbox processes, or a step and an advance, never move one customer at once), its
 * next step runs through the engine's `perform`, and the events it raised are delivered.
 */

type Billed = SandboxSubscription | SandboxInvoice | Schedule;
type StepOutcome = { kind: 'idle' } | { kind: 'failed' } | { kind: 'ran'; id: string; step: string; next: string | null };

export const BILLED_TYPES = ['subscription', 'invoice', SCHEDULE] as const;
/** The longest sleep: work another sandbox process stores is seen within it. */
const POLL_MS = 1000;
// A step waits this long at most for a row a request holds, then gives up until the next look:
// a request is never the one PostgreSQL cancels to break a deadlock with the scheduler.
const LOCK_TIMEOUT = '250ms';

export class WallClockBilling {
  /** Objects whose step failed, or ran and left them due at the same moment: skipped rather than repeated. */
  private readonly stuck = new Set<string>();
  private readonly loop = new DueWorkLoop({
    label: 'wall-clock billing',
    pollMs: POLL_MS,
    // Hosted invoice links need the sandbox's address; it is known once the server listens.
    ready: () => Boolean(this.origin()),
    step: () => this.step(),
    nextDue: () => this.nextDue(),
  });

  constructor(
    private readonly store: Store,
    /** The sandbox's origin, for the links a finalized invoice carries (empty until it listens). */
    private readonly origin: () => string,
    private readonly onEvents: (eventIds: string[]) => void,
  ) {}

  async start(): Promise<void> {
    for (const type of BILLED_TYPES) await this.store.trackDueTime(type, (object) => dueTime(object as Billed));
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** After /_sandbox/reset: the objects it skipped are gone. */
  reset(): void {
    this.stuck.clear();
  }

  /** Runs the earliest due step; false when nothing (that nobody else holds) is due. */
  private async step(): Promise<boolean> {
    const raisedEvents: string[] = [];
    const now = nowSeconds();
    const stuck = [...this.stuck];
    let picked: string | null = null;
    const outcome = await this.store
      .tx(async (tx): Promise<StepOutcome> => {
        await tx.sql`select set_config('lock_timeout', ${LOCK_TIMEOUT}, true)`;
        const [due] = await tx.sql<{ id: string; type: string }[]>`
          select o.id, o.type from sandbox.objects o
          join sandbox.objects customer on customer.id = o.data->>'customer' and customer.type = 'customer'
          where o.due_at <= ${now} and o.data->>'test_clock' is null and o.id <> all(${stuck}::text[])
          order by o.due_at
          limit 1
          for update of customer skip locked`;
        if (!due) return { kind: 'idle' };
        picked = due.id;
        // Read again under its lock: a request may have changed it since the scan.
        const object = await tx.getForUpdate<Billed>(due.type, due.id);
        if (!object || object.test_clock) return { kind: 'idle' };
        const work = nextWorkOf(object);
        if (!work || work.at > now) {
          // Its due_at was written by an older engine: saving stores the one this engine reads.
          await tx.save(object);
          return { kind: 'ran', id: due.id, step: 'refresh', next: null };
        }
        const ctx: RequestContext = { tx, auth: { kind: 'secret', key: 'sk_test_sandbox_wall_clock' }, requestId: '', idempotencyKey: null, params: {}, path: [], raisedEvents, baseUrl: this.origin() };
        // At the step's own moment, as a clock advance runs it: a renewal drafts at the period's
        // end (its finalization an hour after that) even when the sandbox was down at the time.
        await perform(ctx, work, work.at);
        const after = await tx.get<Billed>(due.type, due.id);
        const next = after ? nextWorkOf(after) : null;
        return { kind: 'ran', id: due.id, step: `${work.kind}@${work.at}`, next: next ? `${next.kind}@${next.at}` : null };
      })
      .catch((error: unknown): StepOutcome => {
        // 55P03: a row stayed locked past LOCK_TIMEOUT (a request is using it); the next look retries.
        if ((error as { code?: string }).code === '55P03' || !picked) return { kind: 'idle' };
        // A step the engine cannot take must not hold up every object due after it.
        this.skip(picked, error instanceof Error ? error.message : String(error));
        return { kind: 'failed' };
      });
    if (outcome.kind === 'idle') return false;
    if (raisedEvents.length > 0) this.onEvents(raisedEvents);
    // Every step changes what is due next; one that did not would repeat forever.
    if (outcome.kind === 'ran' && outcome.next === outcome.step) this.skip(outcome.id, `${outcome.step} did not take effect`);
    return true;
  }

  private skip(id: string, why: string): void {
    this.stuck.add(id);
    process.stderr.write(`sandbox: wall-clock billing: ${id}: ${why}; skipping it\n`);
  }

  private async nextDue(): Promise<number | null> {
    const [row] = await this.store.sql<{ due: string | null }[]>`
      select min(due_at) as due from sandbox.objects where due_at > ${nowSeconds()} and data->>'test_clock' is null`;
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }
}
