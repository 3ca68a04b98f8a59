import type { Appearance } from '@stripe/stripe-js';
import type { PaymentHandoff } from '@/lib/payments/types';

/** What every Elements group here shares. */

export const APPEARANCE: Appearance = {
  theme: 'stripe',
  variables: { colorPrimary: '#23634f', colorText: '#16201c', colorDanger: '#b91c1c', borderRadius: '8px' },
};

/** Stripe.js confirms a PaymentIntent or a SetupIntent with its client secret; no other handoff is Stripe's. */
export function clientSecretOf(handoff: PaymentHandoff): string {
  if (handoff.kind !== 'client_secret') throw new Error(`Stripe.js cannot finish a "${handoff.kind}" handoff`);
  return handoff.clientSecret;
}
