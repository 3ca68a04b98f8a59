import type Stripe from 'stripe';
import type { Tx } from '../../store';
import { nowSeconds } from '../ids';

/** Stored type of test clocks (their `object` is `test_helpers.test_clock`). */
export const TEST_CLOCK = 'test_helpers.test_clock';

/**
 * The time a customer's objects live in: its test clock's frozen time, or the wall clock for a
 * customer without one. Creation times, billing periods and payment times all read it, so a
 * clock advance moves them together.
 */
export async function customerTime(tx: Tx, customer: string | { id: string } | null | undefined): Promise<number> {
  const id = typeof customer === 'string' ? customer : customer?.id;
  if (!id) return nowSeconds();
  const [row] = await tx.sql<{ frozen_time: string | null }[]>`
    select clock.data->>'frozen_time' as frozen_time
    from sandbox.objects customer
    join sandbox.objects clock on clock.id = customer.data->>'test_clock' and clock.type = ${TEST_CLOCK}
    where customer.id = ${id}`;
  return row?.frozen_time ? Number(row.frozen_time) : nowSeconds();
}

export async function clockTime(tx: Tx, clockId: string | null | undefined): Promise<number> {
  if (!clockId) return nowSeconds();
  const clock = await tx.get<Stripe.TestHelpers.TestClock>(TEST_CLOCK, clockId);
  return clock ? clock.frozen_time : nowSeconds();
}
