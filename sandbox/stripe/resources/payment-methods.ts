import crypto from 'node:crypto';
import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { passesLuhn } from '@/lib/luhn';
import { cardFor, DECLINES, isTestCardNumber, shortcutCard, type TestCard } from '../test-cards';
import { invalidRequest, StripeApiError } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';

/** A stored card PaymentMethod, with the sandbox's private note of how its card behaves. */
export type SandboxPaymentMethod = Stripe.PaymentMethod & {
  _sandbox: {
    behaviour: TestCard['behaviour'];
    /** Authenticated once, so off-session payments work (4000002500003155). */
    offSessionReady: boolean;
    /** What the test card does beyond the payment itself (absent on cards stored before the table grew). */
    after?: Pick<TestCard, 'risk' | 'dispute' | 'refund' | 'bypassPending'>;
  };
};

/** Stripe's `card.checks` for the values given, with the failures a test card forces. */
function checksFor(test: TestCard, cvc: string | undefined, address: Record<string, string> | undefined): Stripe.PaymentMethod.Card.Checks {
  const forced = test.checks ?? {};
  return {
    address_line1_check: address?.line1 ? (forced.line1 ?? 'pass') : null,
    address_postal_code_check: address?.postal_code ? (forced.postalCode ?? 'pass') : null,
    cvc_check: cvc ? (forced.cvc ?? 'pass') : null,
  };
}

const BILLING_DETAILS = p.object({
  name: p.emptyable(p.string()),
  email: p.emptyable(p.string()),
  phone: p.emptyable(p.string()),
  address: p.object({ line1: p.string(), line2: p.string(), city: p.string(), state: p.string(), postal_code: p.string(), country: p.string() }),
});

