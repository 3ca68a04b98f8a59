'use client';

import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { sandboxScript } from '../sandbox-script';

/**
 * Stripe.js, loaded once per page. The `pure` entry looks for Stripe.js only when loadStripe()
 * is called (the main entry looks as soon as it is imported), and in sandbox mode we call it
 * only once the sandbox's stand-in has defined `window.Stripe`: so js.stripe.com is never
 * requested offline, whatever order the page's scripts happen to finish loading in.
 */

let loading: Promise<Stripe | null> | null = null;

export function loadStripeJs({ publicKey, scriptUrl, nonce }: PaymentBrowserConfig): Promise<Stripe | null> {
  loading ??= (scriptUrl ? sandboxScript(scriptUrl, nonce, () => Boolean(window.Stripe)) : Promise.resolve())
    .then(() => loadStripe(publicKey))
    .catch((error: unknown) => {
      loading = null; // a later attempt (the customer presses Retry) starts over
      throw error;
    });
  return loading;
}
