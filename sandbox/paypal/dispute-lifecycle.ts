import { z } from 'zod';
import { reverseCapture } from './capture-reversal';
import type { PaypalCapture } from './order-types';
import type { PaypalContext, PaypalRecord } from './context';
import { parseBody, PaypalApiError, unprocessable } from './errors';
import { raiseEvent } from './events';
import { disputeId, paypalTime } from './ids';
import { PaypalMoneySchema, unitsOf, type PaypalMoney } from './money';

/**
 * A PayPal dispute (Disputes v1, developer.paypal.com/docs/api/customer-disputes/v1) from the
 * buyer opening it to its resolution. A buyer opens one from outside the API (the sandbox's test
 * endpoint or dashboard button), as an inquiry (the buyer and merchant talk, 20 days) or as a
 * chargeback (the card issuer has already taken the money back). The merchant answers through
 * the API (disputes.ts); PayPal decides (the test endpoint's resolve). Each change raises
 * CUSTOMER.DISPUTE.CREATED / UPDATED / RESOLVED with the dispute as the resource.
 */

export const DISPUTE_REASONS = [
  'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', 'MERCHANDISE_OR_SERVICE_NOT_AS_DESCRIBED', 'UNAUTHORISED', 'CREDIT_NOT_PROCESSED', 'DUPLICATE_TRANSACTION',
  'INCORRECT_AMOUNT', 'PAYMENT_BY_OTHER_MEANS', 'CANCELED_RECURRING_BILLING', 'PROBLEM_WITH_REMITTANCE', 'OTHER',
] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];
export type DisputeStatus = 'OPEN' | 'WAITING_FOR_BUYER_RESPONSE' | 'WAITING_FOR_SELLER_RESPONSE' | 'UNDER_REVIEW' | 'RESOLVED' | 'OTHER';
export type DisputeStage = 'INQUIRY' | 'CHARGEBACK' | 'PRE_ARBITRATION' | 'ARBITRATION';
export type DisputeState = 'OPEN_INQUIRIES' | 'REQUIRED_ACTION' | 'REQUIRED_OTHER_PARTY_ACTION' | 'UNDER_PAYPAL_REVIEW' | 'APPEALABLE' | 'RESOLVED';
export type OutcomeCode = 'RESOLVED_BUYER_FAVOUR' | 'RESOLVED_SELLER_FAVOUR';

export interface DisputeDocument {
  name: string;
}

export interface DisputeEvidence {
  evidence_type: string;
  evidence_info?: { tracking_info?: unknown[]; refund_ids?: string[] };
  notes?: string;
  documents?: DisputeDocument[];
  source: 'SUBMITTED_BY_SELLER';
  date: string;
  dispute_life_cycle_stage: DisputeStage;
}

export interface DisputeMessage {
  posted_by: 'BUYER' | 'SELLER' | 'ARBITER';
  time_posted: string;
  content: string;
  documents?: DisputeDocument[];
}

export interface MoneyMovement {
  affected_party: 'SELLER' | 'BUYER';
  type: 'DEBIT' | 'CREDIT';
  amount: PaypalMoney;
  initiated_time: string;
  reason: 'DISPUTE_SETTLEMENT';
}

export interface DisputedTransaction {
  seller_transaction_id: string;
  create_time?: string;
  transaction_status: 'COMPLETED';
  gross_amount: PaypalMoney;
  invoice_number?: string;
  custom?: string;
  seller: { merchant_id?: string };
}

/** The dispute as GET /v1/customer/disputes/{id} shows it, without its links. */
export interface DisputeResource {
  dispute_id: string;
  create_time: string;
  update_time: string;
  disputed_transactions: DisputedTransaction[];
  reason: DisputeReason;
  status: DisputeStatus;
  dispute_amount: PaypalMoney;
  dispute_life_cycle_stage: DisputeStage;
  dispute_channel: 'INTERNAL' | 'EXTERNAL';
  seller_response_due_date?: string;
  messages: DisputeMessage[];
  offer: { buyer_requested_amount: PaypalMoney };
  evidences: DisputeEvidence[];
  adjudications: { type: 'PAYOUT_TO_BUYER' | 'PAYOUT_TO_SELLER'; adjudication_time: string; reason: 'DECISION_BASED_ON_AVAILABLE_INFORMATION'; dispute_life_cycle_stage: DisputeStage }[];
  money_movements: MoneyMovement[];
  allowed_response_options?: { accept_claim: { accept_claim_types: ['REFUND'] } };
  dispute_outcome?: { outcome_code: OutcomeCode; amount_refunded?: PaypalMoney };
}

