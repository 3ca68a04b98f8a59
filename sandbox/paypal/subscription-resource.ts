import type { BillingCycle } from './billing-cycles';
import type { PaypalRecord } from './context';
import { unitsOf, type PaypalMoney } from './money';
import { priceVersionAt, type PaymentPreferences, type PlanRecord, type Taxes } from './plans';
import type { SubscriptionFunding } from './subscription-funding';

/** The price version of each priced cycle of the plan now: what a new subscriber pays. */
export function currentPriceVersions(plan: PlanRecord): Record<string, number> {
  return Object.fromEntries(plan.resource.billing_cycles.flatMap((cycle) => (cycle.pricing_scheme ? [[String(cycle.sequence), cycle.pricing_scheme.version]] : [])));
}

/**
 * A subscription as PayPal shows it (Subscriptions v1) and what the sandbox keeps beside it: the
 * approval's tokens and return URLs, the buyer chosen on the approval page and what pays, the
 * subscription's own clock (how far a test moved it ahead of the wall clock), from which the
 * billing engine (subscription-billing.ts) knows when its next cycle falls due.
 */

export const SUBSCRIPTION = 'paypal_subscription';

export type SubscriptionStatus = 'APPROVAL_PENDING' | 'APPROVED' | 'ACTIVE' | 'SUSPENDED' | 'CANCELLED' | 'EXPIRED';

export interface CycleExecution {
  tenure_type: 'TRIAL' | 'REGULAR';
  sequence: number;
  cycles_completed: number;
  cycles_remaining: number;
  current_pricing_scheme_version?: number;
  total_cycles: number;
}

export interface BillingInfo {
  outstanding_balance: PaypalMoney;
  cycle_executions: CycleExecution[];
  last_payment?: { amount: PaypalMoney; time: string };
  next_billing_time?: string;
  final_payment_time?: string;
  failed_payments_count: number;
  last_failed_payment?: { amount: PaypalMoney; time: string; reason_code: 'PAYMENT_DENIED' };
}

export interface Subscriber {
  name: { given_name: string; surname: string };
  email_address: string;
  payer_id: string;
  shipping_address?: unknown;
}

/** A caller's changes to the plan for this subscription alone (`plan` on create, PATCH `/plan/…`). */
export interface PlanOverride {
  billing_cycles?: { sequence: number; total_cycles?: number; pricing_scheme?: { fixed_price: PaypalMoney } }[];
  payment_preferences?: Partial<Pick<PaymentPreferences, 'auto_bill_outstanding' | 'payment_failure_threshold' | 'setup_fee' | 'setup_fee_failure_action'>>;
  taxes?: Partial<Taxes>;
}

export interface SubscriptionResource {
  id: string;
  plan_id: string;
  status: SubscriptionStatus;
  status_change_note?: string;
  status_update_time: string;
  start_time: string;
  quantity: string;
  shipping_amount?: PaypalMoney;
  subscriber?: Subscriber;
  billing_info?: BillingInfo;
  create_time: string;
  update_time: string;
  custom_id?: string;
  plan_overridden: boolean;
}

export interface ApprovalRequest {
  ba_token: string;
  /** The `token` PayPal adds to the return URL beside `ba_token`. */
  token: string;
  return_url?: string;
  cancel_url?: string;
}

export interface PendingRevision extends ApprovalRequest {
  plan_id: string;
  quantity: string;
  shipping_amount?: PaypalMoney;
}

export interface SubscriptionInternal {
  approval: ApprovalRequest;
  user_action: 'SUBSCRIBE_NOW' | 'CONTINUE';
  brand_name?: string;
  /** The test buyer who approved (buyers.ts). */
  buyer?: string;
  /** What pays its payments, as the buyer chose on the automatic payments page; absent: the buyer's own funding (subscription-funding.ts). */
  funding?: SubscriptionFunding;
  override: PlanOverride;
  currency: string;
  /** Each priced cycle's price version when the buyer took the plan (later versions wait out PayPal's notice: plans.ts). */
  price_versions: Record<string, number>;
  start_at: number;
  /** Seconds this subscription's time runs ahead of the wall clock (moved by the advance endpoint). */
  clock_offset: number;
  /** Its time (not the wall clock's) when the next cycle is billed, or when it expires after its last one; null when nothing is due. */
  next_at: number | null;
  /** When the cycles being counted began, so months count from it (31 Jan → 28 Feb → 31 Mar). */
  tenure_start: number;
  /** How many of the current tenure's cycles had run at tenure_start (a resumed subscription counts on from its resumption). */
  anchor_cycles: number;
  outstanding: number;
  /** Suspended by PayPal after too many failed payments (not by the merchant). */
  suspended_for_failures: boolean;
  revision?: PendingRevision;
}

export type SubscriptionRecord = PaypalRecord<SubscriptionResource, SubscriptionInternal>;

