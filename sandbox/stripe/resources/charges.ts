import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { customerTime } from '../billing/clock';
import { newId, randomToken } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata } from './common';
import type { SandboxPaymentMethod } from './payment-methods';

export interface ChargeOutcome {
  succeeded: boolean;
  capture: boolean;
  /** `blocked`: Radar stopped the payment before the card network saw it. */
  failure?: { code: string; declineCode: string; message: string; blocked?: boolean };
  threeDSecure?: boolean;
}

const RISK_SCORES = { normal: 12, elevated: 67, highest: 91 } as const;

/** `charge.outcome` as Stripe reports it: authorised, declined by the issuer, or blocked by Radar. */
function outcomeOf(outcome: ChargeOutcome, risk: Stripe.Charge.Outcome['risk_level'] & keyof typeof RISK_SCORES): Stripe.Charge.Outcome {
  const base = { advice_code: null, network_advice_code: null, network_decline_code: null, risk_level: risk, risk_score: RISK_SCORES[risk] };
  if (outcome.succeeded) return { ...base, network_status: 'approved_by_network', reason: risk === 'elevated' ? 'elevated_risk_level' : null, seller_message: 'Payment complete.', type: 'authorized' };
  if (outcome.failure?.blocked) {
    return { ...base, advice_code: 'do_not_try_again', network_status: 'not_sent_to_network', reason: 'highest_risk_level', seller_message: 'Stripe blocked this payment as too risky.', type: 'blocked' };
  }
  return {
    ...base,
    advice_code: 'try_again_later',
    network_status: 'declined_by_network',
    reason: outcome.failure?.declineCode ?? 'generic_decline',
    seller_message: 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
  };
}

/** The charge a PaymentIntent's confirmation makes: succeeded (captured or not) or failed. */
export async function createCharge(ctx: RequestContext, intent: Stripe.PaymentIntent, paymentMethod: SandboxPaymentMethod, outcome: ChargeOutcome): Promise<Stripe.Charge> {
  const card = paymentMethod.card;
  const captured = outcome.succeeded && outcome.capture;
  const charge: Stripe.Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: captured ? intent.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: outcome.succeeded ? newId('txn') : null,
    billing_details: paymentMethod.billing_details,
    calculated_statement_descriptor: 'BILLFOLD SANDBOX',
    captured,
    created: await customerTime(ctx.tx, intent.customer),
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: outcome.failure?.code ?? null,
    failure_message: outcome.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: mergeMetadata({}, intent.metadata),
    on_behalf_of: null,
    outcome: outcomeOf(outcome, paymentMethod._sandbox.after?.risk ?? 'normal'),
    paid: outcome.succeeded,
    payment_intent: intent.id,
    payment_method: paymentMethod.id,
    payment_method_details: {
      type: 'card',
      card: {
        amount_authorized: outcome.succeeded ? intent.amount : null,
        authorization_code: outcome.succeeded ? randomToken(6).toUpperCase() : null,
        brand: card?.brand ?? null,
        checks: card?.checks ?? null,
        country: card?.country ?? null,
        exp_month: card?.exp_month ?? 12,
        exp_year: card?.exp_year ?? 2030,
        fingerprint: card?.fingerprint ?? null,
        funding: card?.funding ?? null,
        installments: null,
        last4: card?.last4 ?? null,
        mandate: null,
        network: card?.brand ?? null,
        network_transaction_id: outcome.succeeded ? randomToken(15) : null,
        regulated_status: 'unregulated',
        three_d_secure: outcome.threeDSecure ? { authentication_flow: 'challenge', electronic_commerce_indicator: '05', result: 'authenticated', result_reason: null, transaction_id: crypto.randomUUID(), version: '2.2.0' } : null,
        wallet: null,
        electronic_commerce_indicator: null,
        transaction_link_id: null,
      },
    } as Stripe.Charge.PaymentMethodDetails,
    presentment_details: undefined,
    radar_options: undefined,
    receipt_email: intent.receipt_email,
    receipt_number: null,
    receipt_url: `http://127.0.0.1/receipts/${randomToken(20)}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: outcome.succeeded ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
  await ctx.tx.insert(charge);
  return charge;
}

export const chargeRoutes: Route[] = [
  retrieveRoute('/v1/charges/:id', 'charge'),
  {
    method: 'GET',
    path: '/v1/charges',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, customer: p.string(), payment_intent: p.string() }, ctx.params);
      return listObjects(ctx, 'charge', '/v1/charges', params, { customer: params.customer, payment_intent: params.payment_intent });
    },
  },
];
