import crypto from 'node:crypto';
import type http from 'node:http';
import type { Store } from '../store';
import type { PaypalRecord } from './context';
import { nowSeconds, paypalToken } from './ids';

/**
 * `POST /v1/oauth2/token`: client credentials in Basic auth → a bearer token (PayPal's lasts
 * 9 hours), or with `response_type=client_token` a short browser token for the JS SDK v6. Any
 * non-empty client id and secret make an app, as any `sk_test_` key does on the Stripe side;
 * tokens are stored (a restart keeps them valid) and cached in memory (every API call checks one).
 */

const ACCESS_TOKEN_SECONDS = 32_400;
const CLIENT_TOKEN_SECONDS = 900;

interface TokenResource {
  client_id: string;
  expires_at: number;
  kind: 'access' | 'client';
}
type TokenRecord = PaypalRecord<TokenResource, Record<string, never>>;

export interface OAuthReply {
  status: number;
  body: Record<string, unknown>;
}

/** OAuth's own error shape (not the REST APIs'): `{ error, error_description }`. */
function oauthError(status: number, error: string, description: string): OAuthReply {
  return { status, body: { error, error_description: description } };
}

/** The app id PayPal shows in a token response, stable for a client id. */
function appIdOf(clientId: string): string {
  return `APP-${crypto.createHash('sha256').update(clientId).digest('hex').slice(0, 17).toUpperCase()}`;
}

export class PaypalAuth {
  private readonly cache = new Map<string, TokenResource>();

  constructor(private readonly store: Store) {}

  reset(): void {
    this.cache.clear();
  }

  async issue(authorization: string | undefined, form: URLSearchParams): Promise<OAuthReply> {
    const [clientId, secret] = authorization?.startsWith('Basic ')
      ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':', 2)
      : [];
    if (!clientId || !secret) return oauthError(401, 'invalid_client', 'Client Authentication failed');
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', `Grant Type is NULL or not supported: ${form.get('grant_type') ?? ''}`);
    }
    const kind = form.get('response_type') === 'client_token' ? 'client' : 'access';
    const now = nowSeconds();
    const expiresIn = kind === 'client' ? CLIENT_TOKEN_SECONDS : ACCESS_TOKEN_SECONDS;
    const token = `A21AA${paypalToken(40)}${crypto.randomBytes(24).toString('base64url')}`;
    const resource: TokenResource = { client_id: clientId, expires_at: now + expiresIn, kind };
    await this.store.reader.insert<TokenRecord>({ id: token, object: 'paypal_token', created: now, resource, internal: {} });
    this.cache.set(token, resource);
    return {
      status: 200,
      body: {
        scope: 'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/subscriptions https://uri.paypal.com/services/disputes/read-seller https://uri.paypal.com/services/disputes/update-seller https://uri.paypal.com/services/applications/webhooks https://uri.paypal.com/services/reporting/search/read',
        access_token: token,
        token_type: 'Bearer',
        app_id: appIdOf(clientId),
        expires_in: expiresIn,
        nonce: `${new Date(now * 1000).toISOString()}${paypalToken(20)}`,
      },
    };
  }

  /** The client id a bearer token belongs to, or null when it is missing, unknown, expired or only a browser token. */
  async clientOf(authorization: string | undefined): Promise<string | null> {
    if (!authorization?.startsWith('Bearer ')) return null;
    const token = authorization.slice(7).trim();
    let resource = this.cache.get(token);
    if (!resource) {
      resource = (await this.store.reader.get<TokenRecord>('paypal_token', token))?.resource;
      if (resource) this.cache.set(token, resource);
    }
    if (!resource || resource.kind !== 'access' || resource.expires_at <= nowSeconds()) return null;
    return resource.client_id;
  }
}

/** Reads a small form body (the token request). */
export async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 4096) break;
  }
  return new URLSearchParams(text);
}
