import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { invalidRequest } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';

const EVIDENCE_FIELDS = [
  'access_activity_log', 'billing_address', 'cancellation_policy', 'cancellation_policy_disclosure', 'cancellation_rebuttal', 'customer_communication',
  'customer_email_address', 'customer_name', 'customer_purchase_ip', 'customer_signature', 'duplicate_charge_documentation', 'duplicate_charge_explanation',
  'duplicate_charge_id', 'product_description', 'receipt', 'refund_policy', 'refund_policy_disclosure', 'refund_refusal_explanation', 'service_date',
  'service_documentation', 'shipping_address', 'shipping_carrier', 'shipping_date', 'shipping_documentation', 'shipping_tracking_number',
  'uncategorized_file', 'uncategorized_text',
] as const;

type Evidence = Stripe.Dispute.Evidence;

function emptyEvidence(): Evidence {
  return Object.fromEntries([...EVIDENCE_FIELDS.map((field) => [field, null]), ['enhanced_evidence', {}]]) as unknown as Evidence;
}

/** Opens a dispute on a charge, as a cardholder's bank would (test card 4000000000000259, or the dashboard). */
export async function openDispute(ctx: RequestContext, charge: Stripe.Charge, reason = 'fraudulent'): Promise<Stripe.Dispute> {
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
    payment_method_details: { type: 'card', card: { brand: charge.payment_method_details?.card?.brand ?? 'visa', case_type: 'chargeback', network: charge.payment_method_details?.card?.network ?? 'visa', network_reason_code: '10.4' } },
    reason,
    status: 'needs_response',
  };
  await ctx.tx.insert(dispute);
  const disputedCharge: Stripe.Charge = { ...charge, disputed: true };
  await ctx.tx.save(disputedCharge);
  await emit(ctx, 'charge.dispute.created', dispute);
  await emit(ctx, 'charge.updated', disputedCharge, previousAttributes(charge, disputedCharge));
  return dispute;
}

/** Settles a dispute as the bank decides: won or lost (dashboard and test helpers). */
export async function settleDispute(ctx: RequestContext, before: Stripe.Dispute, outcome: 'won' | 'lost'): Promise<Stripe.Dispute> {
  const after: Stripe.Dispute = { ...before, status: outcome };
  await ctx.tx.save(after);
  await emit(ctx, 'charge.dispute.closed', after, previousAttributes(before, after));
  return after;
}

const OPEN: Stripe.Dispute.Status[] = ['needs_response', 'under_review', 'warning_needs_response', 'warning_under_review'];

export const disputeRoutes: Route[] = [
  retrieveRoute('/v1/disputes/:id', 'dispute'),
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
      const after: Stripe.Dispute = {
        ...before,
        evidence,
        evidence_details: { ...before.evidence_details, has_evidence: true, submission_count: before.evidence_details.submission_count + (params.submit ? 1 : 0) },
        metadata: mergeMetadata(before.metadata, params.metadata),
        status: params.submit ? (before.status.startsWith('warning') ? 'warning_under_review' : 'under_review') : before.status,
      };
      await ctx.tx.save(after);
      await emit(ctx, 'charge.dispute.updated', after, previousAttributes(before, after));
      return after;
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
