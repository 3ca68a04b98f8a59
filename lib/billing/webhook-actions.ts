import type { PaymentProvider, SubscriptionsApi } from '@/lib/payments/provider';
import type { Money } from '@/lib/money';
import type { ProviderInvoice, ProviderSubscription, WebhookAction } from '@/lib/payments/types';
import { makeSavedCardDefault, renewingSubscriptionId } from './default-card';
import type { BillingChange, BillingKey } from './payment-events';
import { invoicesOfSubscription } from './subscription-account';
import { adoptsInvoiceCard, type SubscriptionChange } from './subscription-events';

/**
 * What Billfold does about a webhook its provider classified (WebhooksApi.classify). The event's
 * copy of the object is never trusted: `refetch` reads the object's current state through the
 * provider interface, under the lock of `key` (the payment, or the customer a subscription
 * bills), so duplicated and out-of-order events are harmless. The decisions an event can lead
 * to (a card becoming the default) are made here, the same for every provider.
 */
export interface WebhookEffect {
  key: BillingKey;
  /**
   * What `refetch` reads (`payment:<id>`, `dispute:<id>`, `subscription:<id>`, `invoice:<id>`, …):
   * events with the same target share one read. A refund's events are its payment's: the payment
   * is re-read with all of its refunds.
   */
  target: string;
  refetch(): Promise<BillingChange>;
}

/** The current state of a payment and, once money went back, of its refunds. */
function paymentEffect(provider: PaymentProvider, paymentId: string): WebhookEffect {
  return {
    key: { provider: provider.name, providerPaymentId: paymentId },
    target: `payment:${paymentId}`,
    async refetch() {
      const { payments } = provider;
      // One read where the provider has one (a webhook storm re-reads every payment it names);
      // either way, refunds are applied only once money went back, as the two reads do.
      if (payments.retrievePaymentWithRefunds) {
        const { payment, refunds } = await payments.retrievePaymentWithRefunds(paymentId);
        return { kind: 'payment', payment, refunds: payment.amountRefunded.amount > 0 ? refunds : [] };
      }
      const payment = await payments.retrievePayment(paymentId);
      const refunds = payment.amountRefunded.amount > 0 ? await payments.refundsOf(paymentId) : [];
      return { kind: 'payment', payment, refunds };
    },
  };
}

/** A subscription as the provider holds it now, with its latest invoice. */
async function currentSubscription(subscriptions: SubscriptionsApi, subscriptionId: string, trialEndingNotice?: Date): Promise<SubscriptionChange> {
  const subscription = await subscriptions.retrieveSubscription(subscriptionId);
  return { kind: 'subscription', subscription, invoices: await invoicesOfSubscription(subscriptions, subscription), trialEndingNotice };
}

/**
 * An invoice, its subscription, and the card it was paid with: when the subscriber paid an open
 * invoice with a new card ("update card and pay"), that card becomes the default for the
 * renewals that follow (the key makes a repeated application one change at the provider).
 */
async function currentInvoice(subscriptions: SubscriptionsApi, invoiceId: string): Promise<SubscriptionChange> {
  const invoice = await subscriptions.retrieveInvoice(invoiceId);
  let subscription: ProviderSubscription | null = invoice.subscriptionId ? await subscriptions.retrieveSubscription(invoice.subscriptionId) : null;
  const cards = subscriptions.cards;
  const card = cards && adoptsInvoiceCard(invoice, await cards.retrieveDefaultCard(invoice.customerId, null));
  if (cards && card) {
    await cards.makeDefaultCard(
      { customerId: invoice.customerId, subscriptionId: renewingSubscriptionId(subscription), cardId: card.id },
      `default-card:${invoice.id}:${card.id}`,
    );
    if (subscription) subscription = await subscriptions.retrieveSubscription(subscription.id);
  }
  return { kind: 'subscription', subscription, invoices: [invoice] };
}

/**
 * An invoice given money back by a refund the provider reported on its own (a PayPal sale's): the
 * invoice and its subscription as they are now, with at least what the refund says the payment
 * has given back in all. Both reads are current; the larger wins, and the record never goes
 * down (subscription-events.ts), so redelivered and out-of-order refunds of one payment agree.
 */