/** Who the buyer agreed with, as PayPal's pages name the merchant. */
export function merchantOf(record: SubscriptionRecord): string {
  return record.internal.brand_name ?? 'Billfold sandbox merchant';
}

/** The wall-clock moment its next step is due, for the store's due index: only an ACTIVE subscription bills. */
export function subscriptionDueAt(record: SubscriptionRecord): number | null {
  if (record.resource.status !== 'ACTIVE' || record.internal.next_at === null) return null;
  return record.internal.next_at - record.internal.clock_offset;
}

/** The subscription's own time now. */
export function subscriptionNow(record: SubscriptionRecord, wallNow: number): number {
  return wallNow + record.internal.clock_offset;
}

/** The plan's cycle with this subscription's overrides. */
export function cycleTerms(plan: PlanRecord, override: PlanOverride, sequence: number): BillingCycle | undefined {
  const cycle = plan.resource.billing_cycles.find((candidate) => candidate.sequence === sequence);
  if (!cycle) return undefined;
  const changed = override.billing_cycles?.find((candidate) => candidate.sequence === sequence);
  return { ...cycle, ...(changed?.total_cycles !== undefined ? { total_cycles: changed.total_cycles } : {}) };
}

export function paymentPreferences(plan: PlanRecord, override: PlanOverride): PaymentPreferences {
  return { ...plan.resource.payment_preferences, ...override.payment_preferences };
}

export function taxesOf(plan: PlanRecord, override: PlanOverride): Taxes | undefined {
  const taxes = { ...plan.resource.taxes, ...override.taxes };
  return taxes.percentage === undefined ? undefined : { percentage: taxes.percentage, inclusive: taxes.inclusive ?? true };
}

/** What one unit of cycle `sequence` costs when billed at `at` (0 for a free trial), and the price version. */
export function cyclePrice(plan: PlanRecord, record: SubscriptionRecord, sequence: number, at: number): { units: number; version?: number } {
  const overridden = record.internal.override.billing_cycles?.find((candidate) => candidate.sequence === sequence)?.pricing_scheme;
  if (overridden) return { units: unitsOf(overridden.fixed_price), version: 1 };
  const version = priceVersionAt(plan, sequence, at, record.internal.price_versions[String(sequence)] ?? 0);
  return version ? { units: unitsOf(version.fixed_price), version: version.version } : { units: 0 };
}

export function subscriptionView(record: SubscriptionRecord, base: string, options: { plan?: PlanRecord; fields?: string[] } = {}) {
  const href = `${base}/v1/billing/subscriptions/${record.id}`;
  const { status } = record.resource;
  const links: { href: string; rel: string; method: string }[] = [];
  if (status === 'APPROVAL_PENDING') links.push({ href: `${base}/webapps/billing/subscriptions?ba_token=${record.internal.approval.ba_token}`, rel: 'approve', method: 'GET' });
  if (status === 'ACTIVE' || status === 'SUSPENDED') links.push({ href: `${href}/cancel`, rel: 'cancel', method: 'POST' });
  links.push({ href, rel: 'edit', method: 'PATCH' }, { href, rel: 'self', method: 'GET' });
  if (status === 'ACTIVE') links.push({ href: `${href}/suspend`, rel: 'suspend', method: 'POST' });
  if (status === 'SUSPENDED' || (status === 'APPROVED' && record.internal.user_action === 'CONTINUE')) links.push({ href: `${href}/activate`, rel: 'activate', method: 'POST' });
  if (status === 'ACTIVE' || status === 'SUSPENDED') links.push({ href: `${href}/capture`, rel: 'capture', method: 'POST' });
  const { billing_info, ...resource } = record.resource;
  const fields = options.fields ?? [];
  const billing = billing_info && !fields.includes('last_failed_payment') ? (({ last_failed_payment: _omitted, ...rest }) => rest)(billing_info) : billing_info;
  return {
    ...resource,
    ...(billing ? { billing_info: billing } : {}),
    ...(fields.includes('plan') && options.plan ? { plan: planWithOverrides(options.plan, record) } : {}),
    links,
  };
}

/** `fields=plan`: the plan as this subscriber has it (overrides applied). */
function planWithOverrides(plan: PlanRecord, record: SubscriptionRecord) {
  const { override } = record.internal;
  return {
    billing_cycles: plan.resource.billing_cycles.map((cycle) => {
      const changed = override.billing_cycles?.find((candidate) => candidate.sequence === cycle.sequence);
      return { ...cycle, ...(changed?.total_cycles !== undefined ? { total_cycles: changed.total_cycles } : {}), ...(changed?.pricing_scheme && cycle.pricing_scheme ? { pricing_scheme: { ...cycle.pricing_scheme, fixed_price: changed.pricing_scheme.fixed_price } } : {}) };
    }),
    payment_preferences: paymentPreferences(plan, override),
    ...(taxesOf(plan, override) ? { taxes: taxesOf(plan, override) } : {}),
  };
}
