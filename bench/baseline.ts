/**
 * The same-run baseline every bench prints beside its own figures: a bare node:http server, in a
 * process of its own as the app's web server is, that does one PostgreSQL insert per request (a
 * pool of 10, as `db/client.ts` gives the app), driven by the same kind of load as the bench:
 * open loop at a rate, or closed loop at a concurrency. Absolute figures differ about 2× between
 * machines of the same kind (and between a quiet and a busy hour of one machine), so each bench
 * also states its figure, and its target, as a ratio to this floor measured minutes apart.
 *
 *   npm run bench:baseline [-- --rate 200 --seconds 20 | --concurrency 8 --requests 4000]
 *
 * (without DATABASE_URL it starts a throwaway PostgreSQL, as the benches do).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startTemporaryPostgres } from '../scripts/lib/postgres';
import { runCli, say } from '../scripts/lib/stack';
import { option, percentile } from './measure';

/** Open loop (requests sent on schedule whatever the answers) or closed loop (each client waits for its answer). */
export type BaselineLoad = { rate: number; seconds: number } | { concurrency: number; requests: number };

export interface LatencyFigures {
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  /** Answers per second over the measured run. */
  perSecond: number;
  /** Requests that failed or were not answered 2xx (the baseline should have none). */
  failures: number;
}

/** The database pool of the app's web server (db/client.ts), so the floor queues as the app does. */
const POOL_SIZE = 10;

/** About the size of a signed webhook event, the largest body the benches send. */
const BODY = JSON.stringify({ id: 'evt_baseline', type: 'payment_intent.succeeded', data: { object: { id: 'pi_baseline', object: 'payment_intent', amount: 1999, currency: 'usd' } }, padding: 'x'.repeat(300) });

/** The server side, in the forked process: one insert per request, then 200. */
async function serve(databaseUrl: string, table: string, niceness: number): Promise<void> {
  os.setPriority(niceness);
  const sql = postgres(databaseUrl, { max: POOL_SIZE, onnotice: () => {}, connection: { application_name: 'billfold-baseline' } });
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      sql`insert into ${sql(table)} (body) values (${Buffer.concat(chunks).toString('utf8')})`.then(
        () => response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'),
        () => response.writeHead(500).end(),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
  process.on('disconnect', () => {
    server.close();
    void sql.end({ timeout: 1 }).then(() => process.exit(0));
  });
}

/** Starts the baseline server in its own process at `niceness`; resolves with its port once it listens. */
function startServer(databaseUrl: string, table: string, niceness: number): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BASELINE_DATABASE_URL: databaseUrl, BASELINE_TABLE: table, BASELINE_NICENESS: String(niceness) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`the baseline server exited (${code}) before it listened`)));
  });
}

/** POSTs the body once; resolves with the latency in ms, rejects on a non-2xx answer or a socket error. */
function post(agent: http.Agent, port: number): Promise<number> {
  const sent = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, host: '127.0.0.1', port, path: '/', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(BODY) } }, (response) => {
      response.resume();
      response.once('end', () => ((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300 ? resolve(performance.now() - sent) : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    request.once('error', reject);
    request.end(BODY);
  });
}

/** Runs `load` against the server at `port`: the latencies of the answers, sorted, and the run's length. */
async function drive(port: number, load: BaselineLoad): Promise<{ latencies: number[]; failures: number; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 'rate' in load ? 64 : load.concurrency, scheduling: 'fifo' });
  const latencies: number[] = [];
  let failures = 0;
  const record = (request: Promise<number>) => request.then((latency) => void latencies.push(latency), () => void failures++);
  const started = performance.now();
  if ('rate' in load) {
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < load.rate * load.seconds; n++) {
      const wait = started + (n * 1000) / load.rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(record(post(agent, port)));
    }
    await Promise.all(inFlight);
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: load.concurrency }, async () => {
      while (next++ < load.requests) await record(post(agent, port));
    }));
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { latencies: latencies.sort((a, b) => a - b), failures, seconds };
}