async function refundedInvoice(subscriptions: SubscriptionsApi, invoiceId: string, refundId: string): Promise<SubscriptionChange> {
  if (!subscriptions.retrieveInvoiceRefund) throw new Error(`${subscriptions.name} reads no invoice refunds, yet classified an event as one`);
  const refund = await subscriptions.retrieveInvoiceRefund(refundId);
  if (refund.invoiceId !== invoiceId) throw new Error(`refund ${refundId} gave money back from ${refund.invoiceId}, not from invoice ${invoiceId}`);
  const change = await currentInvoice(subscriptions, invoiceId);
  return { ...change, invoices: change.invoices.map((invoice) => (invoice.id === invoiceId ? withRefundOf(invoice, refund.totalRefunded) : invoice)) };
}

function withRefundOf(invoice: ProviderInvoice, totalRefunded: Money): ProviderInvoice {
  const known = invoice.amountRefunded;
  if (known && known.currency !== totalRefunded.currency) throw new Error(`invoice ${invoice.id} is in ${known.currency}, its refund in ${totalRefunded.currency}`);
  return { ...invoice, amountRefunded: known && known.amount >= totalRefunded.amount ? known : totalRefunded };
}

/**
 * A card saved from the portal (finishing the card update in the browser does the same; this
 * covers a browser that never came back): it becomes the default if it is the newest card.
 */
async function savedCard(subscriptions: SubscriptionsApi, customerId: string, subscriptionId: string, cardUpdateId: string): Promise<SubscriptionChange> {
  const cards = subscriptions.cards;
  if (!cards) throw new Error(`${subscriptions.name} saves no cards, yet classified an event as a saved card`);
  const cardUpdate = await cards.retrieveCardUpdate(cardUpdateId);
  if (cardUpdate?.status === 'succeeded' && cardUpdate.cardId) {
    await makeSavedCardDefault(cards, { customerId, subscription: await subscriptions.retrieveSubscription(subscriptionId), cardUpdate });
  }
  return currentSubscription(subscriptions, subscriptionId);
}

function subscriptionsOf(provider: PaymentProvider, action: WebhookAction): SubscriptionsApi {
  if (!provider.subscriptions) throw new Error(`${provider.name} does not bill subscriptions, yet classified an event as ${action.kind}`);
  return provider.subscriptions;
}

/** What the worker applies for one classified event of `provider`. */
export function webhookEffect(provider: PaymentProvider, action: WebhookAction): WebhookEffect {
  switch (action.kind) {
    case 'payment':
    case 'refund':
      return paymentEffect(provider, action.paymentId);
    case 'dispute':
      return {
        key: { provider: provider.name, providerPaymentId: action.paymentId },
        target: `dispute:${action.disputeId}`,
        refetch: async () => ({ kind: 'dispute', dispute: await provider.payments.retrieveDispute(action.disputeId) }),
      };
    case 'subscription': {
      const subscriptions = subscriptionsOf(provider, action);
      return {
        key: { provider: provider.name, providerCustomerId: action.customerId },
        target: `subscription:${action.subscriptionId}`,
        refetch: () => currentSubscription(subscriptions, action.subscriptionId),
      };
    }
    case 'trial_ending': {
      // The notice itself is the fact to act on (an email), so it has a target of its own rather
      // than sharing the subscription's read; the email goes out only if the re-fetched trial
      // still ends when the notice said.
      const subscriptions = subscriptionsOf(provider, action);
      return {
        key: { provider: provider.name, providerCustomerId: action.customerId },
        target: `trial-notice:${action.subscriptionId}:${action.trialEnd.toISOString()}`,
        refetch: () => currentSubscription(subscriptions, action.subscriptionId, action.trialEnd),
      };
    }
    case 'invoice': {
      const subscriptions = subscriptionsOf(provider, action);
      return {
        key: { provider: provider.name, providerCustomerId: action.customerId },
        target: `invoice:${action.invoiceId}`,
        refetch: () => currentInvoice(subscriptions, action.invoiceId),
      };
    }
    case 'invoice_refund': {
      const subscriptions = subscriptionsOf(provider, action);
      return {
        key: { provider: provider.name, providerCustomerId: action.customerId },
        target: `invoice-refund:${action.refundId}`,
        refetch: () => refundedInvoice(subscriptions, action.invoiceId, action.refundId),
      };
    }
    case 'card_saved': {
      const subscriptions = subscriptionsOf(provider, action);
      return {
        key: { provider: provider.name, providerCustomerId: action.customerId },
        target: `setup:${action.cardUpdateId}`,
        refetch: () => savedCard(subscriptions, action.customerId, action.subscriptionId, action.cardUpdateId),
      };
    }
  }
}
