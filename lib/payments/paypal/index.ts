import type { Env } from '@/lib/env';
import type { PaymentProviderEntry } from '@/lib/payments';
import type { PaymentProvider, WebhooksApi } from '@/lib/payments/provider';
import { paypal, type PaypalClient } from './client';
import { paypalPayments } from './payments';

/**
 * PayPal as Billfold uses it: orders the buyer approves in PayPal's buttons, captured and
 * refunded on the server. It takes no cards in the checkout's card form (Stripe's does), and
 * bills no subscriptions yet (issue 15). Its webhooks are passed in, so the verifier
 * (./webhooks.ts) is wired where the provider is made.
 */
export function paypalProviderFor(client: PaypalClient, webhooks: WebhooksApi): PaymentProvider {
  return {
    name: 'paypal',
    takesCards: false,
    payments: paypalPayments(client),
    subscriptions: null,
    webhooks,
  };
}

/**
 * The registry's entry factory: on in sandbox mode (the sandbox serves PayPal's API) and
 * whenever PayPal's credentials are set. `webhooksFor` builds the webhook verifier from the
 * configuration and the client.
 */
export function paypalProviderEntry(webhooksFor: (config: Env, client: PaypalClient) => WebhooksApi): PaymentProviderEntry {
  return {
    name: 'paypal',
    enabled: (config) => config.paymentsMode === 'sandbox' || config.paypal !== null,
    create: (config) => {
      const client = paypal();
      return paypalProviderFor(client, webhooksFor(config, client));
    },
  };
}
