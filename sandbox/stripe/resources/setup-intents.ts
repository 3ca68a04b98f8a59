import type Stripe from 'stripe';
import type { Store } from '../../store';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { saveSubscription } from '../billing/subscription-cycle';
import { customerTime } from '../billing/clock';
import { CommittedError, invalidRequest, StripeApiError } from '../errors';
import { emit, previousAttributes } from '../events';
import { publicView } from '../expand';
import { newId, randomToken } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, listObjects, mergeMetadata, mustGet, pathId } from './common';
import { attachPaymentMethod, resolvePaymentMethod, type SandboxPaymentMethod } from './payment-methods';
import type { SandboxSubscription } from './subscriptions';

/**
 * SetupIntents: saving a card for later without charging it. requires_payment_method →
 * (confirm) → succeeded | requires_action (3-D Secure, finished on the sandbox's challenge
 * page) | requires_payment_method again with `last_setup_error`; canceled.
 */

export type SandboxSetupIntent = Stripe.SetupIntent & {
  _sandbox?: {
    challenge?: 'pending';
    returnUrl?: string;
    /** The trialing subscription whose `pending_setup_intent` this is. */
    subscription?: string;
  };
};

const CONFIRMABLE: Stripe.SetupIntent.Status[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE: Stripe.SetupIntent.Status[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

function unexpectedSetupState(message: string): StripeApiError {
  return invalidRequest(message, undefined, 'setup_intent_unexpected_state');
}

const CONFIRM_FIELDS = {
  payment_method: p.id(),
  return_url: p.string(),
  use_stripe_sdk: p.bool(),
  mandate_data: p.any(),
  payment_method_data: p.any(),
  payment_method_options: p.any(),
  // The pinned API version's name; `payment_method_types` (older versions) is accepted too.
  allowed_payment_method_types: p.array(p.string()),
  payment_method_types: p.array(p.string()),
  // Sent by Stripe.js alongside a publishable key.
  client_secret: p.string(),
  key: p.any(),
  expected_payment_method_type: p.any(),
};

function checkClientSecret(ctx: RequestContext, intent: Stripe.SetupIntent, given: string | undefined) {
  if (ctx.auth.kind !== 'publishable') return;
  if (!given || given !== intent.client_secret) {
    throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: 'No such setup_intent: the client_secret does not match.', param: 'client_secret' });
  }
}

async function announceChange(ctx: RequestContext, type: 'setup_intent.succeeded' | 'setup_intent.setup_failed' | 'setup_intent.requires_action' | 'setup_intent.canceled', before: SandboxSetupIntent, after: SandboxSetupIntent) {
  await ctx.tx.save(after);
  await emit(ctx, type, publicView(after), publicView(previousAttributes(before, after)));
}

