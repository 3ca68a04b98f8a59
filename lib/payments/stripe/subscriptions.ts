import type Stripe from 'stripe';
import type { SubscriptionProvider } from '@/lib/payments/subscriptions';

const notYet = (): never => {
  throw new Error('Not available yet');
};

/** Subscriptions on Stripe (or the sandbox), through the given SDK client. */
export function stripeSubscriptions(_client: Stripe): SubscriptionProvider {
  return {
    name: 'stripe',
    ensurePlanPrice: notYet,
    createSubscription: notYet,
    retrieveSubscription: notYet,
    retrieveSubscriptionCheckout: notYet,
    cancelSubscriptionNow: notYet,
    changePriceNow: notYet,
    changePriceAtPeriodEnd: notYet,
    cancelPendingChange: notYet,
    setCancelAtPeriodEnd: notYet,
    previewPriceChange: notYet,
    setupIntentForNewCard: notYet,
    retrieveSetupIntent: notYet,
    makeDefaultPaymentMethod: notYet,
    retrieveDefaultCard: notYet,
    retrieveInvoice: notYet,
    invoicePaymentSecret: notYet,
  };
}
