import { z } from 'zod';

/**
 * Every environment variable Billfold reads, validated once. The payments mode is derived
 * from the provider keys present (shared/design.md, "Payments modes"): a misconfiguration is
 * reported as one line that names the variable to fix.
 */

export type PaymentsMode = 'sandbox' | 'test' | 'live';

/** The non-empty items of a comma-separated value, trimmed. */
function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const port = <F extends number | undefined>(fallback: F) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx): number | F => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
        ctx.addIssue({ code: 'custom', message: 'must be a port number between 1 and 65535' });
        return z.NEVER;
      }
      return parsed;
    });

/** `a@b` or `Name <a@b>`, on one line (it becomes a header). */
const MAIL_ADDRESS = /^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

/** Outside live mode, email that is delivered at all says where it came from. */
export const DEFAULT_MAIL_FROM = 'Billfold <no-reply@localhost>';

const RawEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port(3000),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
      .optional(),
  ),
  // Comma-separated for a rotation: the first signs, every one is still accepted (SECURITY.md).
  AUTH_SECRET: optionalString.pipe(
    z
      .string()
      .refine((value) => commaList(value).length > 0 && commaList(value).every((secret) => secret.length >= 32), 'must be at least 32 characters, or several such secrets separated by commas (try: openssl rand -base64 32)')
      .optional(),
  ),
  AUTH_URL: optionalString.pipe(z.url('must be an absolute URL').optional()),
  ADMIN_EMAILS: optionalString,
  AUTH_GITHUB_ID: optionalString,
  AUTH_GITHUB_SECRET: optionalString,
  AUTH_GOOGLE_ID: optionalString,
  AUTH_GOOGLE_SECRET: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  PAYPAL_CLIENT_ID: optionalString,
  PAYPAL_CLIENT_SECRET: optionalString,
  PAYPAL_WEBHOOK_ID: optionalString,
  PAYPAL_ENVIRONMENT: optionalString.pipe(z.enum(['sandbox', 'live']).optional()),
  /** Set by `npm run dev` / `npm start` in sandbox mode: the id the sandbox gave the webhook they registered. */
  PAYPAL_SANDBOX_WEBHOOK_ID: optionalString,
  SANDBOX_PORT: port(4242),
  BILLFOLD_ALLOW_TEST_MODE: optionalString.pipe(z.enum(['0', '1']).optional()),
  LOG_LEVEL: optionalString.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  CHECKOUT_ABANDON_AFTER_HOURS: optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number of hours')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1 hour').max(8760, 'must be at most 8760 hours (a year)'))
      .optional(),
  ),
  /**
   * Per currency, the refund (in minor units) above which a second admin must approve:
   * `USD:50000,EUR:50000,JPY:50000`. A currency not listed needs no approval.
   */
  ADMIN_REFUND_APPROVAL_ABOVE: optionalString.pipe(
    z
      .string()
      .transform((value, ctx) => {
        const limits = new Map<string, number>();
        for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
          const match = /^([A-Za-z]{3}):(\d{1,15})$/.exec(entry);
          if (!match) {
            ctx.addIssue({ code: 'custom', message: `must be comma-separated CURRENCY:minor-units pairs, e.g. USD:50000,EUR:50000 (not "${entry.slice(0, 40)}")` });
            return z.NEVER;
          }
          limits.set(match[1]!.toUpperCase(), Number(match[2]));
        }
        return limits as ReadonlyMap<string, number>;
      })
      .optional(),
  ),
  // The message names the variable only: the value may carry an SMTP password.
  SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/, hostname: /^[^\s]+$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@smtp.example.com:465' }).optional()),
  MAIL_FROM: optionalString.pipe(z.string().regex(MAIL_ADDRESS, 'must be an email address, optionally with a name: Shop <receipts@example.com>').optional()),
  /** The bearer token Prometheus sends to /api/metrics and the worker's metrics port; unset, metrics are off. */
  METRICS_TOKEN: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)').optional()),
  WORKER_METRICS_PORT: port(undefined),
});

