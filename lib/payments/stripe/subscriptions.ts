import Stripe from 'stripe';
import { money } from '@/lib/money';
import type { PlanPriceRequest, SubscriptionCardsApi, SubscriptionPriceChangesApi, SubscriptionsApi } from '@/lib/payments/provider';
import {
  PaymentDeclinedError,
  type InvoiceStatus,
  type PaymentStatus,
  type ProviderCard,
  type ProviderCardUpdate,
  type ProviderInvoice,
  type ProviderInvoicePayment,
  type ProviderPriceRef,
  type ProviderSubscription,
  type SubscriptionCheckout,
  type SubscriptionStatus,
} from '@/lib/payments/types';
import { call, date, idOf, isMissing, oneOf } from './common';

/**
 * Subscriptions on Stripe (or the sandbox). Stripe's objects are read here and leave as
 * Billfold's own types (lib/payments/types.ts): a card update is a SetupIntent, a pending
 * change is carried by a subscription schedule, an invoice is paid with its PaymentIntent.
 *
 * Idempotency keys are made by the callers in lib/billing from our ids; the ones this file
 * makes for the second of two calls add a suffix to the caller's key, so a retried action
 * replays both steps rather than doing either twice.
 */

const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'paused'];
const INVOICE_STATUSES: readonly InvoiceStatus[] = ['draft', 'open', 'paid', 'uncollectible', 'void'];
const PAYMENT_STATUSES: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'succeeded', 'canceled'];

/** What a subscription read expands: the cards it may be charged to, and the schedule carrying a later change. */
export const SUBSCRIPTION_EXPAND = ['default_payment_method', 'customer.invoice_settings.default_payment_method', 'schedule'];

/** Purpose noted on SetupIntents that save a new card from the portal. */
export const NEW_CARD_PURPOSE = 'billfold_card_update';

function cardFrom(paymentMethod: string | Stripe.PaymentMethod | null | undefined): ProviderCard | null {
  if (!paymentMethod || typeof paymentMethod === 'string' || !paymentMethod.card) return null;
  const { card } = paymentMethod;
  return { id: paymentMethod.id, brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year, created: new Date(paymentMethod.created * 1000) };
}

function priceRef(price: string | Stripe.Price | Stripe.DeletedPrice): ProviderPriceRef {
  if (typeof price === 'string') return { id: price, lookupKey: null };
  return { id: price.id, lookupKey: 'lookup_key' in price ? price.lookup_key : null };
}

/** The phase after the current one, when a schedule plans a different price for it. */
function pendingChangeFrom(schedule: string | Stripe.SubscriptionSchedule | null, currentPriceId: string): ProviderSubscription['pendingChange'] {
  if (!schedule || typeof schedule === 'string' || !['active', 'not_started'].includes(schedule.status)) return null;
  const currentEnd = schedule.current_phase?.end_date ?? null;
  const next = schedule.phases.find((phase) => currentEnd !== null && phase.start_date >= currentEnd);
  const item = next?.items[0];
  if (!next || !item) return null;
  const price = priceRef(item.price);
  return price.id === currentPriceId ? null : { price, effectiveAt: new Date(next.start_date * 1000) };
}

export function subscriptionFrom(subscription: Stripe.Subscription): ProviderSubscription {
  const status = oneOf(SUBSCRIPTION_STATUSES, subscription.status, `subscription ${subscription.id}`);
  const item = subscription.items.data[0];
  if (!item) throw new Error(`subscription ${subscription.id} has no items`);
  const customer = subscription.customer;
  const customerDefault = typeof customer === 'object' && !customer.deleted ? customer.invoice_settings.default_payment_method : null;
  const customerId = idOf(customer);
  if (!customerId) throw new Error(`subscription ${subscription.id} has no customer`);
  return {
    provider: 'stripe',
    id: subscription.id,
    customerId,
    status,
    itemId: item.id,
    price: priceRef(item.price),
    quantity: item.quantity ?? 1,
    created: new Date(subscription.created * 1000),
    // Since API version 2025-03-31 the billing period is the items'.
    currentPeriodStart: date(item.current_period_start),
    currentPeriodEnd: date(item.current_period_end),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: date(subscription.cancel_at),
    canceledAt: date(subscription.canceled_at),
    endedAt: date(subscription.ended_at),
    trialStart: date(subscription.trial_start),
    trialEnd: date(subscription.trial_end),
    paymentMethod: cardFrom(subscription.default_payment_method) ?? cardFrom(customerDefault),
    wallet: null,
    latestInvoiceId: idOf(subscription.latest_invoice),
    pendingCardUpdateId: idOf(subscription.pending_setup_intent),
    changeCarrierId: idOf(subscription.schedule),
    pendingChange: pendingChangeFrom(subscription.schedule, item.price.id),
  };
}

