import type { PaymentBrowserConfig } from '@/lib/payments/browser';

/**
 * The provider's script as the sandbox serves it, on a page that takes a card. React puts an async
 * script in <head>; the provider's pieces wait for it before they use it (stripe/loader.ts).
 * Nothing when the provider's own loader fetches its script.
 */
export function ProviderScript({ browser }: { browser: PaymentBrowserConfig }) {
  return browser.scriptUrl ? <script src={browser.scriptUrl} nonce={browser.nonce} async /> : null;
}