type RawEnv = z.infer<typeof RawEnv>;

/**
 * What the worker does with the email outbox: `smtp` delivers it; `outbox` (sandbox mode)
 * keeps it in the admin console's Emails (/admin/emails) and never delivers, whatever SMTP_URL says, so a demo never mails a
 * real address; `off` (test mode without SMTP_URL) leaves it unsent until SMTP_URL is set.
 * Live mode is always `smtp`: it refuses to start without SMTP_URL.
 */
export type MailConfig = { from: string } & ({ delivery: 'smtp'; smtpUrl: string } | { delivery: 'outbox' | 'off' });

export interface Env {
  nodeEnv: RawEnv['NODE_ENV'];
  port: number;
  databaseUrl: string | undefined;
  /** The secrets sessions and order links are signed with: the first signs, all are accepted (empty when unset). */
  authSecrets: string[];
  authUrl: string | undefined;
  adminEmails: ReadonlySet<string>;
  oauth: {
    github: { clientId: string; clientSecret: string } | null;
    google: { clientId: string; clientSecret: string } | null;
  };
  paymentsMode: PaymentsMode;
  stripe: {
    /** Undefined in `sandbox` mode: the sandbox accepts its own fixed test keys. */
    secretKey: string | undefined;
    publishableKey: string | undefined;
    webhookSecrets: string[];
  };
  paypal: {
    clientId: string;
    clientSecret: string;
    /** The webhook ids deliveries are accepted for: several while a webhook is being replaced. */
    webhookIds: string[];
    environment: 'sandbox' | 'live';
  } | null;
  sandboxPort: number;
  sandboxUrl: string;
  /** Sandbox mode: the id of the PayPal webhook registered with the sandbox for this app (its deliveries are signed with it). */
  sandboxPaypalWebhookId: string | undefined;
  logLevel: NonNullable<RawEnv['LOG_LEVEL']>;
  checkout: {
    /** Hours without checkout activity after which an unpaid order is abandoned and its payment canceled. */
    abandonAfterHours: number;
  };
  mail: MailConfig;
  refunds: {
    /** Per currency, the largest refund (minor units) an admin sends alone; above it a second admin approves. */
    approvalAbove: ReadonlyMap<string, number>;
  };
  metrics: {
    /** Bearer token of /api/metrics and the worker's metrics port; undefined: both are off (404 / not listening). */
    token: string | undefined;
    /** Where the worker serves its own metrics (lib/ops/metrics-server.ts); undefined: it does not. */
    workerPort: number | undefined;
  };
}

/** A configuration error: `message` is the one line a person reads to fix it. */
export class EnvError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
    this.name = 'EnvError';
  }
}

type KeyKind = 'test' | 'live';

function stripeKeyKind(variable: string, value: string, prefixes: readonly string[]): KeyKind {
  for (const prefix of prefixes) {
    if (value.startsWith(`${prefix}_test_`)) return 'test';
    if (value.startsWith(`${prefix}_live_`)) return 'live';
  }
  const expected = prefixes.map((p) => `${p}_test_…/${p}_live_…`).join(' or ');
  throw new EnvError(variable, `is not a Stripe key (expected ${expected})`);
}

function requirePair(a: [string, string | undefined], b: [string, string | undefined]) {
  if (a[1] && !b[1]) throw new EnvError(b[0], `is missing: it is required when ${a[0]} is set`);
  if (b[1] && !a[1]) throw new EnvError(a[0], `is missing: it is required when ${b[0]} is set`);
}

