import { env, type Env } from '@/lib/env';
import type { PaymentProvider } from './provider';
import { paypalProvider } from './paypal';
import { stripeProvider } from './stripe';
import { UnknownPaymentProviderError, type PaymentProviderName } from './types';

/**
 * The one composition root of payments: the only place that knows which providers exist (the
 * list below) and which the configuration enables. Everything else asks it. Adding a provider is
 * a folder in lib/payments/ (and components/payments/, sandbox/) plus one entry here and one in
 * ./browser.ts.
 */

export interface PaymentProviderEntry {
  readonly name: PaymentProviderName;
  /** Whether this configuration enables the provider (its keys are set, or the sandbox serves it). */
  enabled(config: Env): boolean;
  create(config: Env): PaymentProvider;
}

const PROVIDERS: readonly PaymentProviderEntry[] = [stripeProvider, paypalProvider];

export interface PaymentRegistry {
  /** Every enabled provider, in the registry's order. */
  all(): readonly PaymentProvider[];
  /** The provider of that name; throws UnknownPaymentProviderError when none is registered and enabled. */
  get(name: string): PaymentProvider;
  /** The provider whose browser form takes cards at checkout. */
  cards(): PaymentProvider;
  /** The provider subscriptions are billed through. */
  subscriptions(): PaymentProvider & { subscriptions: NonNullable<PaymentProvider['subscriptions']> };
}

/** A registry of the given providers: the app's own (paymentRegistry()), or a test's. */
export function createPaymentRegistry(providers: readonly PaymentProvider[]): PaymentRegistry {
  const byName = new Map(providers.map((provider) => [provider.name as string, provider]));
  const first = <T extends PaymentProvider>(what: string, test: (provider: PaymentProvider) => provider is T): T => {
    const found = providers.find(test);
    if (!found) throw new Error(`no enabled payment provider ${what}`);
    return found;
  };
  return {
    all: () => providers,
    get(name) {
      const provider = byName.get(name);
      if (!provider) throw new UnknownPaymentProviderError(name);
      return provider;
    },
    cards: () => first('takes cards', (provider): provider is PaymentProvider => provider.takesCards),
    subscriptions: () =>
      first('bills subscriptions', (provider): provider is PaymentProvider & { subscriptions: NonNullable<PaymentProvider['subscriptions']> } => provider.subscriptions !== null),
  };
}

const globalForPayments = globalThis as unknown as { billfoldPayments?: PaymentRegistry };

/** The registry this process runs with: every provider its configuration enables, made once. */
export function paymentRegistry(): PaymentRegistry {
  if (globalForPayments.billfoldPayments) return globalForPayments.billfoldPayments;
  const config = env();
  const registry = createPaymentRegistry(PROVIDERS.filter((entry) => entry.enabled(config)).map((entry) => entry.create(config)));
  globalForPayments.billfoldPayments = registry;
  return registry;
}
