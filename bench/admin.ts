/**
 * The admin console at scale (issue 14): seeds a million payments, with their orders, customers,
 * refunds, disputes and webhook events in a shop's proportions, into a database of its own, then
 * measures the production server (`npm run build` first) as an admin's browser asks it:
 *
 * - the transactions list's first page and its 1,000th page: p95 < 30 ms, flat with depth;
 * - a search by email and by provider payment id: p95 < 50 ms;
 * - the overview (every figure, the chart's series, disputes due, latest payments): p95 < 200 ms;
 * - the CSV export of every row: the web server's memory growth < 100 MB.
 *
 * It prints the query plans of the list's statements as PostgreSQL chose them at this scale.
 * The page timings are also stated as ratios to the same-run baseline (bench/baseline.ts: a bare
 * server doing one insert per request, asked one request at a time as these pages are), against
 * targets stated as ratios (the absolute target ÷ the reference baseline's p95, in
 * bench/reference.ts); the export's memory does not depend on the machine's speed and keeps its
 * absolute target.
 *
 *   npm run bench:admin [-- --payments 1000000 --requests 40 --keep]
 *
 * `--keep` leaves the seeded database (billfold_bench_admin) for another run or for EXPLAIN by hand;
 * a later run reuses it when it holds the same number of payments.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import postgres from 'postgres';
import { encode } from 'next-auth/jwt';
import { migrateDatabase } from '../db/migrate';
import { drizzle } from 'drizzle-orm/postgres-js';
import * as schema from '../db/schema';
import { encodeCursor, listTransactions, parseTransactionQuery } from '../lib/billing/admin/transactions';
import { startTemporaryPostgres } from '../scripts/lib/postgres';
import { ROOT, runCli, say } from '../scripts/lib/stack';
import { measureBaseline, sayBaseline, sayRatio } from './baseline';
import { latencyRatioTarget } from './reference';
import { option, percentile, stopChild, waitForHealth } from './measure';

const DATABASE = 'billfold_bench_admin';
const AUTH_SECRET = 'bench-secret-that-is-long-enough-for-auth-js-0123456789';
const PAGE_SIZE = 50;

/** One request at a time, as an admin's browser asks; enough of them for a p95. */
const BASELINE_LOAD = { concurrency: 1, requests: 500 };

/**
 * The shop's history, written by PostgreSQL itself (generate_series), a year of it: 10 buyers
 * per 100 payments; 1 in 20 payments declined first, 1 in 50 abandoned; 1 in 20 paid refunded
 * (in part or whole); 1 in 1,000 disputed; two webhook events per payment. Dollars, euros and yen.
 */
/** A version 4 uuid made from `seed` (SQL text), so the seeded rows can name each other as real ones do. */
function uuid(seed: string): string {
  return `overlay(overlay(md5(${seed}) placing '4' from 13) placing '8' from 17)::uuid`;
}

