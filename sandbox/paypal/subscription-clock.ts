import type http from 'node:http';
import { readJsonBody, sendJson } from '../admin-json';
import { DueWorkLoop } from '../due-work';
import type { PaypalBackgroundWork, PaypalPage, PaypalServices } from './parts';
import { runDueCycles } from './subscription-billing';
import { SUBSCRIPTION, subscriptionDueAt, subscriptionNow, subscriptionView, type SubscriptionRecord } from './subscription-resource';

/**
 * Time for PayPal subscriptions, two ways:
 *
 * - **By the wall clock**: an ACTIVE subscription's next cycle is a due time in the store's
 *   index (`due_at`), and the scheduler below bills it when real time reaches it, as PayPal
 *   does (a test whose trial ends in ten seconds sees the renewal without doing anything).
 * - **Per subscription** (a sandbox convenience PayPal lacks): `POST
 *   /paypal/_sandbox/subscriptions/:id/advance` with `{"seconds": n}` or `{"cycles": n}` moves
 *   that subscription's own clock forward (an offset it keeps, so its time carries on running
 *   from there) and bills every cycle that falls due on the way, in order, with no waiting.
 *
 * Each step takes the subscription's row lock (`for update skip locked` in the scan), so two
 * sandbox processes, a request and the scheduler never bill one subscription at once.
 */

export const ADVANCE_PATH = /^\/_sandbox\/subscriptions\/([^/]+)\/advance$/;
const POLL_MS = 1000;
const MAX_SECONDS = 20 * 366 * 86_400;
const MAX_CYCLES = 1000;

export type AdvanceBy = { seconds: number } | { cycles: number };

export function parseAdvance(input: unknown): AdvanceBy | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'The body must be a JSON object: {"seconds": n} or {"cycles": n}.';
  const { seconds, cycles, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) return `Unknown field: ${unknown}. Send {"seconds": n} or {"cycles": n}.`;
  if ((seconds === undefined) === (cycles === undefined)) return 'Send exactly one of seconds and cycles.';
  if (seconds !== undefined) {
    if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds <= 0 || seconds > MAX_SECONDS) return `seconds must be a whole number greater than 0 and at most ${MAX_SECONDS}.`;
    return { seconds };
  }
  if (typeof cycles !== 'number' || !Number.isSafeInteger(cycles) || cycles <= 0 || cycles > MAX_CYCLES) return `cycles must be a whole number from 1 to ${MAX_CYCLES}.`;
  return { cycles };
}

/** Moves one subscription's time forward and bills what falls due; null for an unknown id. */
export async function advanceSubscription(services: PaypalServices, base: string, id: string, by: AdvanceBy): Promise<SubscriptionRecord | null> {
  return services.transaction(base, async (ctx) => {
    let record = await ctx.tx.getForUpdate<SubscriptionRecord>(SUBSCRIPTION, id);
    if (!record) return null;
    const steps = 'seconds' in by ? 1 : by.cycles;
    for (let step = 0; step < steps; step += 1) {
      const target = 'seconds' in by ? subscriptionNow(record, ctx.now) + by.seconds : record.internal.next_at;
      // Nothing left to bill (not active, or over): the clock has nowhere to go.
      if (target === null || ('cycles' in by && record.resource.status !== 'ACTIVE')) break;
      const offset = Math.max(record.internal.clock_offset, target - ctx.now);
      record = await ctx.tx.save({ ...record, internal: { ...record.internal, clock_offset: offset } });
      record = await runDueCycles(ctx, record, subscriptionNow(record, ctx.now));
    }
    return record;
  });
}

const advancePage: PaypalPage = {
  path: ADVANCE_PATH,
  async handle(request, response: http.ServerResponse, url, services) {
    if (request.method !== 'POST') return sendJson(response, 405, { error: { message: 'POST {"seconds": n} or {"cycles": n}.' } });
    const body = await readJsonBody(request, response);
    if (!body.ok) return;
    const by = parseAdvance(body.value);
    if (typeof by === 'string') return sendJson(response, 400, { error: { message: by } });
    const id = decodeURIComponent(ADVANCE_PATH.exec(url.pathname)?.[1] ?? '');
    const base = services.base(url);
    const record = await advanceSubscription(services, base, id, by);
    if (!record) return sendJson(response, 404, { error: { message: `No such subscription: ${id}` } });
    sendJson(response, 200, { subscription: subscriptionView(record, base), clock_offset_seconds: record.internal.clock_offset });
  },
};

/** Bills PayPal subscriptions whose next cycle the wall clock has reached. */
export class SubscriptionWallClock implements PaypalBackgroundWork {
  private services: PaypalServices | null = null;
  /** Subscriptions whose step failed: skipped rather than retried in a loop. */
  private readonly stuck = new Set<string>();
  private readonly loop = new DueWorkLoop({
    label: 'PayPal subscription billing',
    pollMs: POLL_MS,
    // Links in events need the sandbox's address, known once it listens.
    ready: () => this.base().startsWith('http'),
    step: () => this.step(this.base()),
    nextDue: () => this.nextDue(),
  });

  async start(services: PaypalServices): Promise<void> {
    this.services = services;
    await services.store.trackDueTime(SUBSCRIPTION, (object) => subscriptionDueAt(object as SubscriptionRecord));
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  reset(): void {
    this.stuck.clear();
  }

  private base(): string {
    return this.services?.base() ?? '';
  }

  /** Bills the subscription due soonest that nobody holds; false when none is due. */
  private async step(base: string): Promise<boolean> {
    const services = this.services;
    if (!services) return false;
    let picked: string | null = null;
    try {
      return await services.transaction(base, async (ctx) => {
        const [due] = await ctx.tx.sql<{ id: string }[]>`
          select id from sandbox.objects
          where type = ${SUBSCRIPTION} and due_at <= ${ctx.now} and data->>'test_clock' is null and id <> all(${[...this.stuck]}::text[])
          order by due_at limit 1 for update skip locked`;
        if (!due) return false;
        picked = due.id;
        const record = await ctx.tx.get<SubscriptionRecord>(SUBSCRIPTION, due.id);
        if (!record) return false;
        const after = await runDueCycles(ctx, record, subscriptionNow(record, ctx.now));
        // A step that left it due at the same moment would repeat forever.
        if (after === record) await ctx.tx.save(record);
        const again = subscriptionDueAt(after);
        if (again !== null && again <= ctx.now && after.internal.next_at === record.internal.next_at) this.stuck.add(record.id);
        return true;
      });
    } catch (error) {
      if (!picked) throw error;
      this.stuck.add(picked);
      process.stderr.write(`sandbox: PayPal subscription billing: ${picked}: ${error instanceof Error ? error.message : String(error)}; skipping it\n`);
      return true;
    }
  }

  private async nextDue(): Promise<number | null> {
    const store = this.services?.store;
    if (!store) return null;
    const [row] = await store.sql<{ due: string | null }[]>`
      select min(due_at) as due from sandbox.objects where type = ${SUBSCRIPTION} and due_at > ${Math.floor(Date.now() / 1000)} and data->>'test_clock' is null`;
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }
}

export const SUBSCRIPTION_CLOCK_PAGES: PaypalPage[] = [advancePage];
