import { Client, Environment } from '@paypal/paypal-server-sdk';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@/lib/payments/paypal/sandbox-credentials';
import { paypalRedirect, type ObservedExchange } from '@/lib/payments/paypal/transport';

/**
 * The official server SDK pointed at this stand-in, as the sandbox's own tests and bench use it
 * (Billfold's app builds its client in lib/payments/paypal): PayPal's sandbox environment, its
 * requests carried to `paypalUrl` (`http://127.0.0.1:4242/paypal`) by the transport's adapter.
 */

// The stand-in's fixed OAuth client, shared with the app's client (lib/payments/paypal/client.ts).
export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET };

export function sdkClientFor(
  paypalUrl: string,
  options: { clientId?: string; clientSecret?: string; observe?: (exchange: ObservedExchange) => void } = {},
): Client {
  return new Client({
    clientCredentialsAuthCredentials: { oAuthClientId: options.clientId ?? SANDBOX_CLIENT_ID, oAuthClientSecret: options.clientSecret ?? SANDBOX_CLIENT_SECRET },
    environment: Environment.Sandbox,
    timeout: 10_000,
    unstable_httpClientOptions: { adapter: paypalRedirect(paypalUrl, { observe: options.observe }) },
  });
}
