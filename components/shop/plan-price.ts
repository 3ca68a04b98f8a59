import { formatMoney, type Money } from '@/lib/money';

export type Interval = 'day' | 'week' | 'month' | 'year';

/** "/ month", "every 3 months". */
export function cadence(interval: Interval | null, intervalCount = 1): string {
  if (!interval) return '';
  return intervalCount === 1 ? `/ ${interval}` : `every ${intervalCount} ${interval}s`;
}

/** "$29.00 / month", "¥4,200 / month": the price in its own currency, with its cadence. */
export function planPriceLabel(price: Money, interval: Interval | null, intervalCount = 1): string {
  return `${formatMoney(price)} ${cadence(interval, intervalCount)}`.trim();
}

/** "monthly", "yearly", "every 3 months": for sentences and accessible names. */
export function intervalAdverb(interval: Interval, intervalCount = 1): string {
  if (intervalCount !== 1) return `every ${intervalCount} ${interval}s`;
  return { day: 'daily', week: 'weekly', month: 'monthly', year: 'yearly' }[interval];
}
