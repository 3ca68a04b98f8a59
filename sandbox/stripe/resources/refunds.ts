import type Stripe from 'stripe';
import type { Route } from '../routes';
import { invalidRequest } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';
import type { SandboxPaymentIntent } from './payment-intents';
import type { SandboxPaymentMethod } from './payment-methods';
import type { RequestContext } from '../context';

const REFUND_SETTLES_AFTER_MS = 250;

/** A test card's refund reaching its final status: pending → succeeded, or succeeded → failed (the money comes back to the balance). */
async function settleTestRefund(ctx: RequestContext, refundId: string, status: 'succeeded' | 'failed'): Promise<void> {
  const before = await ctx.tx.getForUpdate<Stripe.Refund>('refund', refundId);
  if (!before || before.status === status) return;
  const after: Stripe.Refund = status === 'failed' ? { ...before, status, failure_reason: 'expired_or_canceled_card', failure_balance_transaction: newId('txn') } : { ...before, status };
  await ctx.tx.save(after);
  if (status === 'failed' && typeof before.charge === 'string') {
    const charge = await ctx.tx.getForUpdate<Stripe.Charge>('charge', before.charge);
    if (charge) {
      const restored: Stripe.Charge = { ...charge, amount_refunded: Math.max(0, charge.amount_refunded - before.amount), refunded: false };
      await ctx.tx.save(restored);
    }
  }
  const previous = previousAttributes(before, after);
  await emit(ctx, 'refund.updated', after, previous);
  await emit(ctx, 'charge.refund.updated', after, previous);
  if (status === 'failed') await emit(ctx, 'refund.failed', after, previous);
}

export const refundRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/refunds',
    async handler(ctx) {
      const params = parseParams(
        {
          payment_intent: p.id(),
          charge: p.id(),
          amount: p.int({ min: 1 }),
          reason: p.oneOf(['duplicate', 'fraudulent', 'requested_by_customer'] as const),
          metadata: p.metadata(),
          instructions_email: p.string(),
          refund_application_fee: p.any(),
          reverse_transfer: p.any(),
          origin: p.any(),
        },
        ctx.params,
      );
      if (!params.payment_intent && !params.charge) throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent');
      let chargeId = params.charge;
      if (params.payment_intent) {
        const intent = await mustGet<SandboxPaymentIntent>(ctx, 'payment_intent', params.payment_intent, 'payment_intent', 'payment_intent');
        if (intent.status !== 'succeeded' || typeof intent.latest_charge !== 'string') {
          throw invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`, 'payment_intent', 'charge_not_refundable');
        }
        if (chargeId && chargeId !== intent.latest_charge) throw invalidRequest('The charge does not belong to this PaymentIntent.', 'charge');
        chargeId = intent.latest_charge;
      }
      // The charge row is locked: two refunds at once are serialised, so together they can
      // never exceed what was captured.
      const charge = await mustGet<Stripe.Charge>(ctx, 'charge', String(chargeId), 'charge', 'charge', true);
      const refundable = charge.amount_captured - charge.amount_refunded;
      if (charge.status !== 'succeeded' || !charge.captured) throw invalidRequest(`Charge ${charge.id} has not been captured, so it cannot be refunded.`, 'charge', 'charge_not_refundable');
      if (refundable <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge', 'charge_already_refunded');
      const amount = params.amount ?? refundable;
      if (amount > refundable) {
        throw invalidRequest(
          `Refund amount (${amount} ${charge.currency}) is greater than unrefunded amount on charge (${refundable} ${charge.currency})`,
          'amount',
          'amount_too_large',
        );
      }
      const refund: Stripe.Refund = {
        id: newId('re'),
        object: 'refund',
        amount,
        balance_transaction: newId('txn'),
        charge: charge.id,
        created: nowSeconds(),
        currency: charge.currency,
        customer: charge.customer,
        customer_account: null,
        destination_details: { card: { reference: newId('ref').slice(4, 16), reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
        metadata: mergeMetadata({}, params.metadata),
        payment_intent: charge.payment_intent,
        payment_method: charge.payment_method,
        reason: params.reason ?? null,
        receipt_number: null,
        source_transfer_reversal: null,
        status: 'succeeded',
        transfer_reversal: null,
      };
      const paymentMethod = typeof charge.payment_method === 'string' ? await ctx.tx.get<SandboxPaymentMethod>('payment_method', charge.payment_method) : null;
      const later = paymentMethod?._sandbox.after?.refund;
      if (later === 'pending_then_succeeds') refund.status = 'pending';
      await ctx.tx.insert(refund);
      const refunded: Stripe.Charge = { ...charge, amount_refunded: charge.amount_refunded + amount, refunded: charge.amount_refunded + amount >= charge.amount_captured };
      await ctx.tx.save(refunded);
      await emit(ctx, 'refund.created', refund);
      await emit(ctx, 'charge.refunded', refunded, previousAttributes(charge, refunded));
      // Stripe's "some time later" for the asynchronous refund cards (4000000000007726, 4000000000005126).
      if (later) ctx.later?.push({ delayMs: REFUND_SETTLES_AFTER_MS, run: (next) => settleTestRefund(next, refund.id, later === 'pending_then_succeeds' ? 'succeeded' : 'failed') });
      return refund;
    },
  },
  retrieveRoute('/v1/refunds/:id', 'refund'),
  {
    method: 'POST',
    path: '/v1/refunds/:id',
    async handler(ctx) {
      const params = parseParams({ metadata: p.metadata() }, ctx.params);
      const before = await mustGet<Stripe.Refund>(ctx, 'refund', pathId(ctx), 'refund', 'id', true);
      const after: Stripe.Refund = { ...before, metadata: mergeMetadata(before.metadata, params.metadata) };
      await ctx.tx.save(after);
      await emit(ctx, 'refund.updated', after, previousAttributes(before, after));
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, charge: p.string(), payment_intent: p.string() }, ctx.params);
      return listObjects(ctx, 'refund', '/v1/refunds', params, { charge: params.charge, payment_intent: params.payment_intent });
    },
  },
];
