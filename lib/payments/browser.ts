import { env, type Env } from '@/lib/env';
import { paypalBrowser } from './paypal/browser';
import { stripeBrowser } from './stripe/browser';
import type { PaymentProviderName } from './types';

/**
 * The browser side of the registry (./index.ts): what each enabled provider's script needs on a
 * payment page, and the origins it talks to. Kept apart from the SDKs, so the proxy can build
 * the Content-Security-Policy without bundling them.
 */

/** What a payment page hands a provider's browser pieces (components/payments/<provider>/). */
export interface PaymentBrowserConfig {
  provider: PaymentProviderName;
  /** The public key the provider's script is loaded with (a publishable key, a client id): never a secret. */
  publicKey: string;
  /** The provider's script served by the sandbox; null means the provider's own loader fetches it. */
  scriptUrl: string | null;
  /** This request's CSP nonce, for a script the page adds itself. */
  nonce: string | undefined;
  /** Real money (live keys), as opposed to a test environment or the sandbox. */
  live: boolean;
}

/** The query a provider's redirect brings the person back with, as a page reads it. */
export type ReturnQuery = Record<string, string | string[] | undefined>;

/** What the person finished at the provider before its redirect brought them back. */
export interface ProviderReturn {
  /** The provider reports the payment or card save done (the webhook still has the last word). */
  succeeded: boolean;
  /** The card update that was finished, when that is what came back. */
  cardUpdateId: string | null;
}

export interface PaymentBrowserEntry {
  readonly name: PaymentProviderName;
  enabled(config: Env): boolean;
  /** Its script takes cards (the checkout's card form). */
  takesCards: boolean;
  /** Its buttons have the buyer approve a payment the server then captures (PayPal), beside the card form. */
  takesApprovals: boolean;
  browser(config: Env): Pick<PaymentBrowserConfig, 'publicKey' | 'scriptUrl' | 'live'>;
  /** Every origin the provider's script, frames and API calls come from. */
  origins(config: Env): string[];
  /** Reads the provider's redirect back to us; null when the query is not this provider's. */
  returned(query: ReturnQuery): ProviderReturn | null;
}

const BROWSERS: readonly PaymentBrowserEntry[] = [stripeBrowser, paypalBrowser];

function enabled(): PaymentBrowserEntry[] {
  const config = env();
  return BROWSERS.filter((entry) => entry.enabled(config));
}

/** The browser config of the provider that takes cards (the first enabled one), for this request's nonce. */
export function cardBrowserConfig(nonce: string | undefined): PaymentBrowserConfig {
  const entry = enabled().find((candidate) => candidate.takesCards);
  if (!entry) throw new Error('no enabled payment provider takes cards in the browser');
  return { provider: entry.name, ...entry.browser(env()), nonce };
}

/** The browser configs of the enabled providers whose buttons take approvals (PayPal), for this request's nonce. */
export function approvalBrowserConfigs(nonce: string | undefined): PaymentBrowserConfig[] {
  return enabled()
    .filter((entry) => entry.takesApprovals)
    .map((entry) => ({ provider: entry.name, ...entry.browser(env()), nonce }));
}

/** The union of the enabled providers' origins: the payment pages' CSP allows these and no others. */
export function paymentOrigins(): string[] {
  const config = env();
  return [...new Set(enabled().flatMap((entry) => entry.origins(config)))];
}

/** What a provider's redirect brought the person back with, whichever enabled provider it was. */
export function providerReturn(query: ReturnQuery): ProviderReturn {
  for (const entry of enabled()) {
    const returned = entry.returned(query);
    if (returned) return returned;
  }
  return { succeeded: false, cardUpdateId: null };
}
