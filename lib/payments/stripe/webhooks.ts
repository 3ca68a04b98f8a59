import type Stripe from 'stripe';
import type { WebhookRegistration, WebhooksApi } from '@/lib/payments/provider';
import type { WebhookAction } from '@/lib/payments/types';
import { idOf } from './common';
import { NEW_CARD_PURPOSE } from './subscriptions';

/**
 * Stripe's webhooks: the signature check, and what each event type Billfold acts on is about.
 * Nothing here trusts the event's copy of the object or decides anything: an event names the
 * object it concerns, and lib/billing re-fetches that object and decides (lib/billing/webhook-actions.ts).
 */

/** The handler of one event type takes that type's event, so pairing it with another is a compile error. */
type EventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;
type Classifier<T extends Stripe.Event.Type> = (event: EventOf<T>) => WebhookAction | null;
type ObjectEvent<O> = { data: { object: O } };

const onPaymentIntent = (event: ObjectEvent<Stripe.PaymentIntent>): WebhookAction => ({ kind: 'payment', paymentId: event.data.object.id });

/** A charge without a PaymentIntent (made outside Billfold, with the Charges API) is not ours. */
const onCharge = (event: ObjectEvent<Stripe.Charge>): WebhookAction | null => {
  const paymentId = idOf(event.data.object.payment_intent);
  return paymentId ? { kind: 'payment', paymentId } : null;
};

const onRefund = (event: ObjectEvent<Stripe.Refund>): WebhookAction | null => {
  const paymentId = idOf(event.data.object.payment_intent);
  return paymentId ? { kind: 'refund', paymentId, refundId: event.data.object.id } : null;
};

const onDispute = (event: ObjectEvent<Stripe.Dispute>): WebhookAction | null => {
  const paymentId = idOf(event.data.object.payment_intent);
  return paymentId ? { kind: 'dispute', paymentId, disputeId: event.data.object.id } : null;
};

const onSubscription = (event: ObjectEvent<Stripe.Subscription>): WebhookAction | null => {
  const customerId = idOf(event.data.object.customer);
  return customerId ? { kind: 'subscription', subscriptionId: event.data.object.id, customerId } : null;
};

const onTrialWillEnd: Classifier<'customer.subscription.trial_will_end'> = (event) => {
  const subscription = event.data.object;
  const customerId = idOf(subscription.customer);
  if (!customerId || !subscription.trial_end) return null;
  return { kind: 'trial_ending', subscriptionId: subscription.id, customerId, trialEnd: new Date(subscription.trial_end * 1000) };
};

/** A schedule's changes are its subscription's: the subscription is what is re-fetched. */
const onSubscriptionSchedule = (event: ObjectEvent<Stripe.SubscriptionSchedule>): WebhookAction | null => {
  const schedule = event.data.object;
  const subscriptionId = idOf(schedule.subscription) ?? idOf(schedule.released_subscription);
  const customerId = idOf(schedule.customer);
  return subscriptionId && customerId ? { kind: 'subscription', subscriptionId, customerId } : null;
};

const onInvoice = (event: ObjectEvent<Stripe.Invoice>): WebhookAction | null => {
  const invoiceId = event.data.object.id;
  const customerId = idOf(event.data.object.customer);
  return invoiceId && customerId ? { kind: 'invoice', invoiceId, customerId } : null;
};

/** Only card updates Billfold started (its purpose in the metadata) for a subscription are acted on. */
const onSetupIntentSucceeded: Classifier<'setup_intent.succeeded'> = (event) => {
  const intent = event.data.object;
  const customerId = idOf(intent.customer);
  const subscriptionId = intent.metadata?.subscription_id ?? null;
  if (intent.metadata?.purpose !== NEW_CARD_PURPOSE || !customerId || !subscriptionId) return null;
  return { kind: 'card_saved', customerId, subscriptionId, cardUpdateId: intent.id };
};

