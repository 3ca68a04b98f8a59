import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { seedCatalog } from '@/db/seed';
import { PaypalApiError, paypalClientFor, paypalConnection, type PaypalConnection } from '@/lib/payments/paypal/client';
import { assertPortFree, StartupError } from './ports';
import { ensureDevAuthSecret, loadDotEnv, resolveDatabase, ROOT, say, validateEnv } from './stack';

// The web server and the worker allocate a few hundred kilobytes per webhook; with Node's default
// 16 MB semi-spaces a storm of 200 events/s runs a scavenge every quarter second in each. 32 MB
// halves the scavenges and promotes less to the old generation (bench:webhooks: GC time -20%).
const HOT_PATH_NODE_OPTIONS = ['--max-semi-space-size=32'];

const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

const SANDBOX_ADMIN_KEY = 'sk_test_billfold_orchestrator';

async function sandboxCall(base: string, method: string, path: string, body?: Record<string, string>): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SANDBOX_ADMIN_KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: body ? new URLSearchParams(body) : undefined,
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new StartupError(`The sandbox refused ${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

/** Waits for the sandbox, replaces any endpoint for `url` with a fresh one, returns its secret. */
async function registerSandboxWebhook(base: string, url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const healthy = await fetch(`${base}/health`).then((response) => response.ok, () => false);
    if (healthy) break;
    if (attempt > 300) throw new StartupError(`The sandbox did not answer at ${base} within 30 s.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const existing = (await sandboxCall(base, 'GET', '/v1/webhook_endpoints?limit=100')) as { data: { id: string; url: string }[] };
  for (const endpoint of existing.data.filter((candidate) => candidate.url === url)) {
    await sandboxCall(base, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  }
  const created = await sandboxCall(base, 'POST', '/v1/webhook_endpoints', { url, 'enabled_events[0]': '*', description: 'Billfold (registered by npm run dev)' });
  return String(created.secret);
}

/**
 * Replaces any PayPal webhook for `url` at the sandbox's PayPal with a fresh one for every event
 * type, as a merchant registers one in PayPal's dashboard; returns the id PayPal signs its
 * deliveries with. Called after registerSandboxWebhook, so the sandbox is up. It goes through
 * the app's own REST caller, so the stack starts only if the app's credentials work there.
 */
async function registerSandboxPaypalWebhook(connection: PaypalConnection, url: string): Promise<string> {
  const { rest } = paypalClientFor(connection);
  const call = async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => {
    try {
      return await rest.request<T>(method, path, { body });
    } catch (error) {
      if (!(error instanceof PaypalApiError)) throw error;
      throw new StartupError(error.status === 401 ? 'The sandbox refused its own PayPal credentials.' : `The sandbox refused ${method} /paypal${path}: ${error.message}`);
    }
  };
  const { webhooks } = await call<{ webhooks: { id: string; url: string }[] }>('GET', '/v1/notifications/webhooks');
  for (const webhook of webhooks.filter((candidate) => candidate.url === url)) await call('DELETE', `/v1/notifications/webhooks/${webhook.id}`);
  const created = await call<{ id: string }>('POST', '/v1/notifications/webhooks', { url, event_types: [{ name: '*' }] });
  return String(created.id);
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}

/**
 * Database (DATABASE_URL, or the embedded PostgreSQL under .data/) → migrations → demo catalog
 * → sandbox (in sandbox mode) → queue worker → Next.js. SIGINT/SIGTERM stop every child, then
 * the embedded database; if any child dies, everything stops. With `logDir`, each child writes its
 * stdout and stderr to `<logDir>/<name>.log` instead of the terminal (the e2e run reads them).
 */
export async function runStack({ production, logDir }: { production: boolean; logDir?: string }): Promise<void> {
  Object.assign(process.env, { NODE_ENV: production ? 'production' : 'development' });
  loadDotEnv(!production);
  if (!production) ensureDevAuthSecret();
  const config = validateEnv();

  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  if (production && !fs.existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) {
    throw new StartupError('There is no production build: run `npm run build` first.');
  }
  await assertPortFree(config.port, 'Billfold', 'PORT');
  if (config.paymentsMode === 'sandbox') await assertPortFree(config.sandboxPort, 'the sandbox', 'SANDBOX_PORT');

  const { url, embedded } = await resolveDatabase();
  const children: ChildProcess[] = [];
  let stopping = false;

  /** Every child stopped (SIGTERM, SIGKILL after 10 s), then the embedded database; once. */
  async function stopAll(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await embedded?.stop();
  }

  async function stop(code: number): Promise<never> {
    await stopAll();
    process.exit(code);
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    await migrateDatabase(url);
    const { sql, db } = connect(url, { max: 1 });
    await seedCatalog(db).finally(() => sql.end());
  } catch (error) {
    await embedded?.stop();
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new StartupError(`Could not prepare the database at ${redactUrl(url)}: ${detail}`);
  }

  function start(name: string, command: string, args: string[], extra: { nodeOptions?: string[]; env?: Record<string, string> } = {}) {
    const nodeOptions = extra.nodeOptions ?? [];
    const env = { ...process.env, ...extra.env, ...(nodeOptions.length > 0 ? { NODE_OPTIONS: [process.env.NODE_OPTIONS, ...nodeOptions].filter(Boolean).join(' ') } : {}) };
    // The file itself is the child's stdout and stderr: nothing buffered here can be lost when
    // this process exits right after its children.
    const output = logDir ? fs.openSync(path.join(logDir, `${name}.log`), 'a') : 'inherit';
    const child = spawn(command, args, { stdio: ['inherit', output, output], env });
    if (typeof output === 'number') fs.closeSync(output);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const why = logDir ? ` (its output: ${path.join(logDir, `${name}.log`)})` : '';
      console.error(`billfold: ${name} stopped (${signal ?? `exit code ${code}`})${why}; stopping everything.`);
      void stop(code || 1);
    });
    children.push(child);
  }

  // A start that fails half-way (the sandbox never answered, say) leaves nothing running behind it.
  try {
    await startChildren();
  } catch (error) {
    await stopAll();
    throw error;
  }

  say(
    `billfold: ${production ? 'production' : 'development'} stack on http://localhost:${config.port} ` +
      `(payments: ${config.paymentsMode}${embedded ? ', embedded PostgreSQL in .data/' : ''})`,
  );

  async function startChildren(): Promise<void> {
    if (config.paymentsMode === 'sandbox') {
      start('sandbox', bin('tsx'), ['scripts/sandbox.ts']);
      // The app's webhook route is registered with the sandbox on every start, as a developer
      // registers it with Stripe; its signing secret reaches the app through the environment.
      // Secrets already set stay valid too (e.g. a forwarding tool's, or a benchmark's own).
      const sandboxSecret = await registerSandboxWebhook(config.sandboxUrl, `http://127.0.0.1:${config.port}/api/webhooks/stripe`);
      process.env.STRIPE_WEBHOOK_SECRET = [sandboxSecret, ...config.stripe.webhookSecrets].join(',');
      // PayPal signs with the webhook's id rather than a secret: the app learns which id is its own.
      process.env.PAYPAL_SANDBOX_WEBHOOK_ID = await registerSandboxPaypalWebhook(paypalConnection(config), `http://127.0.0.1:${config.port}/api/webhooks/paypal`);
    }
    start('worker', bin('tsx'), ['scripts/worker.ts'], { nodeOptions: HOT_PATH_NODE_OPTIONS, env: { PGAPPNAME: 'billfold-worker' } });
    start('web', bin('next'), [production ? 'start' : 'dev', '--port', String(config.port)], { nodeOptions: HOT_PATH_NODE_OPTIONS, env: { PGAPPNAME: 'billfold-web' } });
  }
}