export function invoiceFrom(invoice: Stripe.Invoice, intent: Stripe.PaymentIntent | null): ProviderInvoice {
  const status = oneOf(INVOICE_STATUSES, invoice.status ?? '', `invoice ${invoice.id}`);
  const customerId = idOf(invoice.customer);
  if (!customerId || !invoice.id) throw new Error(`invoice ${invoice.id} has no customer`);
  const currency = invoice.currency;
  let payment: ProviderInvoicePayment | null = null;
  if (intent) {
    payment = {
      id: intent.id,
      status: oneOf(PAYMENT_STATUSES, intent.status, `PaymentIntent ${intent.id}`),
      savesCard: intent.setup_future_usage === 'off_session',
      card: cardFrom(intent.payment_method),
      failureMessage: intent.last_payment_error?.message ?? null,
    };
  }
  return {
    provider: 'stripe',
    id: invoice.id,
    customerId,
    subscriptionId: idOf(invoice.parent?.subscription_details?.subscription),
    number: invoice.number,
    status,
    amountDue: money(invoice.amount_due, currency),
    amountPaid: money(invoice.amount_paid, currency),
    amountRemaining: money(invoice.amount_remaining, currency),
    amountRefunded: money(refundedFrom(intent), currency),
    created: new Date(invoice.created * 1000),
    dueDate: date(invoice.due_date),
    paidAt: date(invoice.status_transitions.paid_at),
    periodStart: date(invoice.period_start),
    periodEnd: date(invoice.period_end),
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdf: invoice.invoice_pdf ?? null,
    billingReason: invoice.billing_reason,
    attemptCount: invoice.attempt_count,
    nextPaymentAttempt: date(invoice.next_payment_attempt),
    payment,
  };
}

/**
 * What went back from the invoice's payment: refunds are made on the PaymentIntent's charge
 * (Stripe's invoice keeps `amount_paid` as it was), read with `latest_charge` expanded.
 */
function refundedFrom(intent: Stripe.PaymentIntent | null): number {
  const charge = intent?.latest_charge;
  return charge && typeof charge === 'object' ? charge.amount_refunded : 0;
}

/** Stripe's SetupIntent statuses as a card update's: still with the person, with Stripe, done, or dropped. */
const CARD_UPDATE_STATUSES: Partial<Record<string, ProviderCardUpdate['status']>> = {
  requires_payment_method: 'open',
  requires_confirmation: 'open',
  requires_action: 'open',
  processing: 'processing',
  succeeded: 'succeeded',
  canceled: 'canceled',
};

function cardUpdateFrom(intent: Stripe.SetupIntent): ProviderCardUpdate {
  if (!intent.client_secret) throw new Error(`SetupIntent ${intent.id} came back without a client secret`);
  const status = CARD_UPDATE_STATUSES[intent.status];
  if (!status) throw new Error(`SetupIntent ${intent.id} has an unknown status ${intent.status}`);
  return {
    id: intent.id,
    customerId: idOf(intent.customer),
    status,
    cardId: idOf(intent.payment_method),
    handoff: { kind: 'client_secret', clientSecret: intent.client_secret },
    purpose: intent.metadata?.purpose ?? null,
  };
}