export interface DisputeInternal {
  capture_id: string;
  /** The money has gone back to the buyer (a chargeback at once; otherwise on a buyer-favour outcome). */
  reversed: boolean;
  /** The merchant accepted the claim (such a dispute cannot be appealed). */
  accepted?: boolean;
  appealed?: boolean;
}
export type DisputeRecord = PaypalRecord<DisputeResource, DisputeInternal>;

const DAY = 86_400;
// The merchant's time to answer: an inquiry's 20 days; a chargeback's evidence is due sooner to reach the issuer in time.
const RESPONSE_DAYS: Record<'INQUIRY' | 'CHARGEBACK', number> = { INQUIRY: 20, CHARGEBACK: 10 };

/** The merchant's view of where the dispute stands (the list's `dispute_state` filter). */
export function disputeStateOf(record: DisputeRecord): DisputeState {
  switch (record.resource.status) {
    case 'WAITING_FOR_SELLER_RESPONSE':
      return 'REQUIRED_ACTION';
    case 'WAITING_FOR_BUYER_RESPONSE':
      return 'REQUIRED_OTHER_PARTY_ACTION';
    case 'UNDER_REVIEW':
      return 'UNDER_PAYPAL_REVIEW';
    case 'RESOLVED':
      return isAppealable(record) ? 'APPEALABLE' : 'RESOLVED';
    default:
      return 'OPEN_INQUIRIES';
  }
}

function isAppealable(record: DisputeRecord): boolean {
  return record.resource.dispute_outcome?.outcome_code === 'RESOLVED_BUYER_FAVOUR' && !record.internal.accepted && !record.internal.appealed;
}

/** What the merchant may do now, as PayPal's HATEOAS links say it (a missing link means the action is refused). */
export type DisputeAction = 'provide_evidence' | 'accept_claim' | 'send_message' | 'appeal';

export function allowedActions(record: DisputeRecord): DisputeAction[] {
  const { status, dispute_life_cycle_stage: stage } = record.resource;
  if (status === 'RESOLVED') return isAppealable(record) ? ['appeal'] : [];
  const actions: DisputeAction[] = ['accept_claim'];
  if (status === 'WAITING_FOR_SELLER_RESPONSE') actions.unshift('provide_evidence');
  // Messages go between buyer and merchant during the inquiry; once PayPal or the issuer decides, they stop.
  if (stage === 'INQUIRY') actions.push('send_message');
  return actions;
}

const ACTION_PATHS: Record<DisputeAction, string> = { provide_evidence: 'provide-evidence', accept_claim: 'accept-claim', send_message: 'send-message', appeal: 'appeal' };

export function disputeLinks(record: DisputeRecord, base: string) {
  const self = `${base}/v1/customer/disputes/${record.id}`;
  return [
    { href: self, rel: 'self', method: 'GET' as const },
    ...allowedActions(record).map((action) => ({ href: `${self}/${ACTION_PATHS[action]}`, rel: action, method: 'POST' as const })),
  ];
}

// PayPal leaves out a list that has nothing in it (the spec gives each at least one item).
const LISTS = ['messages', 'evidences', 'adjudications', 'money_movements'] as const;

export function disputeView(record: DisputeRecord, base: string) {
  const shown: Partial<DisputeResource> = { ...record.resource };
  for (const list of LISTS) if (shown[list]?.length === 0) delete shown[list];
  return { ...shown, dispute_state: disputeStateOf(record), links: disputeLinks(record, base) };
}

/** PayPal's 422 for an action the dispute's state does not allow. */
export function refuseUnlessAllowed(record: DisputeRecord, action: DisputeAction): void {
  if (!allowedActions(record).includes(action)) {
    throw unprocessable('ACTION_NOT_ALLOWED_IN_CURRENT_DISPUTE_STATE', 'This action is not allowed for this dispute ID. For the allowed actions, see the HATEOAS link in show dispute details.');
  }
}

/** Saves a change and tells the webhooks (CUSTOMER.DISPUTE.UPDATED, or RESOLVED once it is). */
export async function saveDispute(ctx: PaypalContext, record: DisputeRecord): Promise<DisputeRecord> {
  const saved = await ctx.tx.save<DisputeRecord>({ ...record, resource: { ...record.resource, update_time: paypalTime(ctx.now) } });
  const resolved = saved.resource.status === 'RESOLVED';
  await raiseEvent(ctx, {
    eventType: resolved ? 'CUSTOMER.DISPUTE.RESOLVED' : 'CUSTOMER.DISPUTE.UPDATED',
    resourceType: 'dispute',
    resource: disputeView(saved, ctx.base),
    summary: resolved ? `A dispute was resolved with case # ${saved.id}` : `A dispute was updated with case # ${saved.id}`,
    resourceVersion: '1.0',
  });
  return saved;
}