export async function createSetupIntent(
  ctx: RequestContext,
  fields: { customer: string | null; usage: 'on_session' | 'off_session'; created: number; subscription?: string; allowedTypes?: string[] | null } & Partial<
    Pick<Stripe.SetupIntent, 'description' | 'metadata' | 'automatic_payment_methods'>
  >,
): Promise<SandboxSetupIntent> {
  const id = newId('seti');
  const intent: SandboxSetupIntent = {
    id,
    object: 'setup_intent',
    allowed_payment_method_types: fields.allowedTypes ?? null,
    application: null,
    automatic_payment_methods: fields.allowedTypes ? null : (fields.automatic_payment_methods ?? { enabled: true, allow_redirects: 'always' }),
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(25)}`,
    created: fields.created,
    customer: fields.customer,
    description: fields.description ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: fields.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: fields.allowedTypes ?? ['card'],
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: fields.usage,
    ...(fields.subscription ? { _sandbox: { subscription: fields.subscription } } : {}),
  };
  await ctx.tx.insert(intent);
  await emit(ctx, 'setup_intent.created', publicView(intent));
  return intent;
}

/** A subscription's pending SetupIntent succeeded: it is cleared, and may become the default. */
async function settlePendingSetup(ctx: RequestContext, intent: SandboxSetupIntent): Promise<void> {
  const subscriptionId = intent._sandbox?.subscription;
  if (!subscriptionId) return;
  const before = await ctx.tx.getForUpdate<SandboxSubscription>('subscription', subscriptionId);
  if (!before || before.pending_setup_intent !== intent.id) return;
  const saveDefault = before.payment_settings?.save_default_payment_method === 'on_subscription' && typeof intent.payment_method === 'string';
  await saveSubscription(ctx, before, {
    ...before,
    pending_setup_intent: null,
    ...(saveDefault ? { default_payment_method: intent.payment_method } : {}),
  });
}

/**
 * Sets a card up through its test behaviour: 3-D Secure where the card asks for it (an
 * authenticated card then works off-session), a declined card fails, any other succeeds and is
 * attached to the intent's customer.
 */
export async function runSetup(ctx: RequestContext, before: SandboxSetupIntent, paymentMethod: SandboxPaymentMethod, authenticated: boolean): Promise<SandboxSetupIntent | CommittedError> {
  const behaviour = paymentMethod._sandbox.behaviour;
  if ((behaviour.kind === 'authenticate_on_setup' || behaviour.kind === 'authenticate_always' || behaviour.kind === 'authenticate_on_session') && !authenticated) {
    const challengeUrl = `${ctx.baseUrl}/3ds/challenge/${before.id}?client_secret=${encodeURIComponent(before.client_secret ?? '')}`;
    const returnUrl = before._sandbox?.returnUrl;
    const after: SandboxSetupIntent = {
      ...before,
      status: 'requires_action',
      payment_method: paymentMethod.id,
      next_action: returnUrl
        ? { type: 'redirect_to_url', redirect_to_url: { url: `${challengeUrl}&return_url=${encodeURIComponent(returnUrl)}`, return_url: returnUrl } }
        : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: challengeUrl, source: paymentMethod.id } },
      last_setup_error: null,
      _sandbox: { ...before._sandbox, challenge: 'pending' },
    };
    await announceChange(ctx, 'setup_intent.requires_action', before, after);
    return after;
  }
  // Radar screens SetupIntents too: a blocked card cannot be saved.
  if (behaviour.kind === 'declines' || behaviour.kind === 'blocked') {
    const lastSetupError: Stripe.SetupIntent.LastSetupError = {
      type: 'card_error',
      code: behaviour.code,
      decline_code: behaviour.declineCode,
      message: behaviour.message,
      doc_url: `https://stripe.com/docs/error-codes/${behaviour.code.replaceAll('_', '-')}`,
      payment_method: publicView(paymentMethod),
    };
    const after: SandboxSetupIntent = { ...before, status: 'requires_payment_method', payment_method: null, next_action: null, last_setup_error: lastSetupError, _sandbox: { ...before._sandbox, challenge: undefined } };
    await announceChange(ctx, 'setup_intent.setup_failed', before, after);
    return new CommittedError(
      new StripeApiError(402, {
        type: 'card_error',
        code: behaviour.code,
        decline_code: behaviour.declineCode,
        message: behaviour.message,
        doc_url: lastSetupError.doc_url,
        setup_intent: publicView(after),
        payment_method: publicView(paymentMethod),
      }),
    );
  }
  let saved = paymentMethod;
  const customer = typeof before.customer === 'string' ? before.customer : (before.customer?.id ?? null);
  if (customer) saved = await attachPaymentMethod(ctx, saved, customer);
  // Setting a card up for off-session use is what lets 4000002500003155 pay later without a challenge.
  if (before.usage === 'off_session' && !saved._sandbox.offSessionReady) {
    saved = { ...saved, _sandbox: { ...saved._sandbox, offSessionReady: true } };
    await ctx.tx.save(saved);
  }
  const after: SandboxSetupIntent = { ...before, status: 'succeeded', payment_method: saved.id, next_action: null, last_setup_error: null, _sandbox: { ...before._sandbox, challenge: undefined } };
  await announceChange(ctx, 'setup_intent.succeeded', before, after);
  await settlePendingSetup(ctx, after);
  return after;
}

async function confirm(ctx: RequestContext, before: SandboxSetupIntent, params: { payment_method?: string; return_url?: string; use_stripe_sdk?: boolean }): Promise<SandboxSetupIntent | CommittedError> {
  if (!CONFIRMABLE.includes(before.status)) {
    throw unexpectedSetupState(
      before.status === 'succeeded'
        ? 'You cannot confirm this SetupIntent because it has already succeeded.'
        : `You cannot confirm this SetupIntent because it has a status of ${before.status}.`,
    );
  }
  const paymentMethodId = params.payment_method ?? (typeof before.payment_method === 'string' ? before.payment_method : null);
  if (!paymentMethodId) {
    throw invalidRequest(
      "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
      'payment_method',
      'setup_intent_unexpected_state',
    );
  }
  const paymentMethod = await resolvePaymentMethod(ctx, paymentMethodId);
  const customer = typeof before.customer === 'string' ? before.customer : null;
  if (paymentMethod.customer && customer && paymentMethod.customer !== customer) {
    throw invalidRequest('The provided PaymentMethod belongs to a different customer than this SetupIntent.', 'payment_method');
  }
  const confirmed: SandboxSetupIntent = {
    ...before,
    payment_method: paymentMethod.id,
    // As for PaymentIntents: Stripe.js (use_stripe_sdk) gets the modal challenge even when a
    // return_url came along; only without it is 3-D Secure a redirect.
    _sandbox: { ...before._sandbox, returnUrl: params.use_stripe_sdk ? undefined : (params.return_url ?? before._sandbox?.returnUrl) },
  };
  return runSetup(ctx, confirmed, paymentMethod, false);
}