function cardError(code: string, message: string, param: string): StripeApiError {
  return new StripeApiError(402, { type: 'card_error', code, message, param, doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}` });
}

function fingerprint(number: string): string {
  return crypto.createHash('sha256').update(`billfold-sandbox:${number}`).digest('base64url').slice(0, 16);
}

export async function createCardPaymentMethod(
  ctx: RequestContext,
  card: { number: string; exp_month: number; exp_year: number; cvc?: string },
  billing?: { name?: string | null; email?: string | null; phone?: string | null; address?: Record<string, string> },
  metadata?: Record<string, string> | null,
  /** The row of a `pm_card_…`/`tok_…` shortcut, which may have no number of its own. */
  row?: TestCard,
): Promise<SandboxPaymentMethod> {
  const number = card.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !passesLuhn(number)) throw cardError('incorrect_number', 'Your card number is incorrect.', 'card[number]');
  // As in Stripe's test mode, a real card number is refused where it is tokenised: never stored, never charged.
  if (!row && !isTestCardNumber(number)) {
    const { code, declineCode, message } = DECLINES.testModeLiveCard;
    throw new StripeApiError(402, { type: 'card_error', code, decline_code: declineCode, message, param: 'card[number]', doc_url: 'https://stripe.com/docs/error-codes/card-declined' });
  }
  const now = new Date();
  const year = card.exp_year < 100 ? 2000 + card.exp_year : card.exp_year;
  if (card.exp_month < 1 || card.exp_month > 12) throw cardError('invalid_expiry_month', "Your card's expiration month is invalid.", 'card[exp_month]');
  if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && card.exp_month < now.getUTCMonth() + 1)) {
    throw cardError('invalid_expiry_year', "Your card's expiration year is invalid.", 'card[exp_year]');
  }
  if (card.cvc !== undefined && !/^\d{3,4}$/.test(card.cvc)) throw cardError('invalid_cvc', "Your card's security code is invalid.", 'card[cvc]');
  const test = row ?? cardFor(number);
  const paymentMethod: SandboxPaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...(billing?.address ?? {}) },
      email: billing?.email ?? null,
      name: billing?.name ?? null,
      phone: billing?.phone ?? null,
      tax_id: null,
    },
    card: {
      brand: test.brand,
      checks: checksFor(test, card.cvc, billing?.address),
      country: test.country,
      display_brand: test.brand,
      exp_month: card.exp_month,
      exp_year: year,
      fingerprint: fingerprint(number),
      funding: test.funding,
      generated_from: null,
      last4: number.slice(-4),
      networks: { available: [test.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: test.threeDSecure !== 'not_supported' },
      wallet: null,
    },
    created: nowSeconds(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: mergeMetadata({}, metadata),
    type: 'card',
    // Only cards that ask for 3-D Secure need a first authenticated payment before off-session use.
    _sandbox: {
      behaviour: test.behaviour,
      offSessionReady: test.behaviour.kind !== 'authenticate_on_setup' && test.behaviour.kind !== 'authenticate_always',
      after: { risk: test.risk, dispute: test.dispute, refund: test.refund, bypassPending: test.bypassPending },
    },
  };
  await ctx.tx.insert(paymentMethod);
  return paymentMethod;
}

/**
 * Resolves a `payment_method` parameter: a stored PaymentMethod, or one of Stripe's test
 * shortcuts (`pm_card_visa`, `tok_visa`), which creates a fresh PaymentMethod as Stripe does.
 */
export async function resolvePaymentMethod(ctx: RequestContext, id: string, param = 'payment_method'): Promise<SandboxPaymentMethod> {
  const shortcut = shortcutCard(id);
  if (shortcut) {
    const year = new Date().getUTCFullYear() + 3;
    // A few tokens exist only as tokens (tok_visa_chargeCustomerFailLostCard): they get a Visa test number's digits.
    return createCardPaymentMethod(ctx, { number: shortcut.number ?? '4000000000000002', exp_month: 12, exp_year: year, cvc: '123' }, undefined, undefined, shortcut);
  }
  return mustGet<SandboxPaymentMethod>(ctx, 'payment_method', id, 'PaymentMethod', param, true);
}

export async function attachPaymentMethod(ctx: RequestContext, paymentMethod: SandboxPaymentMethod, customerId: string, param = 'customer'): Promise<SandboxPaymentMethod> {
  await mustGet<Stripe.Customer>(ctx, 'customer', customerId, 'customer', param);
  if (paymentMethod.customer === customerId) return paymentMethod;
  if (paymentMethod.customer) {
    throw invalidRequest('The payment method you provided has already been attached to a customer.', 'payment_method', 'payment_method_unexpected_state');
  }
  const attached: SandboxPaymentMethod = { ...paymentMethod, customer: customerId };
  await ctx.tx.save(attached);
  await emit(ctx, 'payment_method.attached', attached);
  return attached;
}

export const paymentMethodRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_methods',
    publishable: true,
    async handler(ctx) {
      const params = parseParams(
        {
          type: p.oneOf(['card'] as const).req(),
          card: p.object({ number: p.string(), exp_month: p.int(), exp_year: p.int(), cvc: p.string(), token: p.string() }),
          billing_details: BILLING_DETAILS,
          metadata: p.metadata(),
          allow_redisplay: p.oneOf(['always', 'limited', 'unspecified'] as const),
          // Sent by Stripe.js; accepted and ignored.
          guid: p.any(),
          muid: p.any(),
          sid: p.any(),
          payment_user_agent: p.any(),
          time_on_page: p.any(),
          referrer: p.any(),
          key: p.any(),
        },
        ctx.params,
      );
      if (!params.card) throw invalidRequest('Missing required param: card.', 'card');
      if (params.card.token) return resolvePaymentMethod(ctx, params.card.token, 'card[token]');
      if (ctx.auth.kind === 'secret') {
        // As at Stripe: raw card numbers go through Stripe.js (a publishable key), not a server.
        throw new StripeApiError(402, {
          type: 'card_error',
          code: 'card_declined',
          message:
            "Sending credit card numbers directly to the Stripe API is generally unsafe. Use Stripe.js (this sandbox's stand-in) or a test PaymentMethod such as pm_card_visa.",
          param: 'card[number]',
        });
      }
      const { number, exp_month, exp_year, cvc } = params.card;
      if (!number) throw invalidRequest('Missing required param: card[number].', 'card[number]');
      if (exp_month === undefined) throw invalidRequest('Missing required param: card[exp_month].', 'card[exp_month]');
      if (exp_year === undefined) throw invalidRequest('Missing required param: card[exp_year].', 'card[exp_year]');
      return createCardPaymentMethod(ctx, { number, exp_month, exp_year, cvc }, params.billing_details, params.metadata);
    },
  },
  retrieveRoute('/v1/payment_methods/:id', 'payment_method', 'PaymentMethod'),
  {
    method: 'POST',
    path: '/v1/payment_methods/:id',
    async handler(ctx) {
      const params = parseParams({ billing_details: BILLING_DETAILS, metadata: p.metadata(), card: p.object({ exp_month: p.int(), exp_year: p.int() }) }, ctx.params);
      const before = await mustGet<SandboxPaymentMethod>(ctx, 'payment_method', pathId(ctx), 'PaymentMethod', 'id', true);
      const after: SandboxPaymentMethod = {
        ...before,
        metadata: mergeMetadata(before.metadata, params.metadata),
        billing_details: params.billing_details
          ? {
              ...before.billing_details,
              ...(params.billing_details.name !== undefined ? { name: params.billing_details.name } : {}),
              ...(params.billing_details.email !== undefined ? { email: params.billing_details.email } : {}),
              ...(params.billing_details.phone !== undefined ? { phone: params.billing_details.phone } : {}),
              address: { ...before.billing_details.address, ...(params.billing_details.address ?? {}) } as Stripe.Address,
            }
          : before.billing_details,
        card: before.card && params.card ? { ...before.card, exp_month: params.card.exp_month ?? before.card.exp_month, exp_year: params.card.exp_year ?? before.card.exp_year } : before.card,
      };
      await ctx.tx.save(after);
      await emit(ctx, 'payment_method.updated', after, previousAttributes(before, after));
      return after;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    async handler(ctx) {
      const params = parseParams({ customer: p.id().req() }, ctx.params);
      // A test shortcut (`pm_card_chargeCustomerFail`) attaches a fresh PaymentMethod, as at Stripe.
      const paymentMethod = await resolvePaymentMethod(ctx, pathId(ctx));
      return attachPaymentMethod(ctx, paymentMethod, params.customer);
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/detach',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const before = await mustGet<SandboxPaymentMethod>(ctx, 'payment_method', pathId(ctx), 'PaymentMethod', 'payment_method', true);
      if (!before.customer) throw invalidRequest('The payment method you provided is not attached to a customer so detachment is impossible.', undefined, 'payment_method_unexpected_state');
      const after: SandboxPaymentMethod = { ...before, customer: null };
      await ctx.tx.save(after);
      await emit(ctx, 'payment_method.detached', after, { customer: before.customer });
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, customer: p.string(), type: p.oneOf(['card'] as const) }, ctx.params);
      return listObjects(ctx, 'payment_method', '/v1/payment_methods', params, { customer: params.customer, type: params.type });
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, type: p.oneOf(['card'] as const), allow_redisplay: p.any() }, ctx.params);
      const customer = pathId(ctx);
      await mustGet<Stripe.Customer>(ctx, 'customer', customer, 'customer');
      return listObjects(ctx, 'payment_method', `/v1/customers/${customer}/payment_methods`, params, { customer, type: params.type });
    },
  },
];
