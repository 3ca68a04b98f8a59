import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv, type PaymentsMode } from './env';

const SECRET = 'a'.repeat(40);
const STRIPE_TEST = { STRIPE_SECRET_KEY: 'sk_test_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
const STRIPE_LIVE = { STRIPE_SECRET_KEY: 'sk_live_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
const PAYPAL_SANDBOX = { PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 'secret', PAYPAL_WEBHOOK_ID: 'WH-1' };
const PAYPAL_LIVE = { ...PAYPAL_SANDBOX, PAYPAL_ENVIRONMENT: 'live' };
const SMTP_URL = 'smtps://mailer:hunter2-Secret@smtp.example.com:465';
const MAIL = { SMTP_URL, MAIL_FROM: 'Shop <receipts@example.com>' };

const KEYS: Record<PaymentsMode, Record<string, string>> = {
  sandbox: {},
  test: { ...STRIPE_TEST, ...PAYPAL_SANDBOX },
  live: { ...STRIPE_LIVE, ...PAYPAL_LIVE, ...MAIL },
};

function failure(source: Record<string, string>): EnvError {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('payments mode × NODE_ENV', () => {
  const matrix: { mode: PaymentsMode; nodeEnv: string; allowTest?: boolean; starts: boolean; variable?: string }[] = [
    { mode: 'sandbox', nodeEnv: 'development', starts: true },
    { mode: 'sandbox', nodeEnv: 'test', starts: true },
    { mode: 'sandbox', nodeEnv: 'production', starts: false, variable: 'BILLFOLD_ALLOW_TEST_MODE' },
    { mode: 'sandbox', nodeEnv: 'production', allowTest: true, starts: true },
    { mode: 'test', nodeEnv: 'development', starts: true },
    { mode: 'test', nodeEnv: 'test', starts: true },
    { mode: 'test', nodeEnv: 'production', starts: false, variable: 'BILLFOLD_ALLOW_TEST_MODE' },
    { mode: 'test', nodeEnv: 'production', allowTest: true, starts: true },
    { mode: 'live', nodeEnv: 'development', starts: false, variable: 'STRIPE_SECRET_KEY' },
    { mode: 'live', nodeEnv: 'test', starts: false, variable: 'STRIPE_SECRET_KEY' },
    { mode: 'live', nodeEnv: 'production', starts: true },
    { mode: 'live', nodeEnv: 'production', allowTest: true, starts: true },
  ];

  for (const { mode, nodeEnv, allowTest, starts, variable } of matrix) {
    const source = { NODE_ENV: nodeEnv, AUTH_SECRET: SECRET, ...KEYS[mode], ...(allowTest ? { BILLFOLD_ALLOW_TEST_MODE: '1' } : {}) };
    const label = `${mode} keys with NODE_ENV=${nodeEnv}${allowTest ? ' and BILLFOLD_ALLOW_TEST_MODE=1' : ''}`;
    if (starts) {
      it(`starts in ${mode} mode with ${label}`, () => {
        expect(parseEnv(source).paymentsMode).toBe(mode);
      });
    } else {
      it(`refuses ${label}, naming ${variable}`, () => {
        const error = failure(source);
        expect(error.variable).toBe(variable);
        expect(error.message).toMatch(new RegExp(`^Configuration error: ${variable} `));
        expect(error.message).not.toContain('\n');
      });
    }
  }
});

describe('provider keys', () => {
  it('derives test mode from Stripe test keys alone, with PayPal off', () => {
    const config = parseEnv(STRIPE_TEST);
    expect(config.paymentsMode).toBe('test');
    expect(config.paypal).toBeNull();
  });

  it('derives live mode from PayPal live credentials alone in production', () => {
    expect(parseEnv({ NODE_ENV: 'production', AUTH_SECRET: SECRET, ...PAYPAL_LIVE, ...MAIL }).paymentsMode).toBe('live');
  });

  it('refuses a PayPal live environment outside production, naming PAYPAL_ENVIRONMENT', () => {
    expect(failure(PAYPAL_LIVE).variable).toBe('PAYPAL_ENVIRONMENT');
  });

  it('refuses a Stripe test secret key with a live publishable key', () => {
    const error = failure({ ...STRIPE_TEST, NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_live_abc' });
    expect(error.variable).toBe('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY');
    expect(error.message).toMatch(/same Stripe mode/);
  });

  it('refuses Stripe in test mode with PayPal live', () => {
    const error = failure({ NODE_ENV: 'production', AUTH_SECRET: SECRET, ...STRIPE_TEST, ...PAYPAL_LIVE, ...MAIL });
    expect(error.variable).toBe('PAYPAL_ENVIRONMENT');
    expect(error.message).toMatch(/both providers must use the same mode/);
  });

  it('refuses half a Stripe key pair, naming the missing half', () => {
    expect(failure({ STRIPE_SECRET_KEY: 'sk_test_abc' }).variable).toBe('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY');
    expect(failure({ NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }).variable).toBe('STRIPE_SECRET_KEY');
  });

  it('refuses real Stripe keys without a webhook signing secret', () => {
    expect(failure({ STRIPE_SECRET_KEY: 'sk_test_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }).variable).toBe('STRIPE_WEBHOOK_SECRET');
  });

  it('refuses something that is not a Stripe key', () => {
    expect(failure({ ...STRIPE_TEST, STRIPE_SECRET_KEY: 'pk_test_abc' }).variable).toBe('STRIPE_SECRET_KEY');
  });

  it('accepts restricted keys and several webhook secrets for rotation', () => {
    const config = parseEnv({ ...STRIPE_TEST, STRIPE_SECRET_KEY: 'rk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old' });
    expect(config.stripe.webhookSecrets).toEqual(['whsec_new', 'whsec_old']);
  });

  it('refuses a webhook secret that is not a whsec_ secret', () => {
    expect(failure({ ...STRIPE_TEST, STRIPE_WEBHOOK_SECRET: 'whsec_ok,nope' }).variable).toBe('STRIPE_WEBHOOK_SECRET');
  });

  it('refuses PayPal credentials without a webhook id, and half a pair', () => {
    expect(failure({ PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 's' }).variable).toBe('PAYPAL_WEBHOOK_ID');
    expect(failure({ PAYPAL_CLIENT_ID: 'id' }).variable).toBe('PAYPAL_CLIENT_SECRET');
    expect(failure({ PAYPAL_WEBHOOK_ID: 'WH-1' }).variable).toBe('PAYPAL_CLIENT_ID');
  });
});

describe('other variables', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = parseEnv({});
    expect(config).toMatchObject({ nodeEnv: 'development', port: 3000, sandboxPort: 4242, paymentsMode: 'sandbox', sandboxUrl: 'http://127.0.0.1:4242' });
    expect(config.oauth).toEqual({ github: null, google: null });
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ STRIPE_SECRET_KEY: '', PORT: '' }).paymentsMode).toBe('sandbox');
  });

  it('refuses a port that is not a port', () => {
    expect(failure({ PORT: 'eighty' }).variable).toBe('PORT');
    expect(failure({ SANDBOX_PORT: '70000' }).variable).toBe('SANDBOX_PORT');
  });

  it('refuses a DATABASE_URL that is not a postgres URL', () => {
    expect(failure({ DATABASE_URL: 'mysql://localhost/db' }).variable).toBe('DATABASE_URL');
  });

  it('takes several comma-separated AUTH_SECRETs for a rotation, the first signing, each of them long', () => {
    const next = 'n'.repeat(40);
    expect(parseEnv({ AUTH_SECRET: ` ${next}, ${SECRET} ` }).authSecrets).toEqual([next, SECRET]);
    expect(failure({ AUTH_SECRET: `${next},short` }).variable).toBe('AUTH_SECRET');
    expect(parseEnv({}).authSecrets).toEqual([]);
  });

  it('takes several comma-separated PAYPAL_WEBHOOK_IDs, so deliveries to the webhook being replaced still verify', () => {
    expect(parseEnv({ ...PAYPAL_SANDBOX, PAYPAL_WEBHOOK_ID: 'WH-NEW, WH-OLD' }).paypal?.webhookIds).toEqual(['WH-NEW', 'WH-OLD']);
  });

  it('requires a long AUTH_SECRET, and one in production', () => {
    expect(failure({ AUTH_SECRET: 'short' }).variable).toBe('AUTH_SECRET');
    expect(failure({ NODE_ENV: 'production', ...KEYS.live }).variable).toBe('AUTH_SECRET');
  });

  it('normalises ADMIN_EMAILS to lower case', () => {
    expect([...parseEnv({ ADMIN_EMAILS: ' Ada@Example.com , bob@example.com,' }).adminEmails]).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('switches an OAuth provider on only with both its id and secret', () => {
    expect(parseEnv({ AUTH_GITHUB_ID: 'id', AUTH_GITHUB_SECRET: 's' }).oauth.github).toEqual({ clientId: 'id', clientSecret: 's' });
    expect(failure({ AUTH_GOOGLE_ID: 'id' }).variable).toBe('AUTH_GOOGLE_SECRET');
  });

  it('abandons unpaid checkouts after 24 hours unless CHECKOUT_ABANDON_AFTER_HOURS says otherwise', () => {
    expect(parseEnv({}).checkout.abandonAfterHours).toBe(24);
    expect(parseEnv({ CHECKOUT_ABANDON_AFTER_HOURS: ' 72 ' }).checkout.abandonAfterHours).toBe(72);
  });

  it('refuses a CHECKOUT_ABANDON_AFTER_HOURS that is not a whole number of hours from 1 to a year', () => {
    for (const value of ['0', '-1', '1.5', '24h', '8761']) {
      const error = failure({ CHECKOUT_ABANDON_AFTER_HOURS: value });
      expect(error.variable).toBe('CHECKOUT_ABANDON_AFTER_HOURS');
      expect(error.message).not.toContain('\n');
    }
  });
});

describe('email delivery', () => {
  const LIVE = { NODE_ENV: 'production', AUTH_SECRET: SECRET, ...STRIPE_LIVE };

  it('refuses live mode without SMTP_URL, in one line naming it', () => {
    const error = failure({ ...LIVE, MAIL_FROM: MAIL.MAIL_FROM });
    expect(error.variable).toBe('SMTP_URL');
    expect(error.message).toMatch(/^Configuration error: SMTP_URL is missing: live mode delivers receipts by email/);
    expect(error.message).not.toContain('\n');
  });

  it('refuses live mode without MAIL_FROM rather than sending as a placeholder address', () => {
    expect(failure({ ...LIVE, SMTP_URL }).variable).toBe('MAIL_FROM');
  });

  it('delivers over SMTP in live mode', () => {
    expect(parseEnv({ ...LIVE, ...MAIL }).mail).toEqual({ delivery: 'smtp', smtpUrl: SMTP_URL, from: 'Shop <receipts@example.com>' });
  });

  it('delivers over SMTP in test mode when SMTP_URL is set, from the default address unless MAIL_FROM says otherwise', () => {
    expect(parseEnv({ ...STRIPE_TEST, SMTP_URL: 'smtp://127.0.0.1:2525' }).mail).toEqual({ delivery: 'smtp', smtpUrl: 'smtp://127.0.0.1:2525', from: 'Billfold <no-reply@localhost>' });
  });

  it('leaves email unsent in test mode without SMTP_URL, and still starts', () => {
    expect(parseEnv(STRIPE_TEST).mail.delivery).toBe('off');
    expect(parseEnv({ NODE_ENV: 'production', AUTH_SECRET: SECRET, BILLFOLD_ALLOW_TEST_MODE: '1', ...STRIPE_TEST }).mail.delivery).toBe('off');
  });

  it('keeps email in the outbox in sandbox mode, even with SMTP_URL set', () => {
    expect(parseEnv({ SMTP_URL }).mail).toEqual({ delivery: 'outbox', from: 'Billfold <no-reply@localhost>' });
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://, without repeating its password', () => {
    for (const value of ['https://user:hunter2-Secret@smtp.example.com', 'smtp:/hunter2-Secret', 'hunter2-Secret']) {
      const error = failure({ ...STRIPE_TEST, SMTP_URL: value });
      expect(error.variable).toBe('SMTP_URL');
      expect(error.message).toMatch(/must be an smtp:\/\/ or smtps:\/\/ URL/);
      expect(error.message).not.toContain('hunter2-Secret');
    }
  });

  it('accepts MAIL_FROM as an address with or without a name, and refuses anything else', () => {
    expect(parseEnv({ MAIL_FROM: 'receipts@example.com' }).mail.from).toBe('receipts@example.com');
    expect(parseEnv({ MAIL_FROM: '"Shop, Inc." <receipts@example.com>' }).mail.from).toBe('"Shop, Inc." <receipts@example.com>');
    expect(failure({ MAIL_FROM: 'receipts' }).variable).toBe('MAIL_FROM');
    expect(failure({ MAIL_FROM: 'Shop <receipts@example.com>\r\nBcc: everyone@example.com' }).variable).toBe('MAIL_FROM');
  });

  it('reads the refund approval thresholds per currency, and needs no approval when unset', () => {
    expect(parseEnv({ ADMIN_REFUND_APPROVAL_ABOVE: 'USD:50000, eur:40000,JPY:50000' }).refunds.approvalAbove).toEqual(
      new Map([
        ['USD', 50000],
        ['EUR', 40000],
        ['JPY', 50000],
      ]),
    );
    expect(parseEnv({}).refunds.approvalAbove.size).toBe(0);
  });

  it('refuses a refund approval threshold that is not CURRENCY:minor-units, naming the variable', () => {
    for (const value of ['USD', 'USD:500.00', 'DOLLARS:5', 'USD:-1']) {
      const error = failure({ ADMIN_REFUND_APPROVAL_ABOVE: value });
      expect(error.variable).toBe('ADMIN_REFUND_APPROVAL_ABOVE');
      expect(error.message).toMatch(/CURRENCY:minor-units/);
    }
  });
});

describe('metrics', () => {
  const TOKEN = 'm'.repeat(40);

  it('leaves metrics off without METRICS_TOKEN, and reads the token and the worker port when set', () => {
    expect(parseEnv({}).metrics).toEqual({ token: undefined, workerPort: undefined });
    expect(parseEnv({ METRICS_TOKEN: TOKEN, WORKER_METRICS_PORT: '9464' }).metrics).toEqual({ token: TOKEN, workerPort: 9464 });
  });

  it('refuses a METRICS_TOKEN too short to be secret', () => {
    expect(failure({ METRICS_TOKEN: 'short' }).message).toBe('Configuration error: METRICS_TOKEN must be at least 32 characters (try: openssl rand -hex 32)');
  });

  it('refuses WORKER_METRICS_PORT without METRICS_TOKEN, so the worker never serves its metrics unprotected', () => {
    expect(failure({ WORKER_METRICS_PORT: '9464' }).variable).toBe('METRICS_TOKEN');
    expect(failure({ METRICS_TOKEN: TOKEN, WORKER_METRICS_PORT: '99999' }).variable).toBe('WORKER_METRICS_PORT');
  });
});