async function seed(sql: postgres.Sql, payments: number): Promise<void> {
  const buyers = Math.max(1, Math.floor(payments / 10));
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local synchronous_commit = off`);
    // A history written at once, not as it happened: no trigger runs (the overview's stored
    // daily sums start empty and are summed on first read, as after a deploy).
    await tx.unsafe(`set local session_replication_role = replica`);
    await tx.unsafe(`
      insert into orders (id, email, status, currency, amount_subtotal, amount_total, created_at, updated_at)
      select ${uuid("'order' || n")}, 'buyer' || (n % ${buyers}) || '@example.com',
        case when n % 50 = 0 then 'open' when n % 20 = 0 then 'payment_failed' else 'paid' end::order_status,
        case when n % 20 < 16 then 'USD' when n % 20 < 19 then 'EUR' else 'JPY' end,
        500 + (n * 7919) % 49500, 500 + (n * 7919) % 49500,
        now() - make_interval(secs => (${payments} - n) * (365 * 86400.0 / ${payments})), now()
      from generate_series(1::bigint, ${payments}) as n`);
    await tx.unsafe(`
      insert into payments (id, order_id, provider, provider_payment_id, status, currency, amount, amount_captured, amount_refunded, failure_code,
        provider_charge_id, card_brand, card_last4, created_at, updated_at)
      select ${uuid("'payment' || n")}, ${uuid("'order' || n")},
        case when n % 10 = 0 then 'paypal' else 'stripe' end::payment_provider,
        case when n % 10 = 0 then upper(substr(md5('pp' || n), 1, 17)) else 'pi_' || substr(md5('pi' || n), 1, 24) end,
        case when n % 50 = 0 then 'requires_payment_method' when n % 20 = 0 then 'requires_payment_method' else 'succeeded' end::payment_status,
        o.currency, o.amount_total,
        case when n % 50 = 0 or n % 20 = 0 then 0 else o.amount_total end,
        case when n % 20 = 1 then o.amount_total / 2 else 0 end,
        case when n % 50 <> 0 and n % 20 = 0 then (array['card_declined', 'insufficient_funds', 'expired_card', 'incorrect_cvc'])[1 + n % 4] end,
        case when n % 50 = 0 then null when n % 10 = 0 then upper(substr(md5('cap' || n), 1, 17)) else 'ch_' || substr(md5('ch' || n), 1, 24) end,
        case when n % 50 = 0 or n % 10 = 0 then null else (array['visa', 'mastercard', 'amex'])[1 + n % 3] end,
        case when n % 50 = 0 or n % 10 = 0 then null else lpad(((n * 7) % 10000)::text, 4, '0') end,
        o.created_at, o.created_at
      from generate_series(1::bigint, ${payments}) as n join orders o on o.id = ${uuid("'order' || n")}`);
    await tx.unsafe(`
      insert into refunds (payment_id, provider, provider_refund_id, status, amount, currency, created_at, updated_at)
      select p.id, p.provider, 're_' || substr(md5('re' || n), 1, 24), 'succeeded', p.amount_refunded, p.currency, p.created_at + interval '2 days', now()
      from generate_series(1::bigint, ${payments}) as n join payments p on p.id = ${uuid("'payment' || n")}
      where n % 20 = 1`);
    await tx.unsafe(`
      insert into disputes (payment_id, provider, provider_dispute_id, status, amount, currency, reason, evidence_due_by, created_at, updated_at)
      select p.id, p.provider, 'du_' || substr(md5('du' || n), 1, 24),
        (array['needs_response', 'under_review', 'won', 'lost'])[1 + (n / 1000) % 4]::dispute_status,
        p.amount_captured, p.currency, 'fraudulent', p.created_at + interval '30 days', p.created_at + interval '10 days', now()
      from generate_series(1::bigint, ${payments}) as n join payments p on p.id = ${uuid("'payment' || n")}
      where n % 1000 = 7`);
    await tx.unsafe(`
      insert into webhook_events (provider, event_id, type, payload, status, attempts, received_at, processed_at, updated_at)
      select case when n % 10 = 0 then 'paypal' else 'stripe' end::payment_provider, 'evt_' || n || '_' || k,
        case k when 1 then 'payment_intent.created' else 'payment_intent.succeeded' end,
        jsonb_build_object('id', 'evt_' || n || '_' || k, 'type', 'payment_intent.succeeded', 'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_' || substr(md5('pi' || n), 1, 24)))),
        'processed', 1, now() - make_interval(secs => (${payments} - n) * (365 * 86400.0 / ${payments})), now(), now()
      from generate_series(1::bigint, ${payments}) as n, generate_series(1, 2) as k`);
  });
  await sql.unsafe('vacuum analyze');
}

async function timed(url: string, cookie: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { cookie } });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

/** `requests` sequential GETs after ten warm-up ones (the JIT, the pools): p50 and p95 in ms. */
async function measure(url: string, cookie: string, requests: number): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 10; i++) await timed(url, cookie);
  const times: number[] = [];
  for (let i = 0; i < requests; i++) times.push(await timed(url, cookie));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** The resident memory of process `pid`; 0 once it has exited. */
function rssBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The Next.js server process of the stack (next-server), among `root`'s descendants. */
function webServerPid(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    try {
      if (/next-server|next start/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') + fs.readFileSync(`/proc/${pid}/comm`, 'utf8'))) return pid;
    } catch {
      // gone meanwhile
    }
    queue.push(...(children.get(pid) ?? []));
  }
  throw new Error('no next-server process under the stack');
}

runCli(async () => {
  if (!fs.existsSync(`${ROOT}/.next/BUILD_ID`)) throw new Error('Run `npm run build` first: the benchmark measures the production server.');
  const count = option('payments', 1_000_000);
  const requests = option('requests', 40);
  const port = option('port', 3600);
  const sandboxPort = option('sandbox-port', 4800);
  const keep = process.argv.includes('--keep');
  const temporary = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres(54334);
  const base = new URL(process.env.DATABASE_URL ?? temporary!.url);
  const server = postgres(base.toString(), { max: 1, onnotice: () => {} });
  base.pathname = `/${DATABASE}`;
  const databaseUrl = base.toString();
  const [existing] = await server<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${DATABASE}`;
  let reuse = false;
  if (existing?.n) {
    const probe = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const [held] = await probe<{ n: number }[]>`select count(*)::int as n from payments`.catch(() => [{ n: -1 }]);
    await probe.end();
    reuse = held?.n === count;
  }
  if (!reuse) {
    await server.unsafe(`drop database if exists ${DATABASE} with (force)`);
    await server.unsafe(`create database ${DATABASE}`);
    await migrateDatabase(databaseUrl);
    const started = performance.now();
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await seed(sql, count);
    await sql.end();
    say(`seeded ${count} payments (with orders, refunds, disputes, two events each) in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } else {
    await migrateDatabase(databaseUrl);
    say(`reusing ${DATABASE} with ${count} payments`);
  }
  await server.end();

  // An admin, signed in as Auth.js signs people in: a session token for their user id.
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const [admin] = await sql<{ id: string }[]>`
    insert into users (id, email, role) values (gen_random_uuid()::text, 'bench-admin@example.com', 'admin')
    on conflict (lower(email)) do update set role = 'admin' returning id`;
  const token = await encode({ token: { sub: admin!.id }, secret: AUTH_SECRET, salt: 'authjs.session-token' });
  const cookie = `authjs.session-token=${token}`;

  const stack = spawn(`${ROOT}/node_modules/.bin/tsx`, ['scripts/dev.ts', '--production'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      AUTH_SECRET,
      BILLFOLD_ALLOW_TEST_MODE: '1',
      LOG_LEVEL: 'error',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let failed = false;
  try {
    const app = `http://127.0.0.1:${port}`;
    await waitForHealth(app);
    // The 1,000th page (or the last, in a smaller run) starts after the full pages before it:
    // where it starts is read here directly, as the pager's "Older" link would have carried it there.
    const deepPage = Math.min(1000, Math.floor(count / PAGE_SIZE));
    const [deep] = await sql<{ id: string; created_at: string }[]>`
      select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
      from payments order by created_at desc, id desc offset ${PAGE_SIZE * (deepPage - 1) - 1} limit 1`;
    const deepCursor = encodeCursor({ at: deep!.created_at, id: deep!.id });
    const [sample] = await sql<{ email: string; provider_payment_id: string; provider_charge_id: string; card_last4: string }[]>`
      select o.email, p.provider_payment_id, p.provider_charge_id, p.card_last4 from payments p join orders o on o.id = p.order_id
      where p.provider = 'stripe' and p.card_last4 is not null order by p.created_at desc offset ${Math.min(12345, Math.floor(count / 2))} limit 1`;

    // The overview's first request sums every ended day of the last 90 (stored for the next ones).
    const cold = await timed(`${app}/admin`, cookie);
    say(`overview, first request (summing and storing 90 days): ${cold.toFixed(0)} ms`);

    const cases: { label: string; path: string; target?: number }[] = [
      { label: 'transactions, first page', path: '/admin/transactions', target: 30 },
      { label: `transactions, page ${deepPage.toLocaleString('en-US')}`, path: `/admin/transactions?cursor=${deepCursor}`, target: 30 },
      { label: 'search by email', path: `/admin/transactions?q=${encodeURIComponent(sample!.email)}`, target: 50 },
      { label: 'search by provider payment id', path: `/admin/transactions?q=${sample!.provider_payment_id}`, target: 50 },
      { label: 'search by charge id', path: `/admin/transactions?q=${sample!.provider_charge_id}`, target: 50 },
      { label: 'search by card last 4', path: `/admin/transactions?q=${sample!.card_last4}`, target: 50 },
      { label: 'overview', path: '/admin', target: 200 },
      // No target: what a console page costs before its rows (Next.js rendering the layout,
      // the session, one row), and what the server answers with no page at all.
      { label: 'transactions, one row (the page without its rows)', path: '/admin/transactions?limit=1' },
      { label: 'health route (no page)', path: '/api/health' },
    ];
    const baseline = await measureBaseline({ databaseUrl, mode: BASELINE_LOAD });
    say(`admin bench: ${count} payments, ${requests} requests each (p50 / p95 ms, absolute target p95 on the reference machine)`);
    sayBaseline(BASELINE_LOAD, baseline);
    for (const { label, path, target } of cases) {
      const { p50, p95 } = await measure(`${app}${path}`, cookie, requests);
      if (target === undefined) {
        say(`  ${label}: ${p50.toFixed(1)} / ${p95.toFixed(1)} (${(p95 / baseline.p95).toFixed(2)}× the baseline's p95)`);
        continue;
      }
      say(`  ${label}: ${p50.toFixed(1)} / ${p95.toFixed(1)} (< ${target})`);
      if (!sayRatio(`  ${label}, p95 ms`, { baseline: baseline.p95, bench: p95 }, latencyRatioTarget(target, BASELINE_LOAD, 'p95'))) failed = true;
    }

    // The export of every row, read as fast as the client can, the web server's memory sampled throughout.
    const web = webServerPid(stack.pid!);
    const before = rssBytes(web);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(web))), 50);
    const started = performance.now();
    const response = await fetch(`${app}/api/admin/transactions/export`, { headers: { cookie } });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      for (const byte of chunk) if (byte === 10) lines += 1;
    }
    clearInterval(sampler);
    const growth = (peak - before) / 1024 / 1024;
    say(`  CSV export: ${lines - 1} rows, ${(bytes / 1024 / 1024).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s; web server memory ${(before / 1024 / 1024).toFixed(0)} MB → peak ${(peak / 1024 / 1024).toFixed(0)} MB, growth ${growth.toFixed(0)} MB (< 100)${growth < 100 ? '' : '  MISSED'}`);
    if (growth >= 100 || lines - 1 !== count) failed = true;

    // The plans PostgreSQL chose for the list's statements at this scale, from the statements the
    // read model sends (captured through Drizzle's logger, run again under EXPLAIN).
    const captured: { query: string; params: unknown[] }[] = [];
    const planSql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const db = drizzle(planSql, { schema, logger: { logQuery: (query: string, params: unknown[]) => void captured.push({ query, params }) } });
    const plans: [string, Record<string, string>][] = [
      ['first page', {}],
      [`page ${deepPage.toLocaleString('en-US')}`, { cursor: deepCursor }],
      ['search by email', { q: sample!.email }],
      ['search by provider payment id', { q: sample!.provider_payment_id }],
      ['search by card last 4', { q: sample!.card_last4 }],
    ];
    for (const [label, params] of plans) {
      captured.length = 0;
      await listTransactions(db, parseTransactionQuery(params));
      const statement = captured[0]!;
      const rows = await planSql.unsafe(`explain (analyze, buffers, costs off, summary off) ${statement.query}`, statement.params as never[]);
      say(`\n  plan, ${label}:\n${rows.map((row) => `    ${String(row['QUERY PLAN'])}`).join('\n')}`);
    }
    await planSql.end();
  } finally {
    await sql.end();
    await stopChild(stack);
    if (!keep) {
      const cleanup = postgres(new URL(databaseUrl.replace(`/${DATABASE}`, '/postgres')).toString(), { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${DATABASE} with (force)`).catch(() => {});
      await cleanup.end();
    }
    await temporary?.stop();
  }
  if (failed) process.exitCode = 1;
});