/** A refusal of the test endpoint or a dashboard button (not a PayPal API error: the buyer's side has no PayPal shape). */
export class DisputeRefusal extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export const OpenDisputeRequest = z.strictObject({
  capture_id: z.string().min(1),
  reason: z.enum(DISPUTE_REASONS),
  amount: PaypalMoneySchema.optional(),
  stage: z.enum(['INQUIRY', 'CHARGEBACK']).default('INQUIRY'),
  /** What the buyer writes when opening an inquiry. */
  message: z.string().min(1).max(2000).optional(),
});
export type OpenDispute = z.input<typeof OpenDisputeRequest>;

function refusalOf(error: unknown): never {
  if (error instanceof PaypalApiError) {
    const detail = error.details[0];
    throw new DisputeRefusal(error.status === 404 ? 404 : error.status === 422 ? 409 : 400, detail ? `${detail.field ? `${detail.field}: ` : ''}${detail.description}` : error.message);
  }
  throw error;
}

/**
 * The buyer opens a dispute on a completed capture: one open dispute per capture, for at most
 * the captured amount. A chargeback takes the money back at once (reverseCapture).
 */
export async function openDispute(ctx: PaypalContext, input: unknown): Promise<DisputeRecord> {
  let request: z.output<typeof OpenDisputeRequest>;
  try {
    request = parseBody(OpenDisputeRequest, input);
  } catch (error) {
    refusalOf(error);
  }
  const capture = await ctx.tx.getForUpdate<PaypalRecord<PaypalCapture>>('paypal_capture', request.capture_id);
  if (!capture) throw new DisputeRefusal(404, `No capture ${request.capture_id}.`);
  if (capture.resource.status !== 'COMPLETED') throw new DisputeRefusal(409, `The capture ${capture.id} is ${capture.resource.status}; a buyer disputes a COMPLETED capture.`);
  const [open] = await ctx.tx.sql<{ id: string }[]>`
    select id from sandbox.objects where type = 'paypal_dispute' and data->'internal'->>'capture_id' = ${capture.id} and data->'resource'->>'status' <> 'RESOLVED'`;
  if (open) throw new DisputeRefusal(409, `The capture ${capture.id} already has an open dispute, ${open.id}.`);
  const captured = capture.resource.amount;
  const amount = request.amount ?? captured;
  if (amount.currency_code !== captured.currency_code || unitsOf(amount) > unitsOf(captured) || unitsOf(amount) === 0) {
    throw new DisputeRefusal(400, `The disputed amount must be more than nothing and at most the captured ${captured.value} ${captured.currency_code}.`);
  }
  const time = paypalTime(ctx.now);
  const id = disputeId();
  const chargeback = request.stage === 'CHARGEBACK';
  let record: DisputeRecord = {
    id,
    object: 'paypal_dispute',
    created: ctx.now,
    resource: {
      dispute_id: id,
      create_time: time,
      update_time: time,
      disputed_transactions: [{
        seller_transaction_id: capture.id,
        ...(capture.resource.create_time ? { create_time: capture.resource.create_time } : {}),
        transaction_status: 'COMPLETED',
        gross_amount: captured,
        ...(capture.resource.invoice_id ? { invoice_number: capture.resource.invoice_id } : {}),
        ...(capture.resource.custom_id ? { custom: capture.resource.custom_id } : {}),
        seller: capture.resource.payee?.merchant_id ? { merchant_id: capture.resource.payee.merchant_id } : {},
      }],
      reason: request.reason,
      status: 'WAITING_FOR_SELLER_RESPONSE',
      dispute_amount: amount,
      dispute_life_cycle_stage: request.stage,
      // An inquiry is opened in PayPal's Resolution Center; a chargeback comes from the card issuer.
      dispute_channel: chargeback ? 'EXTERNAL' : 'INTERNAL',
      seller_response_due_date: paypalTime(ctx.now + RESPONSE_DAYS[request.stage] * DAY),
      messages: request.message ? [{ posted_by: 'BUYER', time_posted: time, content: request.message }] : [],
      offer: { buyer_requested_amount: amount },
      evidences: [],
      adjudications: [],
      money_movements: [],
      allowed_response_options: { accept_claim: { accept_claim_types: ['REFUND'] } },
    },
    internal: { capture_id: capture.id, reversed: false },
  };
  await ctx.tx.insert(record);
  if (chargeback) record = await takeMoneyBack(ctx, record);
  await raiseEvent(ctx, { eventType: 'CUSTOMER.DISPUTE.CREATED', resourceType: 'dispute', resource: disputeView(record, ctx.base), summary: `A new dispute opened with Case # ${id}`, resourceVersion: '1.0' });
  return record;
}