/** The 3-D Secure page's "Complete" or "Fail" for a SetupIntent (three-d-secure.ts). */
export async function finishSetupChallenge(
  store: Store,
  intentId: string,
  clientSecret: string,
  outcome: 'complete' | 'fail',
  baseUrl: string,
): Promise<{ intent: SandboxSetupIntent; raisedEvents: string[] }> {
  const raisedEvents: string[] = [];
  const intent = await store.tx(async (tx) => {
    const ctx: RequestContext = { tx, auth: { kind: 'publishable', key: 'pk_test_3ds' }, requestId: `req_${randomToken(14)}`, idempotencyKey: null, params: {}, path: [], raisedEvents, baseUrl };
    const before = await tx.getForUpdate<SandboxSetupIntent>('setup_intent', intentId);
    if (!before || before.client_secret !== clientSecret) throw new StripeApiError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such setup_intent: '${intentId}'` });
    if (before.status !== 'requires_action' || before._sandbox?.challenge !== 'pending') {
      throw unexpectedSetupState(`This SetupIntent has no 3-D Secure challenge in progress (status ${before.status}).`);
    }
    const paymentMethod = await tx.getForUpdate<SandboxPaymentMethod>('payment_method', String(before.payment_method));
    if (!paymentMethod) throw invalidRequest('The payment method of this SetupIntent no longer exists.');
    if (outcome === 'complete') {
      const result = await runSetup(ctx, before, paymentMethod, true);
      if (result instanceof CommittedError) return (await tx.get<SandboxSetupIntent>('setup_intent', intentId)) as SandboxSetupIntent;
      return result;
    }
    const after: SandboxSetupIntent = {
      ...before,
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      last_setup_error: {
        type: 'invalid_request_error',
        code: 'setup_intent_authentication_failure',
        message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
        doc_url: 'https://stripe.com/docs/error-codes/setup-intent-authentication-failure',
        payment_method: publicView(paymentMethod),
      },
      _sandbox: { ...before._sandbox, challenge: undefined },
    };
    await announceChange(ctx, 'setup_intent.setup_failed', before, after);
    return after;
  });
  return { intent, raisedEvents };
}

export const setupIntentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/setup_intents',
    async handler(ctx) {
      const params = parseParams(
        {
          ...CONFIRM_FIELDS,
          customer: p.id(),
          usage: p.oneOf(['on_session', 'off_session'] as const),
          confirm: p.bool(),
          automatic_payment_methods: p.object({ enabled: p.bool().req(), allow_redirects: p.oneOf(['always', 'never'] as const) }),
          metadata: p.metadata(),
          description: p.string({ max: 1000 }),
          payment_method_configuration: p.any(),
          attach_to_self: p.any(),
          flow_directions: p.any(),
          single_use: p.any(),
          on_behalf_of: p.any(),
          excluded_payment_method_types: p.any(),
        },
        ctx.params,
      );
      const allowedTypes = params.allowed_payment_method_types ?? params.payment_method_types;
      if (params.automatic_payment_methods?.enabled && allowedTypes) {
        throw invalidRequest('You may only specify one of these parameters: automatic_payment_methods, allowed_payment_method_types.', 'automatic_payment_methods');
      }
      if (params.customer) await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
      if (params.return_url && !params.confirm) throw invalidRequest('You can only pass `return_url` when `confirm=true`.', 'return_url');
      let intent = await createSetupIntent(ctx, {
        customer: params.customer ?? null,
        usage: params.usage ?? 'off_session',
        created: await customerTime(ctx.tx, params.customer),
        description: params.description ?? null,
        metadata: mergeMetadata({}, params.metadata),
        allowedTypes: allowedTypes ?? null,
        automatic_payment_methods: params.automatic_payment_methods
          ? { enabled: params.automatic_payment_methods.enabled, allow_redirects: params.automatic_payment_methods.allow_redirects ?? 'always' }
          : undefined,
      });
      if (params.payment_method) {
        const paymentMethod = await resolvePaymentMethod(ctx, params.payment_method);
        intent = { ...intent, payment_method: paymentMethod.id, status: 'requires_confirmation' };
        await ctx.tx.save(intent);
      }
      if (!params.confirm) return intent;
      return confirm(ctx, intent, { payment_method: params.payment_method ? String(intent.payment_method) : undefined, return_url: params.return_url, use_stripe_sdk: params.use_stripe_sdk });
    },
  },
  {
    method: 'GET',
    path: '/v1/setup_intents/:id',
    publishable: true,
    async handler(ctx) {
      const params = parseParams({ client_secret: p.string(), key: p.any() }, ctx.params);
      const intent = await mustGet<SandboxSetupIntent>(ctx, 'setup_intent', pathId(ctx), 'setup_intent');
      checkClientSecret(ctx, intent, params.client_secret);
      return intent;
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id',
    async handler(ctx) {
      const params = parseParams(
        {
          customer: p.id(),
          payment_method: p.id(),
          allowed_payment_method_types: p.emptyable(p.array(p.string())),
          payment_method_types: p.array(p.string()),
          description: p.emptyable(p.string({ max: 1000 })),
          metadata: p.metadata(),
          payment_method_options: p.any(),
          attach_to_self: p.any(),
          flow_directions: p.any(),
          excluded_payment_method_types: p.any(),
        },
        ctx.params,
      );
      const before = await mustGet<SandboxSetupIntent>(ctx, 'setup_intent', pathId(ctx), 'setup_intent', 'id', true);
      const allowedTypes = params.allowed_payment_method_types !== undefined ? params.allowed_payment_method_types : params.payment_method_types;
      if (!CONFIRMABLE.includes(before.status) && (params.customer || params.payment_method || allowedTypes !== undefined)) {
        throw unexpectedSetupState(`You cannot update this SetupIntent because it has a status of ${before.status}.`);
      }
      if (params.customer) await mustGet<Stripe.Customer>(ctx, 'customer', params.customer, 'customer', 'customer');
      const paymentMethod = params.payment_method ? await resolvePaymentMethod(ctx, params.payment_method) : undefined;
      const after: SandboxSetupIntent = {
        ...before,
        ...(params.customer !== undefined ? { customer: params.customer } : {}),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(allowedTypes !== undefined ? { allowed_payment_method_types: allowedTypes, payment_method_types: allowedTypes ?? ['card'] } : {}),
        ...(paymentMethod ? { payment_method: paymentMethod.id, status: 'requires_confirmation' as const, next_action: null } : {}),
        metadata: mergeMetadata(before.metadata, params.metadata),
      };
      // Like PaymentIntents, SetupIntents have no `updated` event.
      await ctx.tx.save(after);
      return after;
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/confirm',
    publishable: true,
    async handler(ctx) {
      const params = parseParams(CONFIRM_FIELDS, ctx.params);
      const before = await mustGet<SandboxSetupIntent>(ctx, 'setup_intent', pathId(ctx), 'setup_intent', 'id', true);
      checkClientSecret(ctx, before, params.client_secret);
      return confirm(ctx, before, params);
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/cancel',
    async handler(ctx) {
      const params = parseParams({ cancellation_reason: p.oneOf(['abandoned', 'duplicate', 'requested_by_customer'] as const) }, ctx.params);
      const before = await mustGet<SandboxSetupIntent>(ctx, 'setup_intent', pathId(ctx), 'setup_intent', 'id', true);
      if (!CANCELABLE.includes(before.status)) {
        throw unexpectedSetupState(
          `You cannot cancel this SetupIntent because it has a status of ${before.status}. Only a SetupIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
        );
      }
      const after: SandboxSetupIntent = { ...before, status: 'canceled', cancellation_reason: params.cancellation_reason ?? null, next_action: null };
      await announceChange(ctx, 'setup_intent.canceled', before, after);
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/setup_intents',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, customer: p.string(), customer_account: p.any(), payment_method: p.string(), attach_to_self: p.any() }, ctx.params);
      return listObjects(ctx, 'setup_intent', '/v1/setup_intents', params, { customer: params.customer, payment_method: params.payment_method });
    },
  },
];
