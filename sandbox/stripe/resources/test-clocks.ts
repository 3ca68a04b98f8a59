import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { advanceClock } from '../billing/advance';
import { TEST_CLOCK } from '../billing/clock';
import { emit } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, listObjects, mustGet, pathId } from './common';

/**
 * Test clocks: simulated time for the customers attached to them. An advance runs everything
 * the clock passes (renewals, retries, trial ends, cancellations) synchronously inside the
 * request, in one transaction; the clock goes `advancing` → `ready` with both events sent,
 * and the response is the clock already `ready` at its new time. A poll for `ready`, as
 * written for Stripe, therefore succeeds at once.
 */

type TestClock = Stripe.TestHelpers.TestClock;

const DELETES_AFTER = 30 * 86_400;
// Everything a clock's customers own, removed with the clock as Stripe removes them.
const OWNED_TYPES = ['subscription', 'subscription_schedule', 'invoice', 'invoiceitem', 'payment_intent', 'setup_intent', 'charge', 'payment_method', 'refund', 'dispute'];

async function getClock(ctx: RequestContext, forUpdate = false): Promise<TestClock> {
  return mustGet<TestClock>(ctx, TEST_CLOCK, pathId(ctx), 'test_helpers.test_clock', 'id', forUpdate);
}

export const testClockRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks',
    async handler(ctx) {
      const params = parseParams({ frozen_time: p.int({ min: 0 }).req(), name: p.string({ max: 300 }) }, ctx.params);
      const clock: TestClock = {
        id: newId('clock'),
        object: 'test_helpers.test_clock',
        created: nowSeconds(),
        deletes_after: nowSeconds() + DELETES_AFTER,
        frozen_time: params.frozen_time,
        livemode: false,
        name: params.name ?? null,
        status: 'ready',
        status_details: {},
      };
      await ctx.tx.insert(clock);
      await emit(ctx, 'test_helpers.test_clock.created', clock);
      return clock;
    },
  },
  {
    method: 'GET',
    path: '/v1/test_helpers/test_clocks/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      return getClock(ctx);
    },
  },
  {
    method: 'GET',
    path: '/v1/test_helpers/test_clocks',
    async handler(ctx) {
      const params = parseParams(LIST_PARAMS, ctx.params);
      return listObjects(ctx, TEST_CLOCK, '/v1/test_helpers/test_clocks', params);
    },
  },
  {
    method: 'DELETE',
    path: '/v1/test_helpers/test_clocks/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const clock = await getClock(ctx, true);
      const sql = ctx.tx.sql;
      const customers = await sql<{ id: string }[]>`select id from sandbox.objects where type = 'customer' and data->>'test_clock' = ${clock.id}`;
      const ids = customers.map((row) => row.id);
      if (ids.length > 0) {
        await sql`delete from sandbox.objects where type in ${sql(OWNED_TYPES)} and data->>'customer' in ${sql(ids)}`;
        await sql`delete from sandbox.objects where id in ${sql(ids)}`;
      }
      await ctx.tx.remove(clock.id);
      await emit(ctx, 'test_helpers.test_clock.deleted', clock);
      const deleted: Stripe.TestHelpers.DeletedTestClock = { id: clock.id, object: 'test_helpers.test_clock', deleted: true };
      return deleted;
    },
  },
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks/:id/advance',
    async handler(ctx) {
      const params = parseParams({ frozen_time: p.int({ min: 0 }).req() }, ctx.params);
      return advanceClock(ctx, await getClock(ctx, true), params.frozen_time);
    },
  },
];
