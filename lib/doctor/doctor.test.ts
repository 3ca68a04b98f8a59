import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Database } from '@/db/client';
import { MIGRATIONS_FOLDER } from '@/db/migrate';
import { users } from '@/db/schema';
import { createBoss, startBoss } from '@/lib/jobs/boss';
import { parseEnv } from '@/lib/env';
import { paypalClientFor } from '@/lib/payments/paypal/client';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@/lib/payments/paypal/sandbox-credentials';
import { PAYPAL_HANDLED_EVENT_TYPES } from '@/lib/payments/paypal/webhooks';
import { STRIPE_HANDLED_EVENT_TYPES } from '@/lib/payments/stripe/webhooks';
import { isolatedDatabase } from '@/test/database';
import { paypalThrough, stripeThrough } from '@/test/payments';
import { eventually, isolatedSandbox } from '@/test/sandbox';
import { SMTP_PASSWORD, smtpServer, type TestSmtpServer } from '@/test/smtp';
import { checkAuthUrl, checkMode } from './configuration';
import { checkAdmins, checkMigrations } from './database';
import { checkMail } from './mail';
import { checkQueue, checkWorker } from './queue';
import { checkWebhookRegistration, webhookUrl } from './webhooks';

const t = isolatedSandbox();
const unmigrated = isolatedDatabase({ migrated: false });
const halfMigrated = isolatedDatabase();
const queueDb = isolatedDatabase();

/** The app's configuration in sandbox mode, served on `port` (each test its own, so its webhook URL is its own). */
const sandboxConfig = (port: number) => parseEnv({ NODE_ENV: 'test', PORT: String(port), SANDBOX_PORT: new URL(t.server.url).port });

