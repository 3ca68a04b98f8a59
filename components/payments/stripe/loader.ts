'use client';

import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';

/**
 * Stripe.js, loaded once per page. The `pure` entry looks for Stripe.js only when loadStripe()
 * is called (the main entry looks as soon as it is imported), and in sandbox mode we call it
 * only once the sandbox's stand-in has defined `window.Stripe`: so js.stripe.com is never
 * requested offline, whatever order the page's scripts happen to finish loading in.
 */

let loading: Promise<Stripe | null> | null = null;

function sandboxScript(url: string, nonce: string | undefined): Promise<void> {
  if (window.Stripe) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let script = Array.from(document.scripts).find((candidate) => candidate.src === url);
    if (!script) {
      // Reached without a full page load (a client-side navigation): add the script ourselves.
      script = document.createElement('script');
      script.src = url;
      script.async = true;
      if (nonce) script.nonce = nonce;
      document.head.appendChild(script);
    }
    const timer = setTimeout(() => reject(new Error(`${url} did not load in time`)), 20_000);
    script.addEventListener('load', () => {
      clearTimeout(timer);
      if (window.Stripe) resolve();
      else reject(new Error(`${url} did not define Stripe`));
    }, { once: true });
    script.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`could not load ${url}`));
    }, { once: true });
  });
}

export function loadStripeJs({ publicKey, scriptUrl, nonce }: PaymentBrowserConfig): Promise<Stripe | null> {
  loading ??= (scriptUrl ? sandboxScript(scriptUrl, nonce) : Promise.resolve())
    .then(() => loadStripe(publicKey))
    .catch((error: unknown) => {
      loading = null; // a later attempt (the customer presses Retry) starts over
      throw error;
    });
  return loading;
}
