import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { CommittedError, invalidRequest, StripeApiError, unexpectedState } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds, randomToken } from '../ids';
import { p, parseParams } from '../params';
import { settleInvoicePayment } from '../billing/invoicing';
import { createCharge } from './charges';
import { LIST_PARAMS, listObjects, mergeMetadata, mustGet, pathId } from './common';
import { disputeAsTestCardSays } from './disputes';
import type { Decline } from '../test-cards';
import { attachPaymentMethod, resolvePaymentMethod, type SandboxPaymentMethod } from './payment-methods';

/**
 * A PaymentIntent plus the sandbox's note of the 3-D Secure challenge in progress, and of the
 * invoice it pays (the pinned API version links them only through the invoice's `payments`).
 */
export type SandboxPaymentIntent = Stripe.PaymentIntent & {
  _sandbox?: { offSession?: boolean; challenge?: 'pending' | 'completed'; returnUrl?: string; invoice?: string };
};

const CONFIRMABLE: Stripe.PaymentIntent.Status[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
// Stripe cancels a `processing` intent only for a few asynchronous payment methods (some bank
// debits); a card payment in flight cannot be canceled, and cards are all the sandbox emulates.
const CANCELABLE: Stripe.PaymentIntent.Status[] = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action'];

const SHIPPING = p.object({
  name: p.string().req(),
  phone: p.emptyable(p.string()),
  carrier: p.emptyable(p.string()),
  tracking_number: p.emptyable(p.string()),
  address: p.object({ line1: p.string(), line2: p.string(), city: p.string(), state: p.string(), postal_code: p.string(), country: p.string() }).req(),
});

/** The intent's `shipping` as Stripe answers it: every part present, null where not given. */
function shippingOf(given: ReturnType<typeof SHIPPING.parse> | null): Stripe.PaymentIntent.Shipping | null {
  if (!given) return null;
  const { line1 = null, line2 = null, city = null, state = null, postal_code = null, country = null } = given.address;
  return {
    name: given.name,
    phone: given.phone ?? null,
    carrier: given.carrier ?? null,
    tracking_number: given.tracking_number ?? null,
    address: { line1, line2, city, state, postal_code, country },
  };
}

const CONFIRM_FIELDS = {
  payment_method: p.id(),
  return_url: p.string(),
  off_session: p.any(),
  setup_future_usage: p.emptyable(p.oneOf(['on_session', 'off_session'] as const)),
  receipt_email: p.emptyable(p.string()),
  use_stripe_sdk: p.bool(),
  error_on_requires_action: p.bool(),
  capture_method: p.oneOf(['automatic', 'automatic_async', 'manual'] as const),
  payment_method_options: p.any(),
  payment_method_types: p.array(p.string()),
  payment_method_data: p.any(),
  mandate_data: p.any(),
  radar_options: p.any(),
  // Stripe.js sends the Address Element's shipping address (mode: 'shipping') with the confirmation.
  shipping: p.emptyable(SHIPPING),
  // Sent by Stripe.js alongside a publishable key.
  client_secret: p.string(),
  key: p.any(),
  expected_payment_method_type: p.any(),
};

function parseOffSession(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true' || value === 'one_off' || value === 'recurring') return true;
  throw invalidRequest(`Invalid off_session: must be true, false, one_off or recurring`, 'off_session');
}

/** Stripe.js reads and confirms an intent with a publishable key only together with its client secret. */
function checkClientSecret(ctx: RequestContext, intent: { client_secret: string | null }, given: string | undefined) {
  if (ctx.auth.kind !== 'publishable') return;
  if (!given || given !== intent.client_secret) {
    throw new StripeApiError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: 'No such payment_intent: the client_secret does not match.',
      param: 'client_secret',
    });
  }
}

function cardError(intent: Stripe.PaymentIntent, failure: NonNullable<Stripe.PaymentIntent['last_payment_error']>): CommittedError {
  return new CommittedError(
    new StripeApiError(402, {
      type: 'card_error',
      code: failure.code,
      decline_code: failure.decline_code,
      message: failure.message ?? 'Your card was declined.',
      doc_url: failure.doc_url,
      payment_intent: intent,
      payment_method: failure.payment_method,
      charge: typeof failure.charge === 'string' ? failure.charge : undefined,
    }),
  );
}

