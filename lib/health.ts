import { sql } from 'drizzle-orm';
import { db } from '@/db/client';
import { env } from '@/lib/env';

export interface Check {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

export interface Health {
  status: 'ok' | 'unavailable';
  paymentsMode: string;
  checks: { database: Check; sandbox?: Check };
}

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message.split('\n')[0] : 'unreachable' };
  }
}

/** Database and (in sandbox mode) sandbox reachability; both must answer within two seconds. */
export async function checkHealth(): Promise<Health> {
  const { paymentsMode, sandboxUrl } = env();
  const withTimeout = <T,>(promise: Promise<T>) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 2000 ms')), 2000))]);

  const [database, sandbox] = await Promise.all([
    timed(() => withTimeout(db.execute(sql`select 1`))),
    paymentsMode === 'sandbox'
      ? timed(async () => {
          const response = await fetch(`${sandboxUrl}/health`, { signal: AbortSignal.timeout(2000), cache: 'no-store' });
          if (!response.ok) throw new Error(`sandbox answered ${response.status}`);
        })
      : Promise.resolve(undefined),
  ]);
  const checks = sandbox ? { database, sandbox } : { database };
  const ok = database.ok && (sandbox?.ok ?? true);
  return { status: ok ? 'ok' : 'unavailable', paymentsMode, checks };
}
