import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { invalidRequest } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import type { DisputeKind } from '../test-cards';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';

const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal', 'customer_communication',
  'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature', 'duplicate_charge_documentation', 'duplicate_charge_explanation',
  'duplicate_charge_id', 'product_description', 'receipt', 'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date',
  'service_documentation', 'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;

type Evidence = Stripe.Dispute.Evidence;

/** The evidence fields that name an uploaded file (purpose `dispute_evidence`) rather than hold text. */
const FILE_FIELDS = [
  'cancellation_policy', 'customer_communication', 'customer_signature', 'duplicate_charge_documentation', 'receipt', 'refund_policy',
  'service_documentation', 'shipping_documentation', 'uncategorized_file',
] as const;
// Stripe's limit on all of a dispute's evidence files together (docs.stripe.com/disputes/responding).
const MAX_EVIDENCE_BYTES = 4.5 * 1024 * 1024;

/** Refuses evidence naming a file that is not an uploaded dispute_evidence file, or files too large together to submit. */
async function checkEvidenceFiles(ctx: RequestContext, evidence: Evidence, submitting: boolean): Promise<void> {
  let total = 0;
  for (const field of FILE_FIELDS) {
    const id = evidence[field];
    if (typeof id !== 'string') continue;
    const file = await ctx.tx.get<Stripe.File>('file', id);
    if (!file || file.purpose !== 'dispute_evidence') throw invalidRequest(`No such file upload: '${id}'`, `evidence[${field}]`);
    total += file.size;
  }
  if (submitting && total > MAX_EVIDENCE_BYTES) {
    throw invalidRequest(`The evidence files together are ${total} bytes; a dispute's evidence may be at most ${MAX_EVIDENCE_BYTES} bytes.`, 'evidence');
  }
}

function emptyEvidence(): Evidence {
  return Object.fromEntries([...EVIDENCE_FIELDS.map((field) => [field, null]), ['enhanced_evidence', {}]]) as unknown as Evidence;
}