/** One small classifier per event type Billfold acts on; every other type is stored and ignored. */
const CLASSIFIERS: { [T in Stripe.Event.Type]?: Classifier<T> } = {
  'payment_intent.succeeded': onPaymentIntent,
  'payment_intent.payment_failed': onPaymentIntent,
  'payment_intent.canceled': onPaymentIntent,
  'payment_intent.processing': onPaymentIntent,
  'payment_intent.requires_action': onPaymentIntent,
  'payment_intent.amount_capturable_updated': onPaymentIntent,
  'charge.refunded': onCharge,
  'charge.refund.updated': onRefund,
  'refund.created': onRefund,
  'refund.updated': onRefund,
  'refund.failed': onRefund,
  'charge.dispute.created': onDispute,
  'charge.dispute.updated': onDispute,
  'charge.dispute.closed': onDispute,
  'customer.subscription.created': onSubscription,
  'customer.subscription.updated': onSubscription,
  'customer.subscription.deleted': onSubscription,
  'customer.subscription.paused': onSubscription,
  'customer.subscription.resumed': onSubscription,
  'customer.subscription.pending_update_applied': onSubscription,
  'customer.subscription.pending_update_expired': onSubscription,
  'customer.subscription.trial_will_end': onTrialWillEnd,
  'subscription_schedule.created': onSubscriptionSchedule,
  'subscription_schedule.updated': onSubscriptionSchedule,
  'subscription_schedule.released': onSubscriptionSchedule,
  'subscription_schedule.canceled': onSubscriptionSchedule,
  'subscription_schedule.completed': onSubscriptionSchedule,
  'subscription_schedule.aborted': onSubscriptionSchedule,
  'invoice.created': onInvoice,
  'invoice.finalized': onInvoice,
  'invoice.updated': onInvoice,
  'invoice.paid': onInvoice,
  'invoice.payment_succeeded': onInvoice,
  'invoice.payment_failed': onInvoice,
  'invoice.payment_action_required': onInvoice,
  'invoice.voided': onInvoice,
  'invoice.marked_uncollectible': onInvoice,
  'setup_intent.succeeded': onSetupIntentSucceeded,
};

/** Every event type Billfold acts on: the endpoint registered at Stripe must send each (the go-live check asks). */
export const STRIPE_HANDLED_EVENT_TYPES = Object.keys(CLASSIFIERS) as readonly Stripe.Event.Type[];

function classifierFor<T extends Stripe.Event.Type>(event: EventOf<T>): Classifier<T> | undefined {
  return (CLASSIFIERS as { [K in T]?: Classifier<K> })[event.type as T];
}

/** The same URL, give or take a trailing slash (Stripe keeps the URL as it was registered). */
function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** Stripe's webhooks through the given SDK client, verified against each configured signing secret. */
export function stripeWebhooks(client: Stripe, secrets: () => readonly string[]): WebhooksApi {
  return {
    async verify(rawBody, headers) {
      // Two secrets during a rotation; none matching (missing, wrong or stale signature, changed body) refuses it.
      const signature = headers.get('stripe-signature');
      if (!signature) return null;
      for (const secret of secrets()) {
        try {
          const event = client.webhooks.constructEvent(rawBody, signature, secret);
          return { provider: 'stripe', eventId: event.id, type: event.type, payloadJson: rawBody };
        } catch {
          // Try the next secret.
        }
      }
      return null;
    },

    classify(stored) {
      // The payload is the body this module verified before it was stored.
      const event = stored.payload as Stripe.Event;
      return classifierFor(event)?.(event) ?? null;
    },

    // Stripe shows an endpoint's signing secret only when it is created, so whether the
    // configured one is that endpoint's cannot be read back: only that one is configured.
    async registration(url): Promise<WebhookRegistration> {
      const endpoints: WebhookRegistration['endpoints'][number][] = [];
      for await (const endpoint of client.webhookEndpoints.list({ limit: 100 })) {
        if (sameUrl(endpoint.url, url)) {
          endpoints.push({ id: endpoint.id, enabled: endpoint.status === 'enabled', eventTypes: endpoint.enabled_events.includes('*') ? null : endpoint.enabled_events });
        }
      }
      return {
        endpoints,
        handledEventTypes: STRIPE_HANDLED_EVENT_TYPES,
        verification: { kind: 'signing_secret', variable: 'STRIPE_WEBHOOK_SECRET', configured: secrets().length > 0 },
      };
    },
  };
}
