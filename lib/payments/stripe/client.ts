import Stripe from 'stripe';
import { env } from '@/lib/env';
import { providerCallSpan } from '@/lib/ops/provider-spans';

/**
 * The secret key the sandbox accepts in `sandbox` mode (it takes any test-mode key; this one
 * names the caller in its logs). It is not a secret.
 */
export const SANDBOX_SECRET_KEY = 'sk_test_billfold_sandbox';
// The browser side lives in ./browser.ts, which the proxy imports without the SDK.

/**
 * How the app's SDK client behaves on the wire. `maxNetworkRetries`: the SDK itself repeats a
 * request that got no answer, a 409 or a 5xx, with the same idempotency key, that many times
 * before the caller sees the error (a dropped connection is repeated at least once whatever it
 * says); two rides out a blip without keeping a customer waiting long.
 */
export const STRIPE_CLIENT_OPTIONS = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false, appInfo: { name: 'Billfold' } } satisfies Stripe.StripeConfig;

/**
 * The SDK's own Node HTTP client with a span around every request (lib/ops/provider-spans.ts):
 * the one place every Stripe call passes, retries included (each attempt is a span).
 */
class TracedHttpClient extends Stripe.HttpClient {
  private readonly inner = Stripe.createNodeHttpClient();

  override getClientName(): string {
    return this.inner.getClientName();
  }

  override makeRequest(...[host, port, path, method, headers, data, protocol, timeout]: Parameters<Stripe.HttpClient['makeRequest']>) {
    return providerCallSpan('stripe', method, path, async (span) => {
      const response = await this.inner.makeRequest(host, port, path, method, headers, data, protocol, timeout);
      span.setAttribute('http.response.status_code', response.getStatusCode());
      return response;
    });
  }
}

const globalForStripe = globalThis as unknown as { billfoldStripe?: Stripe };

/**
 * The one Stripe SDK client. In `sandbox` mode it talks to the local sandbox over HTTP, exactly
 * as it talks to Stripe otherwise; the API version is the one the SDK pins.
 */
export function stripe(): Stripe {
  if (globalForStripe.billfoldStripe) return globalForStripe.billfoldStripe;
  const config = env();
  const options: Stripe.StripeConfig = { ...STRIPE_CLIENT_OPTIONS, httpClient: new TracedHttpClient() };
  let client: Stripe;
  if (config.paymentsMode === 'sandbox') {
    const { hostname, port } = new URL(config.sandboxUrl);
    client = new Stripe(SANDBOX_SECRET_KEY, { ...options, host: hostname, port, protocol: 'http' });
  } else {
    if (!config.stripe.secretKey) throw new Error('STRIPE_SECRET_KEY is not set');
    client = new Stripe(config.stripe.secretKey, options);
  }
  globalForStripe.billfoldStripe = client;
  return client;
}