async function saveAndAnnounce(ctx: RequestContext, before: Stripe.PaymentIntent, after: SandboxPaymentIntent, type?: Parameters<typeof emit>[1]) {
  await ctx.tx.save(after);
  if (type) await emit(ctx, type as 'payment_intent.succeeded', after, previousAttributes(before, after));
}

/** Whether this card asks for 3-D Secure on this payment, before any authentication. */
export function asksForAuthentication(paymentMethod: SandboxPaymentMethod, offSession: boolean): boolean {
  const behaviour = paymentMethod._sandbox.behaviour;
  if (behaviour.kind === 'authenticate_always') return true;
  if (behaviour.kind === 'authenticate_on_setup') return !paymentMethod._sandbox.offSessionReady;
  // 4000003800000446 is set up already: off-session passes, on-session still asks.
  if (behaviour.kind === 'authenticate_on_session') return !offSession;
  return false;
}

/** The decline a card answers with once any authentication is done, or null when it pays. */
function declineOf(paymentMethod: SandboxPaymentMethod): (Decline & { blocked?: boolean }) | null {
  const behaviour = paymentMethod._sandbox.behaviour;
  switch (behaviour.kind) {
    case 'declines':
      return behaviour;
    case 'blocked':
      return { ...behaviour, blocked: true };
    case 'attach_then_decline':
      // Cards stored before the table named the decline declined generically.
      return behaviour.then ?? { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' };
    case 'authenticate_always':
      return behaviour.then ?? null;
    default:
      // Radar's default rule blocks a payment whose CVC check failed (4000000000000101).
      if (paymentMethod.card?.checks?.cvc_check === 'fail') return { code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." };
      return null;
  }
}

/**
 * Takes a confirmed PaymentIntent through its card's behaviour: 3-D Secure, a decline or a Radar
 * block, or a charge that succeeds (then, for the dispute cards, a dispute).
 */
export async function runPayment(ctx: RequestContext, before: SandboxPaymentIntent, paymentMethod: SandboxPaymentMethod, authenticated: boolean): Promise<SandboxPaymentIntent | CommittedError> {
  const offSession = before._sandbox?.offSession ?? false;
  const needsAuthentication = asksForAuthentication(paymentMethod, offSession);

  if (needsAuthentication && !authenticated) {
    // Off-session, a merchant's own PaymentIntent fails; an invoice's (Stripe Billing charging a
    // renewal) waits in requires_action for the customer to authenticate on-session, as at Stripe.
    if (offSession && !before._sandbox?.invoice) {
      return decline(ctx, before, paymentMethod, {
        code: 'authentication_required',
        declineCode: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
      });
    }
    const challengeUrl = `${ctx.baseUrl}/3ds/challenge/${before.id}?client_secret=${encodeURIComponent(before.client_secret ?? '')}`;
    const returnUrl = before._sandbox?.returnUrl;
    const after: SandboxPaymentIntent = {
      ...before,
      status: 'requires_action',
      payment_method: paymentMethod.id,
      next_action: returnUrl
        ? { type: 'redirect_to_url', redirect_to_url: { url: `${challengeUrl}&return_url=${encodeURIComponent(returnUrl)}`, return_url: returnUrl } }
        : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: challengeUrl, source: paymentMethod.id } as unknown as Stripe.PaymentIntent.NextAction.UseStripeSdk },
      last_payment_error: null,
      _sandbox: { ...before._sandbox, challenge: 'pending' },
    };
    await saveAndAnnounce(ctx, before, after, 'payment_intent.requires_action');
    await settleInvoicePayment(ctx, after, 'requires_action');
    return after;
  }

  const failure = declineOf(paymentMethod);
  if (failure) return decline(ctx, before, paymentMethod, failure, authenticated);

  const capture = before.capture_method !== 'manual';
  const charge = await createCharge(ctx, before, paymentMethod, { succeeded: true, capture, threeDSecure: authenticated });
  let paymentMethodAfter = paymentMethod;
  if (before.setup_future_usage && typeof before.customer === 'string') {
    paymentMethodAfter = await attachPaymentMethod(ctx, paymentMethod, before.customer);
  }
  if (authenticated && !paymentMethodAfter._sandbox.offSessionReady) {
    // Once authenticated, a 3-D Secure card can be charged off-session (4000002500003155).
    paymentMethodAfter = { ...paymentMethodAfter, _sandbox: { ...paymentMethodAfter._sandbox, offSessionReady: true } };
    await ctx.tx.save(paymentMethodAfter);
  }
  const after: SandboxPaymentIntent = {
    ...before,
    status: capture ? 'succeeded' : 'requires_capture',
    amount_received: capture ? before.amount : 0,
    amount_capturable: capture ? 0 : before.amount,
    latest_charge: charge.id,
    payment_method: paymentMethod.id,
    next_action: null,
    last_payment_error: null,
    _sandbox: { ...before._sandbox, challenge: authenticated ? 'completed' : before._sandbox?.challenge },
  };
  await ctx.tx.save(after);
  await emit(ctx, 'charge.succeeded', charge);
  if (capture) await emit(ctx, 'payment_intent.succeeded', after, previousAttributes(before, after));
  else await emit(ctx, 'payment_intent.amount_capturable_updated', after, previousAttributes(before, after));
  if (capture) await settleInvoicePayment(ctx, after, 'succeeded');
  // Cards stored before the table grew said "succeeds_then_disputed" for 4000000000000259.
  const dispute = paymentMethod._sandbox.after?.dispute ?? ((paymentMethod._sandbox.behaviour.kind as string) === 'succeeds_then_disputed' ? 'fraudulent' : undefined);
  if (dispute && capture) await disputeAsTestCardSays(ctx, charge, dispute);
  return after;
}