/** The PaymentIntent collecting an invoice (its default payment), with the card it used and its charge (what was refunded). */
async function invoiceIntent(client: Stripe, invoice: Stripe.Invoice): Promise<Stripe.PaymentIntent | null> {
  const payment = invoice.payments?.data.find((candidate) => candidate.is_default) ?? invoice.payments?.data[0];
  const intentId = payment?.payment.type === 'payment_intent' ? idOf(payment.payment.payment_intent) : null;
  return intentId ? call(() => client.paymentIntents.retrieve(intentId, { expand: ['payment_method', 'latest_charge'] })) : null;
}

/**
 * A card error on a change that had to be paid at once (`error_if_incomplete`): Stripe rolled
 * the change back, and the subscriber is told why.
 */
function declined(error: unknown): never {
  if (error instanceof Stripe.errors.StripeCardError) throw new PaymentDeclinedError(error.message, error.decline_code ?? error.code ?? 'card_declined');
  throw error;
}

/** Subscriptions on Stripe (or the sandbox), through the given SDK client. */
export function stripeSubscriptions(client: Stripe): SubscriptionsApi {
  const retrieve = async (id: string) => subscriptionFrom(await call(() => client.subscriptions.retrieve(id, { expand: SUBSCRIPTION_EXPAND })));

  async function checkoutOf(subscription: Stripe.Subscription): Promise<SubscriptionCheckout> {
    const view = subscriptionFrom(subscription);
    const setup = subscription.pending_setup_intent;
    if (setup && typeof setup === 'object' && setup.client_secret && !['succeeded', 'canceled'].includes(setup.status)) {
      return { subscription: view, pending: { step: 'card', handoff: { kind: 'client_secret', clientSecret: setup.client_secret } } };
    }
    const invoice = subscription.latest_invoice;
    const secret = invoice && typeof invoice === 'object' && invoice.status === 'open' ? invoice.confirmation_secret?.client_secret : null;
    if (view.status === 'incomplete' && secret) return { subscription: view, pending: { step: 'payment', handoff: { kind: 'client_secret', clientSecret: secret } } };
    return { subscription: view, pending: null };
  }

  const CHECKOUT_EXPAND = [...SUBSCRIPTION_EXPAND, 'latest_invoice.confirmation_secret', 'pending_setup_intent'];

  const priceChanges: SubscriptionPriceChangesApi = {
  async changePriceNow(subscription, priceId, idempotencyKey) {
    if (subscription.changeCarrierId) {
      // A change planned for later would undo this one at the period end.
      await call(() => client.subscriptionSchedules.release(subscription.changeCarrierId!, {}, { idempotencyKey: `${idempotencyKey}:release` }));
    }
    try {
      await call(() =>
        client.subscriptions.update(
          subscription.id,
          {
            items: [{ id: subscription.itemId, price: priceId }],
            // Upgrades are charged now: the prorations are invoiced and paid with the saved card
            // at once, and a card that fails leaves the subscription as it was.
            proration_behavior: 'always_invoice',
            payment_behavior: 'error_if_incomplete',
          },
          { idempotencyKey },
        ),
      );
    } catch (error) {
      // The card was declined and the plan stays as it was: so does the downgrade that was
      // planned for the period end, which releasing the schedule above had dropped.
      if (error instanceof Stripe.errors.StripeCardError && subscription.changeCarrierId && subscription.pendingChange) {
        await priceChanges.changePriceAtPeriodEnd(await retrieve(subscription.id), subscription.pendingChange.price.id, `${idempotencyKey}:restore`);
      }
      declined(error);
    }
    return retrieve(subscription.id);
  },

  async changePriceAtPeriodEnd(subscription, priceId, idempotencyKey) {
    const scheduleId =
      subscription.changeCarrierId ??
      (await call(() => client.subscriptionSchedules.create({ from_subscription: subscription.id }, { idempotencyKey: `${idempotencyKey}:schedule` }))).id;
    const schedule = await call(() => client.subscriptionSchedules.retrieve(scheduleId));
    const current = schedule.current_phase;
    const { recurring } = await call(() => client.prices.retrieve(priceId));
    if (!current || !subscription.currentPeriodEnd || !recurring) throw new Error(`subscription ${subscription.id} has no current phase to change after`);
    const periodEnd = Math.floor(subscription.currentPeriodEnd.getTime() / 1000);
    await call(() =>
      client.subscriptionSchedules.update(
        scheduleId,
        {
          // The current price until the period ends, then the new one; afterwards the schedule
          // lets go and the subscription simply renews on the new price.
          end_behavior: 'release',
          phases: [
            {
              items: [{ price: subscription.price.id, quantity: subscription.quantity }],
              start_date: current.start_date,
              end_date: periodEnd,
              proration_behavior: 'none',
            },
            {
              items: [{ price: priceId, quantity: subscription.quantity }],
              duration: { interval: recurring.interval, interval_count: recurring.interval_count },
              proration_behavior: 'none',
            },
          ],
        },
        { idempotencyKey },
      ),
    );
    return retrieve(subscription.id);
  },

  async cancelPendingChange(subscription, idempotencyKey) {
    if (subscription.changeCarrierId) await call(() => client.subscriptionSchedules.release(subscription.changeCarrierId!, {}, { idempotencyKey }));
    return retrieve(subscription.id);
  },

  async previewPriceChange(subscription, priceId, timing) {
    const preview = await call(() =>
      client.invoices.createPreview({
        subscription: subscription.id,
        subscription_details: {
          items: [{ id: subscription.itemId, price: priceId }],
          // Now: the invoice the upgrade makes at once. At the period end: the renewal on the new price.
          proration_behavior: timing === 'now' ? 'always_invoice' : 'none',
        },
      }),
    );
    const currency = preview.currency;
    return {
      amountDue: money(preview.amount_due, currency),
      lines: preview.lines.data.map((line) => ({ description: line.description ?? '', amount: money(line.amount, line.currency ?? currency) })),
    };
  },
  };

  const cards: SubscriptionCardsApi = {
  async startCardUpdate(customerId, metadata, idempotencyKey) {
    // A second click (or tab) continues the card entry already open rather than starting another.
    const recent = await call(() => client.setupIntents.list({ customer: customerId, limit: 20 }));
    const ours = recent.data.filter((intent) => intent.metadata?.purpose === NEW_CARD_PURPOSE);
    const reusable = ours.find((intent) => ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(intent.status));
    if (reusable) return cardUpdateFrom(reusable);
    // After the newest one we made (newest first): a new card entry gets a new key, and two
    // requests racing for the first one share it.
    const intent = await call(() =>
      client.setupIntents.create(
        { customer: customerId, usage: 'off_session', allowed_payment_method_types: ['card'], metadata: { ...metadata, purpose: NEW_CARD_PURPOSE } },
        { idempotencyKey: `${idempotencyKey}:after:${ours[0]?.id ?? 'none'}` },
      ),
    );
    return cardUpdateFrom(intent);
  },

  async retrieveCardUpdate(id) {
    try {
      return cardUpdateFrom(await call(() => client.setupIntents.retrieve(id)));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  },

  async makeDefaultCard({ customerId, subscriptionId, cardId: paymentMethodId }, idempotencyKey) {
    // Both: the customer's default pays any invoice, the subscription's overrides it for renewals.
    await call(() => client.customers.update(customerId, { invoice_settings: { default_payment_method: paymentMethodId } }, { idempotencyKey: `${idempotencyKey}:customer` }));
    if (subscriptionId) {
      await call(() => client.subscriptions.update(subscriptionId, { default_payment_method: paymentMethodId }, { idempotencyKey: `${idempotencyKey}:subscription` }));
    }
  },

  async retrieveCard(paymentMethodId) {
    return cardFrom(await call(() => client.paymentMethods.retrieve(paymentMethodId)));
  },

  async retrieveDefaultCard(customerId, subscriptionId) {
    if (subscriptionId) return (await retrieve(subscriptionId)).paymentMethod;
    const customer = await call(() => client.customers.retrieve(customerId, { expand: ['invoice_settings.default_payment_method'] }));
    return customer.deleted ? null : cardFrom(customer.invoice_settings.default_payment_method);
  },

  async invoiceToPay(id) {
    const invoice = await call(() => client.invoices.retrieve(id, { expand: ['confirmation_secret'] }));
    const secret = invoice.confirmation_secret?.client_secret;
    if (!secret) throw new Error(`invoice ${id} has no payment to confirm`);
    return { kind: 'client_secret', clientSecret: secret };
  },

  async subscribeWithSavedCard(request, idempotencyKey) {
    // Nobody is in the browser: the first invoice is charged off-session to the saved card, and
    // a refusal leaves the subscription incomplete (allow_incomplete) rather than failing the call.
    const subscription = await call(() =>
      client.subscriptions.create(
        {
          customer: request.customerId,
          items: [{ price: request.priceId }],
          default_payment_method: request.cardId,
          payment_behavior: 'allow_incomplete',
          off_session: true,
          // Free until the other provider's paid period ends; Stripe bills then, and every period after.
          ...(request.firstChargeAt ? { trial_end: Math.floor(request.firstChargeAt.getTime() / 1000) } : {}),
          metadata: request.metadata,
        },
        { idempotencyKey },
      ),
    );
    return retrieve(subscription.id);
  },
  };

  return {
    name: 'stripe',
    startsWith: 'card',
    // One Stripe price per price: trials are given per subscription (trial_period_days).
    plansCarryTerms: false,
    cancelEndsTrialsNow: false,

    async ensurePlanPrice(price: PlanPriceRequest) {
      // A price made earlier (by us, or by whoever set the account up) is found by its lookup key.
      const existing = await call(() => client.prices.list({ lookup_keys: [price.lookupKey], limit: 1 }));
      const found = existing.data[0];
      if (found) return found.id;
      const product = await call(() =>
        client.products.create({ name: price.productName, metadata: { product_id: price.productId } }, { idempotencyKey: `catalog:product:${price.productId}` }),
      );
      const created = await call(() =>
        client.prices.create(
          {
            product: product.id,
            currency: price.amount.currency.toLowerCase(),
            unit_amount: price.amount.amount,
            recurring: { interval: price.interval, interval_count: price.intervalCount },
            lookup_key: price.lookupKey,
            metadata: { price_id: price.priceId },
          },
          { idempotencyKey: `catalog:price:${price.priceId}` },
        ),
      );
      return created.id;
    },

    async createSubscription(request, idempotencyKey) {
      const subscription = await call(() =>
        client.subscriptions.create(
          {
            customer: request.customerId,
            items: [{ price: request.priceId }],
            // The first invoice waits for the browser to confirm its payment (3-D Secure included);
            // the card it is paid with becomes the subscription's default for renewals.
            payment_behavior: 'default_incomplete',
            payment_settings: { save_default_payment_method: 'on_subscription' },
            // A trial invoices nothing now: Stripe hands out a SetupIntent (pending_setup_intent)
            // to collect the card the trial's end will charge.
            // A trial that ends without a card cancels, rather than invoicing nobody's card
            // and running the dunning retries of a payment that was never promised.
            ...(request.trialDays ? { trial_period_days: request.trialDays, trial_settings: { end_behavior: { missing_payment_method: 'cancel' as const } } } : {}),
            metadata: request.metadata,
            expand: CHECKOUT_EXPAND,
          },
          { idempotencyKey },
        ),
      );
      return checkoutOf(subscription);
    },

    retrieveSubscription: retrieve,

    async retrieveSubscriptionCheckout(id) {
      return checkoutOf(await call(() => client.subscriptions.retrieve(id, { expand: CHECKOUT_EXPAND })));
    },

    async setCancelAtPeriodEnd(id, cancel, idempotencyKey) {
      await call(() => client.subscriptions.update(id, { cancel_at_period_end: cancel }, { idempotencyKey }));
      return retrieve(id);
    },

    async cancelSubscriptionNow(id, idempotencyKey) {
      await call(() => client.subscriptions.cancel(id, {}, { idempotencyKey }));
      return retrieve(id);
    },

    async retrieveInvoice(id) {
      const invoice = await call(() => client.invoices.retrieve(id, { expand: ['payments'] }));
      return invoiceFrom(invoice, await invoiceIntent(client, invoice));
    },

    cards,
    priceChanges,
    revisions: null,
    wallets: null,
  };
}
