import type { PaymentProviderEntry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import type Stripe from 'stripe';
import { stripe } from './client';
import { stripeReconciliation } from './reconciliation';
import { stripePayments } from './payments';
import { stripeSubscriptions } from './subscriptions';
import { stripeWebhooks } from './webhooks';

/** Stripe as Billfold uses it, through one SDK client: cards at checkout, subscriptions, webhooks. */
export function stripeProviderFor(client: Stripe, webhookSecrets: () => readonly string[]): PaymentProvider {
  return {
    name: 'stripe',
    takesCards: true,
    // Card payments are captured by Stripe when confirmed: Billfold makes no manual captures.
    capturesApprovedPayments: false,
    payments: stripePayments(client),
    subscriptions: stripeSubscriptions(client),
    webhooks: stripeWebhooks(client, webhookSecrets),
    reconciliation: stripeReconciliation(client),
  };
}

/** The registry's entry: on in sandbox mode (the sandbox serves Stripe's API) and whenever Stripe's keys are set. */
export const stripeProvider: PaymentProviderEntry = {
  name: 'stripe',
  enabled: (config) => config.paymentsMode === 'sandbox' || Boolean(config.stripe.secretKey),
  // In sandbox mode `npm run dev` puts the sandbox's own signing secret first in
  // STRIPE_WEBHOOK_SECRET before it starts the app, so it is among these.
  create: (config) => stripeProviderFor(stripe(), () => config.stripe.webhookSecrets),
};