async function decline(
  ctx: RequestContext,
  before: SandboxPaymentIntent,
  paymentMethod: SandboxPaymentMethod,
  failure: Decline & { blocked?: boolean },
  authenticated = false,
): Promise<CommittedError> {
  const charge = await createCharge(ctx, before, paymentMethod, { succeeded: false, capture: false, failure, threeDSecure: authenticated });
  const lastPaymentError: NonNullable<Stripe.PaymentIntent['last_payment_error']> = {
    type: 'card_error',
    code: failure.code,
    decline_code: failure.declineCode,
    message: failure.message,
    doc_url: `https://stripe.com/docs/error-codes/${failure.code.replaceAll('_', '-')}`,
    charge: charge.id,
    payment_method: paymentMethod,
  };
  const after: SandboxPaymentIntent = {
    ...before,
    status: 'requires_payment_method',
    latest_charge: charge.id,
    // As at Stripe, a failed attempt detaches the payment method from the intent.
    payment_method: null,
    next_action: null,
    last_payment_error: lastPaymentError,
    _sandbox: { ...before._sandbox, challenge: undefined },
  };
  await ctx.tx.save(after);
  await emit(ctx, 'charge.failed', charge);
  await emit(ctx, 'payment_intent.payment_failed', after, previousAttributes(before, after));
  await settleInvoicePayment(ctx, after, 'failed');
  return cardError(after, lastPaymentError);
}

