import type Stripe from 'stripe';
import type { ListingPage, ListingWindow, ProviderListing, ReconciliationApi } from '@/lib/payments/provider';
import type { ProviderRefund } from '@/lib/payments/types';
import { call, isMissing } from './common';
import { disputeFrom, paymentFrom, refundFrom } from './payments';
import { subscriptionFrom, SUBSCRIPTION_EXPAND } from './subscriptions';

/**
 * Stripe's lists for reconciliation: creation-time windows paged with `starting_after`. Billfold's
 * objects are told apart by the metadata it sets: `order_id` on its PaymentIntents (a refund or a
 * dispute is ours when its PaymentIntent is), `user_id` on its subscriptions.
 */

const PAGE_SIZE = 100;

function created(window: ListingWindow): Stripe.RangeQueryParam {
  return { gte: Math.floor(window.from.getTime() / 1000), lt: Math.floor(window.to.getTime() / 1000) };
}

/** A page of Stripe's list as a page of ours: the cursor is Stripe's last id, filtered or not. */
function pageOf<S extends { id: string }, T>(list: Stripe.ApiList<S>, translate: (item: S) => T | null): ListingPage<T> {
  const items = list.data.map(translate).filter((item): item is T => item !== null);
  return { items, next: list.has_more ? (list.data.at(-1)?.id ?? null) : null };
}

function paging(window: ListingWindow, cursor: string | null) {
  return { created: created(window), limit: PAGE_SIZE, ...(cursor ? { starting_after: cursor } : {}) };
}

function intentOf(value: string | Stripe.PaymentIntent | null): Stripe.PaymentIntent | null {
  return typeof value === 'object' ? value : null;
}

/** Missing at Stripe: null, not an error (Stripe's resource_missing). */
async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export function stripeReconciliation(client: Stripe): ReconciliationApi {
  return {
    listing: stripeListing(client),
    findPayment: (id) => unlessMissing(async () => paymentFrom(await call(() => client.paymentIntents.retrieve(id, { expand: ['latest_charge'] })))),
    findSubscription: (id) => unlessMissing(async () => subscriptionFrom(await call(() => client.subscriptions.retrieve(id, { expand: SUBSCRIPTION_EXPAND })))),
  };
}

function stripeListing(client: Stripe): ProviderListing {
  return {
    async listPayments(window, cursor) {
      // Expanded, so the amounts captured and refunded are the charge's (paymentFrom).
      const list = await call(() => client.paymentIntents.list({ ...paging(window, cursor), expand: ['data.latest_charge'] }));
      return pageOf(list, (intent) => (intent.metadata.order_id ? paymentFrom(intent) : null));
    },

    async listRefunds(window, cursor) {
      const list = await call(() => client.refunds.list({ ...paging(window, cursor), expand: ['data.payment_intent'] }));
      return pageOf(list, (refund): ProviderRefund | null => {
        const intent = intentOf(refund.payment_intent);
        return intent?.metadata.order_id ? refundFrom(refund, intent.id) : null;
      });
    },

    async listDisputes(window, cursor) {
      const list = await call(() => client.disputes.list({ ...paging(window, cursor), expand: ['data.payment_intent'] }));
      return pageOf(list, (dispute) => (intentOf(dispute.payment_intent)?.metadata.order_id ? disputeFrom(dispute) : null));
    },

    async listSubscriptions(window, cursor) {
      const list = await call(() => client.subscriptions.list({ ...paging(window, cursor), status: 'all' }));
      return pageOf(list, (subscription) => (subscription.metadata.user_id ? subscriptionFrom(subscription) : null));
    },
  };
}
