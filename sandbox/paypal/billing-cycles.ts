import { z } from 'zod';
import { invalidRequest, unprocessable } from './errors';
import { PaypalMoneySchema, type PaypalMoney } from './money';

/**
 * A billing plan's cycles, as PayPal defines them: up to two trial cycles (at most one of them
 * free) then one regular cycle, numbered 1, 2, 3 in the order they run, each with a frequency
 * (every n days, weeks, months or years) and a number of cycles (0: a regular cycle that runs
 * until cancelled). A cycle is billed when it begins, so a subscription pays for a period in
 * advance, as PayPal bills.
 */

export type IntervalUnit = 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export interface Frequency {
  interval_unit: IntervalUnit;
  interval_count: number;
}

export interface PricingScheme {
  version: number;
  fixed_price: PaypalMoney;
  create_time: string;
  update_time: string;
}

export interface BillingCycle {
  tenure_type: 'TRIAL' | 'REGULAR';
  sequence: number;
  total_cycles: number;
  frequency: Frequency;
  /** A free trial has none. */
  pricing_scheme?: PricingScheme;
}

export const FrequencySchema = z.object({
  interval_unit: z.enum(['DAY', 'WEEK', 'MONTH', 'YEAR']),
  interval_count: z.number().int().min(1).max(365).default(1),
});

export const PricingSchemeInput = z.object({
  fixed_price: PaypalMoneySchema.optional(),
  pricing_model: z.enum(['VOLUME', 'TIERED']).optional(),
  tiers: z.array(z.unknown()).optional(),
});

export const BillingCycleInput = z.object({
  tenure_type: z.enum(['REGULAR', 'TRIAL']),
  sequence: z.number().int().min(1).max(99),
  total_cycles: z.number().int().min(0).max(999).default(1),
  frequency: FrequencySchema,
  pricing_scheme: PricingSchemeInput.optional(),
});
export type BillingCycleInput = z.infer<typeof BillingCycleInput>;

const DAY = 86_400;
/** The most intervals PayPal lets one cycle span, by unit (a year at most). */
const MAX_INTERVAL_COUNT: Record<IntervalUnit, number> = { DAY: 365, WEEK: 52, MONTH: 12, YEAR: 1 };

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * `count` intervals after `from` (Unix seconds). Months and years keep the day of the month, or
 * the month's last day when it has fewer (31 January + 1 month = 28 or 29 February), as PayPal
 * and Stripe bill; callers count from the tenure's start so a short month does not shift the
 * day for good.
 */
export function addIntervals(from: number, frequency: Frequency, count: number): number {
  const steps = frequency.interval_count * count;
  if (frequency.interval_unit === 'DAY') return from + steps * DAY;
  if (frequency.interval_unit === 'WEEK') return from + steps * 7 * DAY;
  const date = new Date(from * 1000);
  const months = frequency.interval_unit === 'MONTH' ? steps : steps * 12;
  const total = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000;
}

/** "7 days", "month", "2 weeks": for the approval page and the dashboard. */
export function describeFrequency({ interval_unit, interval_count }: Frequency): string {
  const unit = interval_unit.toLowerCase();
  return interval_count === 1 ? unit : `${interval_count} ${unit}s`;
}

/**
 * PayPal's rules for a plan's cycles, each refused with its own issue: trials before the
 * regular cycle, at most two trials and one free one, exactly one regular cycle, sequences 1…n,
 * a trial that runs at least once, a price on every cycle but a free trial, and one currency.
 */
export function checkBillingCycles(cycles: readonly BillingCycleInput[], setupFee?: PaypalMoney): string {
  const ordered = [...cycles].sort((a, b) => a.sequence - b.sequence);
  const trials = ordered.filter((cycle) => cycle.tenure_type === 'TRIAL');
  const regulars = ordered.filter((cycle) => cycle.tenure_type === 'REGULAR');
  for (const [index, cycle] of cycles.entries()) {
    const { interval_unit, interval_count } = cycle.frequency;
    if (interval_count > MAX_INTERVAL_COUNT[interval_unit]) {
      throw invalidRequest('INVALID_PARAMETER_VALUE', `A ${interval_unit} frequency allows an interval_count of at most ${MAX_INTERVAL_COUNT[interval_unit]}.`, `/billing_cycles/${index}/frequency/interval_count`);
    }
    if (cycle.pricing_scheme?.tiers || cycle.pricing_scheme?.pricing_model) {
      throw unprocessable('INVALID_PRICING_MODEL', 'The sandbox supports fixed-price billing cycles only (no VOLUME or TIERED pricing).', `/billing_cycles/${index}/pricing_scheme`);
    }
  }
  if (regulars.length === 0) throw unprocessable('MISSING_REGULAR_BILLING_CYCLE', 'Plan should have at least one regular billing cycle.', '/billing_cycles');
  if (regulars.length > 1) throw unprocessable('MULTIPLE_REGULAR_BILLING_CYCLES_NOT_SUPPORTED', 'Only one regular billing cycle is allowed.', '/billing_cycles');
  if (trials.length > 2) throw unprocessable('MORE_THAN_TWO_TRIAL_BILLING_CYCLE_NOT_SUPPORTED', 'Only two trial billing cycles are allowed.', '/billing_cycles');
  if (trials.filter((cycle) => !cycle.pricing_scheme?.fixed_price).length > 1) throw unprocessable('MULTIPLE_FREE_TRIAL_BILLING_CYCLES_NOT_SUPPORTED', 'Only one free trial billing cycle is allowed.', '/billing_cycles');
  if (ordered.some((cycle, index) => cycle.sequence !== index + 1)) throw unprocessable('INVALID_BILLING_CYCLE_SEQUENCE', 'Billing cycle sequence should start with `1` and be consecutive.', '/billing_cycles');
  if (ordered.at(-1)?.tenure_type !== 'REGULAR') throw unprocessable('INVALID_BILLING_CYCLE_SEQUENCE', 'Trial Billing cycle should precede regular billing cycle.', '/billing_cycles');
  if (trials.some((cycle) => cycle.total_cycles === 0)) throw unprocessable('INVALID_TRIAL_BILLING_TOTAL_CYCLES', "Total cycles for trial billing must be greater than '0'.", '/billing_cycles');
  const regular = regulars[0] as BillingCycleInput;
  const price = regular.pricing_scheme?.fixed_price;
  if (!price) throw invalidRequest('MISSING_REQUIRED_PARAMETER', 'A required field is missing.', `/billing_cycles/${cycles.indexOf(regular)}/pricing_scheme/fixed_price`);
  const currencies = new Set([...cycles.flatMap((cycle) => (cycle.pricing_scheme?.fixed_price ? [cycle.pricing_scheme.fixed_price.currency_code] : [])), ...(setupFee ? [setupFee.currency_code] : [])]);
  if (currencies.size > 1) throw unprocessable('CURRENCY_MISMATCH', 'All currency codes in the request should be of similar value.', '/billing_cycles');
  return price.currency_code;
}
