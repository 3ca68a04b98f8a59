import type http from 'node:http';
import type Stripe from 'stripe';
import type { Store } from '../../store';
import type { RequestContext } from '../context';
import { StripeApiError } from '../errors';
import { emit } from '../events';
import { publicView } from '../expand';
import { newId, nowSeconds, randomToken } from '../ids';
import { advanceClock } from './advance';
import { TEST_CLOCK } from './clock';
import { readJsonBody, sendJson } from '../../admin-json';

/**
 * Per-customer time travel, a sandbox convenience: `POST /_sandbox/customers/:id/advance` with
 * `{"days": n}` or `{"to": unixSeconds}` moves one customer's time as a test clock advance does
 * (renewals, trials, retries, dunning, schedule phases). A customer without a clock gets one
 * frozen at the present first, which Stripe cannot do (there a clock is set when the customer is
 * created): the app under test creates ordinary customers, and a test moves one of them in time
 * without disturbing the others. Their subscriptions' periods are wall-clock seconds and the
 * clock starts now, so simulated time simply carries on from the real present.
 */

export type AdvanceTarget = { days: number } | { to: number };

const DAY = 86_400;
const MAX_DAYS = 3660;
// Stripe deletes a test clock 30 days after its creation; the sandbox only shows the date.
const DELETES_AFTER = 30 * DAY;

export function parseAdvanceTarget(input: unknown): AdvanceTarget | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'The body must be a JSON object: {"days": n} or {"to": unixSeconds}.';
  const { days, to, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) return `Unknown field: ${unknown}. Send {"days": n} or {"to": unixSeconds}.`;
  if ((days === undefined) === (to === undefined)) return 'Send exactly one of days and to.';
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > MAX_DAYS) return `days must be a number of days greater than 0 and at most ${MAX_DAYS}.`;
    return { days };
  }
  if (typeof to !== 'number' || !Number.isSafeInteger(to) || to <= 0) return 'to must be a Unix timestamp in whole seconds.';
  return { to };
}

/** The customer's test clock, attached now (frozen at the present) if it had none. */
async function clockOf(ctx: RequestContext, customer: Stripe.Customer): Promise<Stripe.TestHelpers.TestClock> {
  const existing = typeof customer.test_clock === 'string' ? customer.test_clock : customer.test_clock?.id;
  if (existing) {
    const clock = await ctx.tx.getForUpdate<Stripe.TestHelpers.TestClock>(TEST_CLOCK, existing);
    if (clock) return clock;
  }
  const now = nowSeconds();
  const clock: Stripe.TestHelpers.TestClock = {
    id: newId('clock'),
    object: 'test_helpers.test_clock',
    created: now,
    deletes_after: now + DELETES_AFTER,
    frozen_time: now,
    livemode: false,
    name: `Time of ${customer.email ?? customer.id}`,
    status: 'ready',
    status_details: {},
  };
  await ctx.tx.insert(clock);
  await emit(ctx, 'test_helpers.test_clock.created', clock);
  await ctx.tx.save({ ...customer, test_clock: clock.id });
  // Everything of the customer's the billing engine moves finds its work by `test_clock`.
  await ctx.tx.sql`
    update sandbox.objects set data = jsonb_set(data, '{test_clock}', to_jsonb(${clock.id}::text))
    where type in ('subscription', 'subscription_schedule', 'invoice', 'invoiceitem') and data->>'customer' = ${customer.id}`;
  return clock;
}

/** Advances one customer's time; throws StripeApiError (404 unknown customer, 400 not forward). */
export async function advanceCustomer(store: Store, customerId: string, target: AdvanceTarget, baseUrl: string): Promise<{ clock: Stripe.TestHelpers.TestClock; raisedEvents: string[] }> {
  const raisedEvents: string[] = [];
  const clock = await store.tx(async (tx) => {
    const ctx: RequestContext = { tx, auth: { kind: 'secret', key: 'sk_test_sandbox_time' }, requestId: `req_${randomToken(14)}`, idempotencyKey: null, params: {}, path: [], raisedEvents, baseUrl };
    // Locked first: two advances of one customer run one after the other, on one clock.
    const customer = await tx.getForUpdate<Stripe.Customer>('customer', customerId);
    if (!customer) throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such customer: '${customerId}'` });
    const before = await clockOf(ctx, customer);
    const to = 'to' in target ? target.to : before.frozen_time + Math.round(target.days * DAY);
    return advanceClock(ctx, before, to);
  });
  return { clock: publicView(clock), raisedEvents };
}

/** `POST /_sandbox/customers/:id/advance`. */
export async function handleCustomerAdvance(store: Store, request: http.IncomingMessage, response: http.ServerResponse, url: URL, onEvents: (ids: string[]) => void): Promise<void> {
  const send = (status: number, body: unknown) => sendJson(response, status, body);
  const match = /^\/_sandbox\/customers\/([A-Za-z0-9_]+)\/advance$/.exec(url.pathname);
  if (!match) return send(404, { error: { message: 'Use POST /_sandbox/customers/:id/advance.' } });
  if (request.method !== 'POST') return send(405, { error: { message: 'Use POST.' } });
  const body = await readJsonBody(request, response);
  if (!body.ok) return;
  const input = body.value;
  const target = parseAdvanceTarget(input);
  if (typeof target === 'string') return send(400, { error: { message: target } });
  try {
    const { clock, raisedEvents } = await advanceCustomer(store, match[1] ?? '', target, url.origin);
    onEvents(raisedEvents);
    return send(200, clock);
  } catch (error) {
    if (error instanceof StripeApiError) return send(error.status, { error: error.body });
    throw error;
  }
}