/** A short run of the same load, so the JIT and the pool are warm before the measured one (as every bench warms up). */
function warmUpOf(load: BaselineLoad): BaselineLoad {
  return 'rate' in load ? { rate: load.rate, seconds: Math.min(load.seconds, 3) } : { concurrency: load.concurrency, requests: Math.min(load.requests, load.concurrency * 50) };
}

/**
 * The floor of this machine, now: a bare server doing one insert per request under `mode`, in a
 * table of its own (created and dropped here) on the bench's database. `niceness` is the measured
 * server's (the sandbox runs at 10), so on a busy machine the floor is scheduled as it is.
 */
export async function measureBaseline({ databaseUrl, mode, niceness = 0 }: { databaseUrl: string; mode: BaselineLoad; niceness?: number }): Promise<LatencyFigures> {
  const table = `bench_baseline_${process.pid}_${Date.now()}`;
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await sql`create table ${sql(table)} (id bigserial primary key, body text not null, received_at timestamptz not null default now())`;
  const { child, port } = await startServer(databaseUrl, table, niceness);
  try {
    await drive(port, warmUpOf(mode));
    const { latencies, failures, seconds } = await drive(port, mode);
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), perSecond: latencies.length / seconds, failures };
  } finally {
    // Disconnecting tells the server to close its pool and exit (see `serve`).
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    }
    await sql`drop table if exists ${sql(table)}`;
    await sql.end();
  }
}

/** What a load is, in words, for the lines the benches print. */
export function describeLoad(load: BaselineLoad): string {
  return 'rate' in load ? `${load.rate} requests/s for ${load.seconds} s, open loop` : `${load.requests} requests from ${load.concurrency} concurrent clients`;
}

/** A ratio target: the bench's figure over the baseline's, at most (latencies) or at least (throughputs). */
export type RatioTarget = { atMost: number } | { atLeast: number };

/**
 * Prints one figure beside the baseline's and their ratio, with the target as a ratio:
 * "p99 ms — baseline: 3.1 / this bench: 27.4 / ratio: 8.8 (target ratio ≤ 12.5)". True when met.
 */
export function sayRatio(label: string, { baseline, bench }: { baseline: number; bench: number }, target: RatioTarget): boolean {
  const ratio = bench / baseline;
  const met = 'atMost' in target ? ratio <= target.atMost : ratio >= target.atLeast;
  const wanted = 'atMost' in target ? `≤ ${target.atMost}` : `≥ ${target.atLeast}`;
  say(`  ${label} — baseline: ${baseline.toFixed(1)} / this bench: ${bench.toFixed(1)} / ratio: ${ratio.toFixed(2)} (target ratio ${wanted})${met ? '' : '  MISSED'}`);
  return met;
}

/** Prints the baseline's own figures, the line every bench starts its comparison with. */
export function sayBaseline(load: BaselineLoad, figures: LatencyFigures, niceness = 0): void {
  say(`  baseline (bare node:http + one PostgreSQL insert, ${describeLoad(load)}${niceness ? `, at nice ${niceness}` : ''}): p50 ${figures.p50.toFixed(1)}, p95 ${figures.p95.toFixed(1)}, p99 ${figures.p99.toFixed(1)} ms, ${figures.perSecond.toFixed(0)}/s${figures.failures ? `, ${figures.failures} FAILED` : ''}`);
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && process.argv[2] === 'serve') {
  void serve(process.env.BASELINE_DATABASE_URL!, process.env.BASELINE_TABLE!, Number(process.env.BASELINE_NICENESS ?? 0));
} else if (isMain) {
  runCli(async () => {
    const temporary = process.env.DATABASE_URL ? undefined : await startTemporaryPostgres(54335);
    const mode: BaselineLoad = process.argv.includes('--concurrency')
      ? { concurrency: option('concurrency', 8), requests: option('requests', 4000) }
      : { rate: option('rate', 200), seconds: option('seconds', 20) };
    try {
      say('baseline:');
      sayBaseline(mode, await measureBaseline({ databaseUrl: process.env.DATABASE_URL ?? temporary!.url, mode }));
    } finally {
      await temporary?.stop();
    }
  });
}