async function confirm(ctx: RequestContext, before: SandboxPaymentIntent, params: ReturnType<typeof parseConfirm>): Promise<SandboxPaymentIntent | CommittedError> {
  if (!CONFIRMABLE.includes(before.status)) {
    throw unexpectedState(
      before.status === 'succeeded'
        ? 'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.'
        : `You cannot confirm this PaymentIntent because it has a status of ${before.status}.`,
    );
  }
  const paymentMethodId = params.payment_method ?? (typeof before.payment_method === 'string' ? before.payment_method : null);
  if (!paymentMethodId) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  const paymentMethod = await resolvePaymentMethod(ctx, paymentMethodId);
  if (paymentMethod.customer && before.customer && paymentMethod.customer !== before.customer) {
    throw invalidRequest('The provided PaymentMethod belongs to a different customer than this PaymentIntent.', 'payment_method');
  }
  if (paymentMethod.customer && !before.customer && ctx.auth.kind === 'secret') {
    throw invalidRequest(
      'The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, shared with a connected account without Customer attachment, or was detached from a Customer. It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first.',
      'payment_method',
    );
  }
  const offSession = params.off_session;
  if (offSession && !before.customer) throw invalidRequest('When off_session is true, a customer is required.', 'off_session');
  const confirmed: SandboxPaymentIntent = {
    ...before,
    payment_method: paymentMethod.id,
    ...(params.receipt_email !== undefined ? { receipt_email: params.receipt_email } : {}),
    ...(params.setup_future_usage !== undefined ? { setup_future_usage: params.setup_future_usage } : {}),
    ...(params.capture_method !== undefined ? { capture_method: params.capture_method } : {}),
    ...(params.shipping !== undefined ? { shipping: shippingOf(params.shipping) } : {}),
    // With use_stripe_sdk (Stripe.js), Stripe answers a 3-D Secure challenge with a use_stripe_sdk
    // next action for its modal even when a return_url came along; only without it a redirect.
    _sandbox: { ...before._sandbox, offSession, returnUrl: params.use_stripe_sdk ? undefined : params.return_url },
  };
  if (params.error_on_requires_action) {
    if (asksForAuthentication(paymentMethod, offSession)) {
      return decline(ctx, confirmed, paymentMethod, { code: 'authentication_required', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' });
    }
  }
  return runPayment(ctx, confirmed, paymentMethod, false);
}

/** A PaymentIntent awaiting a payment method, with Stripe's defaults; `fields` set the rest. */
export function newPaymentIntent(
  fields: Pick<SandboxPaymentIntent, 'amount' | 'currency'> & Partial<Omit<SandboxPaymentIntent, 'id' | 'object' | 'client_secret'>>,
): SandboxPaymentIntent {
  const id = newId('pi');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { enabled: true, allow_redirects: 'always' },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${randomToken(25)}`,
    confirmation_method: 'automatic',
    created: nowSeconds(),
    customer: null,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    ...fields,
  };
}

/** Confirms an intent from the server as `/confirm` would (invoices paying themselves). */
export function confirmPaymentIntent(ctx: RequestContext, before: SandboxPaymentIntent, paymentMethod: string, offSession: boolean): Promise<SandboxPaymentIntent | CommittedError> {
  return confirm(ctx, before, { payment_method: paymentMethod, off_session: offSession });
}

function parseConfirm(ctx: RequestContext) {
  const params = parseParams(CONFIRM_FIELDS, ctx.params);
  return { ...params, off_session: parseOffSession(params.off_session) };
}

export const paymentIntentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_intents',
    async handler(ctx) {
      const params = parseParams(
        {
          ...CONFIRM_FIELDS,
          amount: p.int({ min: 1, max: 99999999 }).req(),
          currency: p.currency().req(),
          customer: p.id(),
          description: p.string({ max: 1000 }),
          metadata: p.metadata(),
          confirm: p.bool(),
          confirmation_method: p.oneOf(['automatic', 'manual'] as const),
          automatic_payment_methods: p.object({ enabled: p.bool().req(), allow_redirects: p.oneOf(['always', 'never'] as const) }),
          statement_descriptor: p.string({ max: 22 }),
          statement_descriptor_suffix: p.string({ max: 22 }),
          excluded_payment_method_types: p.array(p.string()),
          payment_method_configuration: p.any(),
          application_fee_amount: p.any(),
          transfer_data: p.any(),
          on_behalf_of: p.any(),
          transfer_group: p.any(),
          hooks: p.any(),
        },
        ctx.params,
      );
      if (params.automatic_payment_methods?.enabled && params.payment_method_types) {
        throw invalidRequest('You may only specify one of these parameters: automatic_payment_methods, payment_method_types.', 'automatic_payment_methods');
      }
      if (params.customer) await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
      const intent = newPaymentIntent({
        amount: params.amount,
        currency: params.currency,
        automatic_payment_methods: params.automatic_payment_methods
          ? { enabled: params.automatic_payment_methods.enabled, allow_redirects: params.automatic_payment_methods.allow_redirects ?? 'always' }
          : params.payment_method_types
            ? null
            : { enabled: true, allow_redirects: 'always' },
        capture_method: params.capture_method ?? 'automatic_async',
        confirmation_method: params.confirmation_method ?? 'automatic',
        customer: params.customer ?? null,
        description: params.description ?? null,
        excluded_payment_method_types: params.excluded_payment_method_types ?? null,
        metadata: mergeMetadata({}, params.metadata),
        payment_method_types: params.payment_method_types ?? ['card'],
        receipt_email: params.receipt_email ?? null,
        setup_future_usage: params.setup_future_usage ?? null,
        statement_descriptor: params.statement_descriptor ?? null,
        statement_descriptor_suffix: params.statement_descriptor_suffix ?? null,
      });
      if (params.payment_method) {
        const paymentMethod = await resolvePaymentMethod(ctx, params.payment_method);
        intent.payment_method = paymentMethod.id;
        intent.status = 'requires_confirmation';
      }
      await ctx.tx.insert(intent);
      await emit(ctx, 'payment_intent.created', intent);
      if (!params.confirm) return intent;
      return confirm(ctx, intent, { ...params, payment_method: typeof intent.payment_method === 'string' ? intent.payment_method : undefined, off_session: parseOffSession(params.off_session) });
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    publishable: true,
    async handler(ctx) {
      const params = parseParams({ client_secret: p.string(), key: p.any() }, ctx.params);
      const intent = await mustGet<SandboxPaymentIntent>(ctx, 'payment_intent', pathId(ctx), 'payment_intent');
      checkClientSecret(ctx, intent, params.client_secret);
      return intent;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id',
    async handler(ctx) {
      const params = parseParams(
        {
          amount: p.int({ min: 1, max: 99999999 }),
          currency: p.currency(),
          customer: p.id(),
          description: p.emptyable(p.string({ max: 1000 })),
          metadata: p.metadata(),
          payment_method: p.id(),
          payment_method_types: p.array(p.string()),
          receipt_email: p.emptyable(p.string()),
          setup_future_usage: p.emptyable(p.oneOf(['on_session', 'off_session'] as const)),
          capture_method: p.oneOf(['automatic', 'automatic_async', 'manual'] as const),
          statement_descriptor: p.string({ max: 22 }),
          statement_descriptor_suffix: p.string({ max: 22 }),
          payment_method_options: p.any(),
          shipping: p.any(),
        },
        ctx.params,
      );
      const before = await mustGet<SandboxPaymentIntent>(ctx, 'payment_intent', pathId(ctx), 'payment_intent', 'id', true);
      const changesMoney = params.amount !== undefined || params.currency !== undefined || params.payment_method !== undefined || params.customer !== undefined;
      if (before._sandbox?.invoice && (params.amount !== undefined || params.currency !== undefined || params.customer !== undefined)) {
        throw invalidRequest(`This PaymentIntent pays invoice ${before._sandbox.invoice}: its amount, currency and customer follow the invoice and cannot be updated.`);
      }
      if (changesMoney && !CONFIRMABLE.includes(before.status)) {
        throw unexpectedState(`You cannot update this PaymentIntent's amount, currency, customer or payment method because it has a status of ${before.status}.`);
      }
      if (params.customer) await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
      const paymentMethod = params.payment_method ? await resolvePaymentMethod(ctx, params.payment_method) : undefined;
      const after: SandboxPaymentIntent = {
        ...before,
        ...(params.amount !== undefined ? { amount: params.amount } : {}),
        ...(params.currency !== undefined ? { currency: params.currency } : {}),
        ...(params.customer !== undefined ? { customer: params.customer } : {}),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.receipt_email !== undefined ? { receipt_email: params.receipt_email } : {}),
        ...(params.setup_future_usage !== undefined ? { setup_future_usage: params.setup_future_usage } : {}),
        ...(params.capture_method !== undefined ? { capture_method: params.capture_method } : {}),
        ...(params.statement_descriptor !== undefined ? { statement_descriptor: params.statement_descriptor } : {}),
        ...(params.payment_method_types !== undefined ? { payment_method_types: params.payment_method_types } : {}),
        ...(paymentMethod ? { payment_method: paymentMethod.id, status: 'requires_confirmation' as const } : {}),
        metadata: mergeMetadata(before.metadata, params.metadata),
      };
      // A changed amount or payment method abandons a pending 3-D Secure challenge.
      if (before.status === 'requires_action' && changesMoney) {
        after.status = after.payment_method ? 'requires_confirmation' : 'requires_payment_method';
        after.next_action = null;
      }
      // Stripe has no payment_intent.updated event: updates are silent.
      await ctx.tx.save(after);
      return after;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    publishable: true,
    async handler(ctx) {
      const params = parseConfirm(ctx);
      const before = await mustGet<SandboxPaymentIntent>(ctx, 'payment_intent', pathId(ctx), 'payment_intent', 'id', true);
      checkClientSecret(ctx, before, params.client_secret);
      return confirm(ctx, before, params);
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/cancel',
    async handler(ctx) {
      const params = parseParams({ cancellation_reason: p.oneOf(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const) }, ctx.params);
      const before = await mustGet<SandboxPaymentIntent>(ctx, 'payment_intent', pathId(ctx), 'payment_intent', 'id', true);
      if (before._sandbox?.invoice) {
        throw unexpectedState(`This PaymentIntent pays invoice ${before._sandbox.invoice}; void the invoice instead of canceling its PaymentIntent.`);
      }
      if (!CANCELABLE.includes(before.status)) {
        throw unexpectedState(
          `You cannot cancel this PaymentIntent because it has a status of ${before.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
        );
      }
      const after: SandboxPaymentIntent = {
        ...before,
        status: 'canceled',
        canceled_at: nowSeconds(),
        cancellation_reason: params.cancellation_reason ?? null,
        amount_capturable: 0,
        next_action: null,
      };
      await ctx.tx.save(after);
      await emit(ctx, 'payment_intent.canceled', after, previousAttributes(before, after));
      return after;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/capture',
    async handler(ctx) {
      const params = parseParams({ amount_to_capture: p.int({ min: 1 }), metadata: p.metadata(), final_capture: p.bool(), statement_descriptor: p.any() }, ctx.params);
      const before = await mustGet<SandboxPaymentIntent>(ctx, 'payment_intent', pathId(ctx), 'payment_intent', 'id', true);
      if (before.status !== 'requires_capture') {
        throw unexpectedState(`This PaymentIntent could not be captured because it has a status of ${before.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`);
      }
      const amount = params.amount_to_capture ?? before.amount_capturable;
      if (amount > before.amount_capturable) {
        throw invalidRequest(`The amount to capture (${amount}) is greater than the amount capturable (${before.amount_capturable}).`, 'amount_to_capture', 'amount_too_large');
      }
      const charge = await mustGet<Stripe.Charge>(ctx, 'charge', String(before.latest_charge), 'charge', 'id', true);
      const capturedCharge: Stripe.Charge = { ...charge, captured: true, amount_captured: amount };
      await ctx.tx.save(capturedCharge);
      const after: SandboxPaymentIntent = { ...before, status: 'succeeded', amount_received: amount, amount_capturable: 0, metadata: mergeMetadata(before.metadata, params.metadata) };
      await ctx.tx.save(after);
      await emit(ctx, 'charge.captured', capturedCharge, previousAttributes(charge, capturedCharge));
      await emit(ctx, 'payment_intent.succeeded', after, previousAttributes(before, after));
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, customer: p.string() }, ctx.params);
      return listObjects(ctx, 'payment_intent', '/v1/payment_intents', params, { customer: params.customer });
    },
  },
];
