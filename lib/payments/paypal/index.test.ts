import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/env';
import type { WebhooksApi } from '@/lib/payments/provider';
import { paypalClientFor, paypalConnection } from './client';
import { paypalProviderEntry, paypalProviderFor } from './index';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from './sandbox-credentials';

/** Which PayPal the configuration reaches, and the provider it registers. No network here. */

const STRIPE_TEST = { STRIPE_SECRET_KEY: 'sk_test_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
const PAYPAL_SANDBOX = { PAYPAL_CLIENT_ID: 'merchant-id', PAYPAL_CLIENT_SECRET: 'merchant-secret', PAYPAL_WEBHOOK_ID: 'WH-1' };
const SECRET = 'a'.repeat(40);
const MAIL = { SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465', MAIL_FROM: 'Shop <receipts@example.com>' };

// A verifier stand-in: the provider only carries it (the real one is ./webhooks.ts).
const webhooks: WebhooksApi = { verify: () => Promise.resolve(null), classify: () => null };

describe('the PayPal connection the configuration asks for', () => {
  it('reaches the local sandbox’s stand-in with its fixed credentials in sandbox mode, with no PayPal keys', () => {
    expect(paypalConnection(parseEnv({ SANDBOX_PORT: '4343' }))).toEqual({
      apiBase: 'http://127.0.0.1:4343/paypal',
      clientId: SANDBOX_CLIENT_ID,
      clientSecret: SANDBOX_CLIENT_SECRET,
      environment: 'sandbox',
    });
  });

  it('reaches PayPal’s sandbox host with the merchant’s credentials in test mode', () => {
    expect(paypalConnection(parseEnv({ ...STRIPE_TEST, ...PAYPAL_SANDBOX }))).toEqual({
      apiBase: 'https://api-m.sandbox.paypal.com',
      clientId: 'merchant-id',
      clientSecret: 'merchant-secret',
      environment: 'sandbox',
    });
  });

  it('reaches PayPal’s live host in production with live credentials', () => {
    const live = parseEnv({ NODE_ENV: 'production', AUTH_SECRET: SECRET, STRIPE_SECRET_KEY: 'sk_live_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', ...PAYPAL_SANDBOX, PAYPAL_ENVIRONMENT: 'live', ...MAIL });
    expect(paypalConnection(live)).toMatchObject({ apiBase: 'https://api-m.paypal.com', environment: 'live' });
  });

  it('says which variables are missing when test mode has no PayPal credentials', () => {
    expect(() => paypalConnection(parseEnv(STRIPE_TEST))).toThrow(/PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET/);
  });
});

describe('the PayPal provider', () => {
  it('takes no cards in the card form, and bills subscriptions the buyer approves in PayPal’s window on plans that carry their terms, carrying the webhooks it is given', () => {
    const client = paypalClientFor({ apiBase: 'http://127.0.0.1:9/paypal', clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' });
    const provider = paypalProviderFor(client, webhooks);
    expect(provider).toMatchObject({
      name: 'paypal',
      takesCards: false,
      payments: { name: 'paypal' },
      subscriptions: { name: 'paypal', startsWith: 'approval', plansCarryTerms: true, cards: null, priceChanges: null },
    });
    expect(provider.webhooks).toBe(webhooks);
  });

  it('is enabled in sandbox mode and whenever PayPal credentials are set, and not otherwise', () => {
    const entry = paypalProviderEntry(() => webhooks);
    expect(entry.name).toBe('paypal');
    expect(entry.enabled(parseEnv({}))).toBe(true);
    expect(entry.enabled(parseEnv({ ...STRIPE_TEST, ...PAYPAL_SANDBOX }))).toBe(true);
    expect(entry.enabled(parseEnv(STRIPE_TEST))).toBe(false);
  });
});