/** Reverses the disputed amount (or `amount`) on the capture once, and records the debit on the dispute. */
async function takeMoneyBack(ctx: PaypalContext, record: DisputeRecord, amount: PaypalMoney = record.resource.dispute_amount): Promise<DisputeRecord> {
  if (record.internal.reversed) return record;
  const refund = await reverseCapture(ctx, record.internal.capture_id, amount);
  const movement: MoneyMovement = { affected_party: 'SELLER', type: 'DEBIT', amount: refund.amount, initiated_time: paypalTime(ctx.now), reason: 'DISPUTE_SETTLEMENT' };
  const next: DisputeRecord = { ...record, resource: { ...record.resource, money_movements: [...record.resource.money_movements, movement] }, internal: { ...record.internal, reversed: true } };
  return ctx.tx.save(next);
}

/**
 * Closes the dispute with an outcome. For the buyer: the money goes back (unless a chargeback
 * took it already) and `amount_refunded` says how much. For the seller after a chargeback: the
 * dispute records the credit back to the merchant; the capture keeps its REFUNDED status, as
 * PayPal has no capture status for money returned after a reversal.
 */
export async function closeDispute(ctx: PaypalContext, record: DisputeRecord, outcome: OutcomeCode, options: { refund?: PaypalMoney; accepted?: boolean } = {}): Promise<DisputeRecord> {
  const time = paypalTime(ctx.now);
  const stage = record.resource.dispute_life_cycle_stage;
  let next = record;
  if (outcome === 'RESOLVED_BUYER_FAVOUR') next = await takeMoneyBack(ctx, next, options.refund);
  const refunded = outcome === 'RESOLVED_BUYER_FAVOUR' ? next.resource.money_movements.filter((m) => m.type === 'DEBIT').at(-1)?.amount : undefined;
  const credit: MoneyMovement[] = outcome === 'RESOLVED_SELLER_FAVOUR' && next.internal.reversed
    ? [{ affected_party: 'SELLER', type: 'CREDIT', amount: next.resource.dispute_amount, initiated_time: time, reason: 'DISPUTE_SETTLEMENT' }]
    : [];
  // The merchant accepting the claim is not PayPal adjudicating it.
  const adjudications = options.accepted
    ? next.resource.adjudications
    : [...next.resource.adjudications, { type: outcome === 'RESOLVED_BUYER_FAVOUR' ? 'PAYOUT_TO_BUYER' as const : 'PAYOUT_TO_SELLER' as const, adjudication_time: time, reason: 'DECISION_BASED_ON_AVAILABLE_INFORMATION' as const, dispute_life_cycle_stage: stage }];
  const { seller_response_due_date: _due, allowed_response_options: _options, ...open } = next.resource;
  return saveDispute(ctx, {
    ...next,
    resource: {
      ...open,
      status: 'RESOLVED',
      adjudications,
      money_movements: [...next.resource.money_movements, ...credit],
      dispute_outcome: { outcome_code: outcome, ...(refunded ? { amount_refunded: refunded } : {}) },
    },
    internal: { ...next.internal, ...(options.accepted ? { accepted: true } : {}) },
  });
}

/** PayPal's decision (the test endpoint's resolve and the dashboard's buttons). */
export async function resolveDispute(ctx: PaypalContext, id: string, winner: 'seller' | 'buyer'): Promise<DisputeRecord> {
  const record = await ctx.tx.getForUpdate<DisputeRecord>('paypal_dispute', id);
  if (!record) throw new DisputeRefusal(404, `No dispute ${id}.`);
  if (record.resource.status === 'RESOLVED') throw new DisputeRefusal(409, `The dispute ${id} is already resolved (${record.resource.dispute_outcome?.outcome_code ?? 'no outcome'}).`);
  try {
    return await closeDispute(ctx, record, winner === 'buyer' ? 'RESOLVED_BUYER_FAVOUR' : 'RESOLVED_SELLER_FAVOUR');
  } catch (error) {
    refusalOf(error);
  }
}