/** Opens a dispute on a charge, as a cardholder's bank would (test card 4000000000000259, or the dashboard). */
export async function openDispute(
  ctx: RequestContext,
  charge: Stripe.Charge,
  reason = 'fraudulent',
  extra: Partial<Pick<Stripe.Dispute, 'status' | 'enhanced_eligibility_types'>> & { networkReasonCode?: string } = {},
): Promise<Stripe.Dispute> {
  const now = nowSeconds();
  const dispute: Stripe.Dispute = {
    id: newId('du'),
    object: 'dispute',
    amount: charge.amount_captured - charge.amount_refunded,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: emptyEvidence(),
    evidence_details: { due_by: now + 7 * 24 * 3600, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    payment_method_details: { type: 'card', card: { brand: charge.payment_method_details?.card?.brand ?? 'visa', case_type: 'chargeback', network: charge.payment_method_details?.card?.network ?? 'visa', network_reason_code: extra.networkReasonCode ?? '10.4' } },
    reason,
    status: extra.status ?? 'needs_response',
  };
  if (extra.enhanced_eligibility_types) dispute.enhanced_eligibility_types = extra.enhanced_eligibility_types;
  await ctx.tx.insert(dispute);
  const disputedCharge: Stripe.Charge = { ...charge, disputed: true };
  await ctx.tx.save(disputedCharge);
  await emit(ctx, 'charge.dispute.created', dispute);
  await emit(ctx, 'charge.updated', disputedCharge, previousAttributes(charge, disputedCharge));
  return dispute;
}

/** What the dispute test cards do once their charge succeeds (docs.stripe.com/testing#disputes). */
export async function disputeAsTestCardSays(ctx: RequestContext, charge: Stripe.Charge, kind: DisputeKind): Promise<void> {
  switch (kind) {
    case 'fraudulent':
      await openDispute(ctx, charge, 'fraudulent');
      return;
    case 'product_not_received':
      await openDispute(ctx, charge, 'product_not_received', { networkReasonCode: '13.1' });
      return;
    case 'inquiry':
      // An inquiry (retrieval request) is a warning: no money moves until it becomes a dispute.
      await openDispute(ctx, charge, 'general', { status: 'warning_needs_response' });
      return;
    case 'multiple':
      await openDispute(ctx, charge, 'fraudulent');
      await openDispute(ctx, (await ctx.tx.get<Stripe.Charge>('charge', charge.id)) ?? charge, 'product_not_received', { networkReasonCode: '13.1' });
      return;
    case 'visa_ce3':
      await openDispute(ctx, charge, 'fraudulent', { enhanced_eligibility_types: ['visa_compelling_evidence_3'] });
      return;
    case 'visa_compliance':
      await openDispute(ctx, charge, 'noncompliant', { networkReasonCode: '00', enhanced_eligibility_types: ['visa_compliance'] });
      return;
    case 'early_fraud_warning': {
      const warning: Stripe.Radar.EarlyFraudWarning = {
        id: newId('issfr'),
        object: 'radar.early_fraud_warning',
        actionable: true,
        charge: charge.id,
        created: nowSeconds(),
        fraud_type: 'made_with_stolen_card',
        livemode: false,
        payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : undefined,
      };
      await ctx.tx.insert(warning);
      await emit(ctx, 'radar.early_fraud_warning.created', warning);
      return;
    }
  }
}

/** The evidence text that settles a test dispute (docs.stripe.com/testing#evidence). */
const EVIDENCE_OUTCOMES: Record<string, 'won' | 'lost'> = { winning_evidence: 'won', losing_evidence: 'lost' };

/** Settles a dispute as the bank decides: won or lost (dashboard and test helpers); a warning just closes. */
export async function settleDispute(ctx: RequestContext, before: Stripe.Dispute, outcome: 'won' | 'lost'): Promise<Stripe.Dispute> {
  const after: Stripe.Dispute = { ...before, status: before.status.startsWith('warning') ? 'warning_closed' : outcome };
  await ctx.tx.save(after);
  await emit(ctx, 'charge.dispute.closed', after, previousAttributes(before, after));
  return after;
}

const OPEN: Stripe.Dispute.Status[] = ['needs_response', 'under_review', 'warning_needs_response', 'warning_under_review'];

export const disputeRoutes: Route[] = [
  retrieveRoute('/v1/disputes/:id', 'dispute'),
  retrieveRoute('/v1/radar/early_fraud_warnings/:id', 'radar.early_fraud_warning'),
  {
    method: 'GET',
    path: '/v1/radar/early_fraud_warnings',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, charge: p.string(), payment_intent: p.string() }, ctx.params);
      return listObjects(ctx, 'radar.early_fraud_warning', '/v1/radar/early_fraud_warnings', params, { charge: params.charge, payment_intent: params.payment_intent });
    },
  },
  {
    method: 'POST',
    path: '/v1/disputes/:id',
    async handler(ctx) {
      const params = parseParams(
        { evidence: p.object(Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, p.emptyable(p.string({ max: 20000 }))]))), metadata: p.metadata(), submit: p.bool() },
        ctx.params,
      );
      const before = await mustGet<Stripe.Dispute>(ctx, 'dispute', pathId(ctx), 'dispute', 'id', true);
      if (!OPEN.includes(before.status)) throw invalidRequest(`This dispute is already closed (status ${before.status}).`, undefined, 'charge_dispute_closed');
      const evidence = { ...before.evidence, ...((params.evidence ?? {}) as Partial<Evidence>) };
      await checkEvidenceFiles(ctx, evidence, params.submit === true);
      const after: Stripe.Dispute = {
        ...before,
        evidence,
        evidence_details: { ...before.evidence_details, has_evidence: true, submission_count: before.evidence_details.submission_count + (params.submit ? 1 : 0) },
        metadata: mergeMetadata(before.metadata, params.metadata),
        status: params.submit ? (before.status.startsWith('warning') ? 'warning_under_review' : 'under_review') : before.status,
      };
      await ctx.tx.save(after);
      await emit(ctx, 'charge.dispute.updated', after, previousAttributes(before, after));
      const decided = params.submit ? EVIDENCE_OUTCOMES[String(after.evidence.uncategorized_text)] : undefined;
      return decided ? settleDispute(ctx, after, decided) : after;
    },
  },
  {
    method: 'POST',
    path: '/v1/disputes/:id/close',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const before = await mustGet<Stripe.Dispute>(ctx, 'dispute', pathId(ctx), 'dispute', 'id', true);
      if (!OPEN.includes(before.status)) throw invalidRequest(`This dispute is already closed (status ${before.status}).`, undefined, 'charge_dispute_closed');
      // Accepting a dispute loses it.
      return settleDispute(ctx, before, 'lost');
    },
  },
  {
    method: 'GET',
    path: '/v1/disputes',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, charge: p.string(), payment_intent: p.string() }, ctx.params);
      return listObjects(ctx, 'dispute', '/v1/disputes', params, { charge: params.charge, payment_intent: params.payment_intent });
    },
  },
];