function derivePayments(raw: RawEnv): Pick<Env, 'paymentsMode' | 'stripe' | 'paypal'> {
  const kinds: { variable: string; kind: KeyKind }[] = [];

  requirePair(['STRIPE_SECRET_KEY', raw.STRIPE_SECRET_KEY], ['NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', raw.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY]);
  if (raw.STRIPE_SECRET_KEY && raw.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY) {
    const secret = stripeKeyKind('STRIPE_SECRET_KEY', raw.STRIPE_SECRET_KEY, ['sk', 'rk']);
    const publishable = stripeKeyKind('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', raw.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY, ['pk']);
    if (secret !== publishable) {
      throw new EnvError('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY', `is a ${publishable} key but STRIPE_SECRET_KEY is a ${secret} key: use a pair from the same Stripe mode`);
    }
    if (!raw.STRIPE_WEBHOOK_SECRET) {
      throw new EnvError('STRIPE_WEBHOOK_SECRET', 'is missing: it is required with real Stripe keys (Dashboard → Developers → Webhooks → signing secret)');
    }
    kinds.push({ variable: 'STRIPE_SECRET_KEY', kind: secret });
  }
  // Several comma-separated secrets are accepted so a signing secret can be rotated without downtime.
  const webhookSecrets = commaList(raw.STRIPE_WEBHOOK_SECRET);
  for (const secret of webhookSecrets) {
    if (!secret.startsWith('whsec_')) throw new EnvError('STRIPE_WEBHOOK_SECRET', 'must be one or more comma-separated whsec_… secrets');
  }

  requirePair(['PAYPAL_CLIENT_ID', raw.PAYPAL_CLIENT_ID], ['PAYPAL_CLIENT_SECRET', raw.PAYPAL_CLIENT_SECRET]);
  let paypal: Env['paypal'] = null;
  if (raw.PAYPAL_CLIENT_ID && raw.PAYPAL_CLIENT_SECRET) {
    if (!raw.PAYPAL_WEBHOOK_ID) {
      throw new EnvError('PAYPAL_WEBHOOK_ID', 'is missing: it is required with real PayPal credentials (the id of the webhook you registered)');
    }
    const environment = raw.PAYPAL_ENVIRONMENT ?? 'sandbox';
    // Several comma-separated ids: deliveries to the old webhook still verify while a new one is registered.
    paypal = { clientId: raw.PAYPAL_CLIENT_ID, clientSecret: raw.PAYPAL_CLIENT_SECRET, webhookIds: commaList(raw.PAYPAL_WEBHOOK_ID), environment };
    kinds.push({ variable: 'PAYPAL_ENVIRONMENT', kind: environment === 'live' ? 'live' : 'test' });
  } else if (raw.PAYPAL_WEBHOOK_ID) {
    throw new EnvError('PAYPAL_CLIENT_ID', 'is missing: PAYPAL_WEBHOOK_ID is set without PayPal credentials');
  } else if (raw.PAYPAL_ENVIRONMENT) {
    throw new EnvError('PAYPAL_CLIENT_ID', 'is missing: PAYPAL_ENVIRONMENT is set without PayPal credentials');
  }

  const [first, ...rest] = kinds;
  let paymentsMode: PaymentsMode = 'sandbox';
  if (first) {
    const other = rest.find((k) => k.kind !== first.kind);
    if (other) {
      throw new EnvError(other.variable, `selects ${other.kind} mode but ${first.variable} selects ${first.kind} mode: both providers must use the same mode`);
    }
    paymentsMode = first.kind;
  }

  return {
    paymentsMode,
    stripe: { secretKey: raw.STRIPE_SECRET_KEY, publishableKey: raw.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY, webhookSecrets },
    paypal,
  };
}

function deriveMail(raw: RawEnv, paymentsMode: PaymentsMode): MailConfig {
  if (paymentsMode === 'live') {
    // A live shop that cannot send receipts would take money silently: refuse to start instead.
    if (!raw.SMTP_URL) throw new EnvError('SMTP_URL', 'is missing: live mode delivers receipts by email (set smtp:// or smtps://user:password@host of your mail service)');
    if (!raw.MAIL_FROM) throw new EnvError('MAIL_FROM', 'is missing: live mode needs the address receipts are sent from, e.g. Shop <receipts@example.com>');
    return { delivery: 'smtp', smtpUrl: raw.SMTP_URL, from: raw.MAIL_FROM };
  }
  const from = raw.MAIL_FROM ?? DEFAULT_MAIL_FROM;
  if (paymentsMode === 'sandbox') return { delivery: 'outbox', from };
  return raw.SMTP_URL ? { delivery: 'smtp', smtpUrl: raw.SMTP_URL, from } : { delivery: 'off', from };
}

