import type { Env } from '@/lib/env';
import type { PaymentProviderEntry } from '@/lib/payments';
import type { PaymentProvider, WebhooksApi } from '@/lib/payments/provider';
import { paypal, paypalConnection, type PaypalClient } from './client';
import { paypalPayments } from './payments';
import { paypalReconciliation } from './reconciliation';
import { paypalSubscriptions } from './subscriptions';
import { PAYPAL_CERTIFICATE_LOCATIONS, paypalWebhooks, sandboxCertificateLocation, type PaypalEventLookups, type PaypalWebhook } from './webhooks';

/**
 * PayPal as Billfold uses it: orders the buyer approves in PayPal's buttons, captured and
 * refunded on the server; and subscriptions the buyer approves in PayPal's window, on billing
 * plans Billfold makes per price and terms, which PayPal then bills itself (./subscriptions.ts).
 * It takes no cards in the checkout's card form (Stripe's does). Its webhooks are passed in, so
 * the verifier (./webhooks.ts) is wired where the provider is made.
 */
export function paypalProviderFor(client: PaypalClient, webhooks: WebhooksApi): PaymentProvider {
  const payments = paypalPayments(client);
  const subscriptions = paypalSubscriptions(client);
  return {
    name: 'paypal',
    takesCards: false,
    capturesApprovedPayments: true,
    payments,
    subscriptions,
    webhooks,
    reconciliation: paypalReconciliation(client, payments, subscriptions),
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

/**
 * What classifying an event may read from PayPal, through `client`: the order of a capture
 * (PayPal's refund and dispute events name only the capture), the subscription of a sale and
 * the sale of a refund (a subscription payment's refund names only its sale, or itself), and
 * the account a subscription bills (its custom_id).
 */
export function paypalEventLookups({ rest }: PaypalClient): PaypalEventLookups {
  return {
    async orderOfCapture(captureId) {
      const capture = await rest.request<{ supplementary_data?: { related_ids?: { order_id?: string } } }>('GET', `/v2/payments/captures/${encodeURIComponent(captureId)}`);
      const orderId = capture.supplementary_data?.related_ids?.order_id;
      if (!orderId) throw new Error(`PayPal capture ${captureId} names no order`);
      return orderId;
    },
    async subscriptionOfSale(saleId) {
      const sale = await rest.request<{ billing_agreement_id?: string }>('GET', `/v1/payments/sale/${encodeURIComponent(saleId)}`);
      return sale.billing_agreement_id ?? null;
    },
    async saleOfRefund(refundId) {
      const refund = await rest.request<{ sale_id?: string }>('GET', `/v1/payments/refund/${encodeURIComponent(refundId)}`);
      if (!refund.sale_id) throw new Error(`PayPal refund ${refundId} names no sale`);
      return refund.sale_id;
    },
    async accountOfSubscription(subscriptionId) {
      const subscription = await rest.request<{ custom_id?: string }>('GET', `/v1/billing/subscriptions/${encodeURIComponent(subscriptionId)}`);
      return subscription.custom_id ?? null;
    },
  };
}

/**
 * PayPal's webhooks as this configuration receives them: signed for PAYPAL_WEBHOOK_ID with real
 * credentials, or for the webhook `npm run dev` registered with the sandbox (its certificate is
 * the sandbox's own); PayPal's verify-webhook-signature when a certificate cannot be fetched.
 * Only the configuration it reads is asked for, so a test builds the app's own wiring for its sandbox.
 */
export function paypalWebhooksFor(config: Pick<Env, 'paymentsMode' | 'sandboxUrl' | 'sandboxPaypalWebhookId' | 'paypal'>, client: PaypalClient): WebhooksApi {
  const sandbox = config.paymentsMode === 'sandbox';
  const webhookIds = sandbox ? (config.sandboxPaypalWebhookId ? [config.sandboxPaypalWebhookId] : []) : (config.paypal?.webhookIds ?? []);
  return paypalWebhooks({
    webhookIds: () => webhookIds,
    certificateLocations: sandbox ? [sandboxCertificateLocation(paypalConnection(config).apiBase)] : PAYPAL_CERTIFICATE_LOCATIONS[config.paypal?.environment ?? 'sandbox'],
    postback: (request) => client.rest.request('POST', '/v1/notifications/verify-webhook-signature', { body: request, changesNothing: true }),
    lookups: paypalEventLookups(client),
    registrations: {
      list: async () => (await client.rest.request<{ webhooks: PaypalWebhook[] }>('GET', '/v1/notifications/webhooks')).webhooks,
      variable: sandbox ? 'PAYPAL_SANDBOX_WEBHOOK_ID' : 'PAYPAL_WEBHOOK_ID',
    },
  });
}

export const paypalProvider = paypalProviderEntry(paypalWebhooksFor);
