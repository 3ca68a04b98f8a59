import type Stripe from 'stripe';

/**
 * Billing periods as Stripe counts them: whole intervals from the billing cycle anchor, in UTC.
 * A monthly anchor on the 31st bills on the last day of shorter months and returns to the 31st
 * afterwards, because every boundary is computed from the anchor, never from the previous one.
 */

const DAY = 86_400;

export type Interval = Stripe.Price.Recurring.Interval;

export interface Recurrence {
  interval: Interval;
  intervalCount: number;
}

export function recurrenceOf(price: Stripe.Price): Recurrence {
  if (!price.recurring) throw new Error(`price ${price.id} is not recurring`);
  return { interval: price.recurring.interval, intervalCount: price.recurring.interval_count };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** The boundary `cycles` periods after `anchor`. */
export function boundaryAfter(anchor: number, { interval, intervalCount }: Recurrence, cycles: number): number {
  const steps = intervalCount * cycles;
  if (interval === 'day') return anchor + steps * DAY;
  if (interval === 'week') return anchor + steps * 7 * DAY;
  const start = new Date(anchor * 1000);
  const months = interval === 'year' ? steps * 12 : steps;
  const monthIndex = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  return Math.floor(Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds()) / 1000);
}

/** The first period boundary after `time` on the grid anchored at `anchor`. */
export function nextBoundary(anchor: number, recurrence: Recurrence, time: number): number {
  let cycles = 1;
  while (boundaryAfter(anchor, recurrence, cycles) <= time) cycles++;
  return boundaryAfter(anchor, recurrence, cycles);
}

export function sameRecurrence(a: Recurrence, b: Recurrence): boolean {
  return a.interval === b.interval && a.intervalCount === b.intervalCount;
}

export function describeRecurrence({ interval, intervalCount }: Recurrence): string {
  return intervalCount === 1 ? interval : `every ${intervalCount} ${interval}s`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `15 Jan 2026`, as Stripe writes dates in line descriptions. */
export function formatDate(time: number): string {
  const date = new Date(time * 1000);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