function oauthPair(idVar: string, id: string | undefined, secretVar: string, secret: string | undefined) {
  requirePair([idVar, id], [secretVar, secret]);
  return id && secret ? { clientId: id, clientSecret: secret } : null;
}

/** Validates `source` (normally `process.env`) and returns the typed configuration, or throws an EnvError. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = RawEnv.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new EnvError(variable, issue?.message ?? 'is invalid');
  }
  const raw = parsed.data;
  const payments = derivePayments(raw);

  if (payments.paymentsMode === 'live' && raw.NODE_ENV !== 'production') {
    const variable = payments.stripe.secretKey?.match(/^(sk|rk)_live_/) ? 'STRIPE_SECRET_KEY' : 'PAYPAL_ENVIRONMENT';
    throw new EnvError(variable, `selects live mode, which is refused outside production (NODE_ENV is ${raw.NODE_ENV}): use test keys here`);
  }
  if (raw.NODE_ENV === 'production' && payments.paymentsMode !== 'live' && raw.BILLFOLD_ALLOW_TEST_MODE !== '1') {
    throw new EnvError(
      'BILLFOLD_ALLOW_TEST_MODE',
      `is not 1, so production refuses ${payments.paymentsMode} mode: set live keys, or BILLFOLD_ALLOW_TEST_MODE=1 for a staging deployment`,
    );
  }
  if (raw.NODE_ENV === 'production' && !raw.AUTH_SECRET) {
    throw new EnvError('AUTH_SECRET', 'is missing: production needs a secret of at least 32 characters (try: openssl rand -base64 32)');
  }
  const mail = deriveMail(raw, payments.paymentsMode);
  if (raw.WORKER_METRICS_PORT !== undefined && !raw.METRICS_TOKEN) {
    throw new EnvError('METRICS_TOKEN', 'is missing: it is required when WORKER_METRICS_PORT is set (the worker serves its metrics only to a scraper with the token)');
  }

  const adminEmails = new Set(commaList(raw.ADMIN_EMAILS).map((email) => email.toLowerCase()));

  return {
    nodeEnv: raw.NODE_ENV,
    port: raw.PORT,
    databaseUrl: raw.DATABASE_URL,
    authSecrets: commaList(raw.AUTH_SECRET),
    authUrl: raw.AUTH_URL,
    adminEmails,
    oauth: {
      github: oauthPair('AUTH_GITHUB_ID', raw.AUTH_GITHUB_ID, 'AUTH_GITHUB_SECRET', raw.AUTH_GITHUB_SECRET),
      google: oauthPair('AUTH_GOOGLE_ID', raw.AUTH_GOOGLE_ID, 'AUTH_GOOGLE_SECRET', raw.AUTH_GOOGLE_SECRET),
    },
    ...payments,
    sandboxPort: raw.SANDBOX_PORT,
    sandboxUrl: `http://127.0.0.1:${raw.SANDBOX_PORT}`,
    sandboxPaypalWebhookId: raw.PAYPAL_SANDBOX_WEBHOOK_ID,
    logLevel: raw.LOG_LEVEL ?? (raw.NODE_ENV === 'test' ? 'silent' : 'info'),
    checkout: { abandonAfterHours: raw.CHECKOUT_ABANDON_AFTER_HOURS ?? 24 },
    mail,
    refunds: { approvalAbove: raw.ADMIN_REFUND_APPROVAL_ABOVE ?? new Map() },
    metrics: { token: raw.METRICS_TOKEN, workerPort: raw.WORKER_METRICS_PORT },
  };
}

let cached: Env | undefined;

/** The process's configuration, validated on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Like env(), but for the database: every server process needs it. */
export function databaseUrl(): string {
  const url = env().databaseUrl;
  if (!url) throw new EnvError('DATABASE_URL', 'is missing: start Billfold with `npm run dev` (it starts an embedded PostgreSQL) or set it');
  return url;
}