const TEST_KEYS = { STRIPE_SECRET_KEY: 'sk_test_doctor', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_doctor', STRIPE_WEBHOOK_SECRET: 'whsec_doctor' };
const LIVE = {
  NODE_ENV: 'production',
  STRIPE_SECRET_KEY: 'sk_live_doctor',
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_live_doctor',
  STRIPE_WEBHOOK_SECRET: 'whsec_doctor',
  AUTH_SECRET: 'a'.repeat(32),
  SMTP_URL: 'smtps://user:pw@smtp.example.com:465',
  MAIL_FROM: 'Shop <receipts@example.com>',
};

let db: Database;
let closeDb: () => Promise<void>;

beforeAll(() => {
  const connection = connect(t.databaseUrl, { max: 2 });
  db = connection.db;
  closeDb = () => connection.sql.end({ timeout: 5 });
});
afterAll(async () => {
  await closeDb();
});

describe('payments mode', () => {
  it('is a blocker when the keys select another mode than the operator expects, saying which key selected it', () => {
    const finding = checkMode(parseEnv({ NODE_ENV: 'test', ...TEST_KEYS }), 'live');
    expect(finding.status).toBe('blocker');
    expect(finding.line).toBe('test, not live as expected: STRIPE_SECRET_KEY is a test key');
  });

  it('passes the mode the operator expects, and warns when none was said and the mode takes no real money', () => {
    expect(checkMode(parseEnv({ NODE_ENV: 'test', ...TEST_KEYS }), 'test').status).toBe('ok');
    expect(checkMode(parseEnv(LIVE), null).status).toBe('ok');
    const unsaid = checkMode(parseEnv({ NODE_ENV: 'test' }), null);
    expect(unsaid.status).toBe('warn');
    expect(unsaid.line).toContain('--expect sandbox');
  });
});

describe('AUTH_URL', () => {
  it('blocks a live shop without an https AUTH_URL, and only warns outside live mode', () => {
    expect(checkAuthUrl(parseEnv({ ...LIVE, AUTH_URL: 'http://shop.example.com' })).status).toBe('blocker');
    expect(checkAuthUrl(parseEnv(LIVE)).status).toBe('blocker');
    expect(checkAuthUrl(parseEnv({ ...LIVE, AUTH_URL: 'https://shop.example.com' }))).toEqual({ name: 'AUTH_URL', status: 'ok', line: 'https://shop.example.com is https' });
    expect(checkAuthUrl(parseEnv({ NODE_ENV: 'test', AUTH_URL: 'http://localhost:3000' })).status).toBe('warn');
  });
});

describe('Stripe webhook endpoint', () => {
  it('passes an enabled endpoint for the app’s URL that is sent every event type Billfold acts on, naming it', async () => {
    const config = sandboxConfig(41001);
    const endpoint = await t.stripe.webhookEndpoints.create({ url: webhookUrl(config, 'stripe')!, enabled_events: [...STRIPE_HANDLED_EVENT_TYPES] });
    const finding = await checkWebhookRegistration(stripeThrough(t.stripe), config);
    expect(finding.status).toBe('ok');
    expect(finding.line).toContain(`${endpoint.id} for http://127.0.0.1:41001/api/webhooks/stripe is sent every event type Billfold acts on`);
  });

  it('is a blocker when nothing is registered for the app’s URL (an endpoint for another URL does not count)', async () => {
    const config = sandboxConfig(41002);
    await t.stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:41002/api/webhooks/paypal', enabled_events: ['*'] });
    const finding = await checkWebhookRegistration(stripeThrough(t.stripe), config);
    expect(finding.status).toBe('blocker');
    expect(finding.line).toContain('nothing is registered at stripe for http://127.0.0.1:41002/api/webhooks/stripe');
  });

  it('is a blocker naming the event types Billfold acts on that the endpoint is not sent', async () => {
    const config = sandboxConfig(41003);
    const endpoint = await t.stripe.webhookEndpoints.create({
      url: webhookUrl(config, 'stripe')!,
      enabled_events: STRIPE_HANDLED_EVENT_TYPES.filter((type) => type !== 'charge.dispute.created'),
    });
    const finding = await checkWebhookRegistration(stripeThrough(t.stripe), config);
    expect(finding).toMatchObject({ status: 'blocker', line: expect.stringContaining(`${endpoint.id} for http://127.0.0.1:41003/api/webhooks/stripe is not sent 1 event type(s) Billfold acts on: charge.dispute.created`) });
  });

  it('is a blocker when the endpoint is disabled at Stripe, which then sends nothing', async () => {
    const config = sandboxConfig(41004);
    const endpoint = await t.stripe.webhookEndpoints.create({ url: webhookUrl(config, 'stripe')!, enabled_events: ['*'] });
    await t.stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
    const finding = await checkWebhookRegistration(stripeThrough(t.stripe), config);
    expect(finding).toMatchObject({ status: 'blocker', line: expect.stringContaining(`${endpoint.id} for http://127.0.0.1:41004/api/webhooks/stripe is disabled`) });
  });

  it('outside sandbox mode, is a blocker when no signing secret is configured, and made from AUTH_URL', async () => {
    const config = parseEnv({ NODE_ENV: 'test', ...TEST_KEYS, AUTH_URL: 'https://shop-41005.example.com' });
    await t.stripe.webhookEndpoints.create({ url: 'https://shop-41005.example.com/api/webhooks/stripe', enabled_events: ['*'] });
    const unsigned = await checkWebhookRegistration(stripeThrough(t.stripe, []), config);
    expect(unsigned).toMatchObject({ status: 'blocker', line: expect.stringContaining('STRIPE_WEBHOOK_SECRET is not set') });
    const signed = await checkWebhookRegistration(stripeThrough(t.stripe, ['whsec_doctor']), config);
    expect(signed).toMatchObject({ status: 'ok', line: expect.stringContaining('a signing secret is set in STRIPE_WEBHOOK_SECRET') });
  });
});

describe('PayPal webhook', () => {
  const rest = () => paypalClientFor({ apiBase: `${t.server.url}/paypal`, clientId: SANDBOX_CLIENT_ID, clientSecret: SANDBOX_CLIENT_SECRET, environment: 'sandbox' }).rest;
  const register = (url: string, types: readonly string[]) =>
    rest().request<{ id: string }>('POST', '/v1/notifications/webhooks', { body: { url, event_types: types.map((name) => ({ name })) } });

  it('passes the webhook for the app’s URL whose id is the configured one and which is sent every event type Billfold acts on', async () => {
    const config = sandboxConfig(42001);
    const webhook = await register(webhookUrl(config, 'paypal')!, PAYPAL_HANDLED_EVENT_TYPES);
    const finding = await checkWebhookRegistration(paypalThrough(t.server.url, webhook.id), config);
    expect(finding).toMatchObject({ status: 'ok', line: expect.stringContaining(`${webhook.id} for http://127.0.0.1:42001/api/webhooks/paypal is sent every event type`) });
  });

  it('is a blocker when the configured webhook id is not the registered webhook’s, since its deliveries would be refused', async () => {
    const config = sandboxConfig(42002);
    const webhook = await register(webhookUrl(config, 'paypal')!, ['*']);
    const finding = await checkWebhookRegistration(paypalThrough(t.server.url, 'WH-NOT-THIS-ONE'), config);
    expect(finding.status).toBe('blocker');
    expect(finding.line).toContain(`PAYPAL_SANDBOX_WEBHOOK_ID is WH-NOT-THIS-ONE but the webhook registered for this URL is ${webhook.id}`);
  });

  it('is a blocker naming the event types the webhook is not sent, and when none is registered', async () => {
    const config = sandboxConfig(42003);
    const missing = await checkWebhookRegistration(paypalThrough(t.server.url), config);
    expect(missing).toMatchObject({ status: 'blocker', line: expect.stringContaining('nothing is registered at paypal for http://127.0.0.1:42003/api/webhooks/paypal') });
    const webhook = await register(webhookUrl(config, 'paypal')!, PAYPAL_HANDLED_EVENT_TYPES.filter((type) => !type.startsWith('CUSTOMER.DISPUTE.')));
    const partial = await checkWebhookRegistration(paypalThrough(t.server.url, webhook.id), config);
    expect(partial.status).toBe('blocker');
    expect(partial.line).toContain('is not sent 3 event type(s) Billfold acts on: CUSTOMER.DISPUTE.CREATED, CUSTOMER.DISPUTE.UPDATED, CUSTOMER.DISPUTE.RESOLVED');
  });
});

describe('database migrations', () => {
  it('passes a database with every committed migration and the job queues', async () => {
    const finding = await checkMigrations(db, MIGRATIONS_FOLDER);
    expect(finding).toMatchObject({ status: 'ok', line: expect.stringMatching(/^migrated: all \d+ migrations applied/) });
  });

  it('is a blocker for a database never migrated', async () => {
    const finding = await checkMigrations(unmigrated.db, MIGRATIONS_FOLDER);
    expect(finding).toMatchObject({ status: 'blocker', line: expect.stringContaining('not migrated: none of the') });
    expect(finding.line).toContain('npm run db:migrate');
  });

  it('is a blocker naming a migration the database lacks', async () => {
    await halfMigrated.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations)`);
    const finding = await checkMigrations(halfMigrated.db, MIGRATIONS_FOLDER);
    expect(finding.status).toBe('blocker');
    expect(finding.line).toMatch(/^1 of \d+ migrations not applied \(\d{4}_[a-z_]+\)/);
  });
});

describe('admins', () => {
  it('is a blocker while nobody is an admin, and passes once someone is', async () => {
    expect(await checkAdmins(queueDb.db)).toMatchObject({ status: 'blocker', line: expect.stringContaining('npm run admin -- promote <email>') });
    await queueDb.db.insert(users).values({ email: `doctor-admin-${crypto.randomUUID()}@example.com`, role: 'admin' });
    expect(await checkAdmins(queueDb.db)).toEqual({ name: 'admins', status: 'ok', line: '1 admin' });
  });
});

describe('worker', () => {
  it('is a blocker when no worker has ever run against the database', async () => {
    await halfMigrated.db.execute(sql`update pgboss.version set cron_on = null`);
    expect(await checkWorker(halfMigrated.db)).toMatchObject({ status: 'blocker', line: expect.stringContaining('no worker has ever run') });
  });

  it('passes while a worker’s pg-boss stamps its heartbeat', async () => {
    const boss = await startBoss(createBoss(halfMigrated.url, 'worker', { max: 1 }));
    try {
      const finding = await eventually(async () => {
        const found = await checkWorker(halfMigrated.db);
        return found.status === 'ok' ? found : undefined;
      });
      expect(finding.line).toMatch(/^running: last seen \d+ s ago$/);
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });

  it('is a blocker when the worker was last seen longer ago than two minutes', async () => {
    await halfMigrated.db.execute(sql`update pgboss.version set cron_on = now() - interval '10 minutes'`);
    expect(await checkWorker(halfMigrated.db)).toMatchObject({ status: 'blocker', line: expect.stringContaining('not running: last seen 10 min ago') });
  });
});

describe('queue', () => {
  beforeEach(async () => {
    await queueDb.db.execute(sql`delete from webhook_events`);
  });

  const storeEvent = (status: 'pending' | 'dead', receivedAgo: string) =>
    queueDb.db.execute(sql`insert into webhook_events (provider, event_id, type, payload, status, received_at)
      values ('stripe', ${`evt_doctor_${crypto.randomUUID()}`}, 'payment_intent.succeeded', '{}'::jsonb, ${status}, now() - ${receivedAgo}::interval)`);

  it('passes with nothing waiting and nothing dead', async () => {
    expect(await checkQueue(queueDb.db)).toMatchObject({ status: 'ok', line: 'healthy: 0 webhook event(s) waiting, 0 webhook job(s) queued, none dead' });
  });

  it('warns of dead events an admin must re-process, and of events applied late', async () => {
    await storeEvent('dead', '1 hour');
    await storeEvent('pending', '6 minutes');
    const finding = await checkQueue(queueDb.db);
    expect(finding.status).toBe('warn');
    expect(finding.line).toContain('events are applied late');
    expect(finding.line).toContain('1 dead webhook event(s) to re-process at /admin/webhooks');
  });

  it('is a blocker when a verified event has waited more than 30 minutes to be applied', async () => {
    await storeEvent('pending', '31 minutes');
    expect(await checkQueue(queueDb.db)).toMatchObject({ status: 'blocker', line: expect.stringContaining('the oldest received 31 min ago') });
  });
});

describe('email', () => {
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await smtpServer();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('passes an SMTP server that answers and accepts the login, sending nothing', async () => {
    const finding = await checkMail({ delivery: 'smtp', smtpUrl: smtp.url, from: 'Shop <receipts@example.com>' });
    expect(finding).toMatchObject({ status: 'ok', line: expect.stringContaining('answers and accepts the login') });
    expect(smtp.received).toHaveLength(0);
  });

  it('is a blocker when the server refuses the login or does not answer, without showing the password', async () => {
    const refused = await checkMail({ delivery: 'smtp', smtpUrl: smtp.url.replace(SMTP_PASSWORD, 'wrong-password'), from: 'a@example.com' });
    expect(refused.status).toBe('blocker');
    expect(refused.line).toContain('EAUTH');
    expect(refused.line).not.toContain('wrong-password');
    const silent = await checkMail({ delivery: 'smtp', smtpUrl: 'smtp://127.0.0.1:1', from: 'a@example.com' });
    expect(silent).toMatchObject({ status: 'blocker', line: expect.stringContaining('ECONNREFUSED') });
  });

  it('says sandbox mode keeps email in the outbox, and warns when test mode has no SMTP_URL', async () => {
    expect(await checkMail({ delivery: 'outbox', from: 'a@example.com' })).toMatchObject({ status: 'ok', line: expect.stringContaining('outbox') });
    expect(await checkMail({ delivery: 'off', from: 'a@example.com' })).toMatchObject({ status: 'warn' });
  });
});
