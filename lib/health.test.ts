import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('health', () => {
  let restore: () => void;

  beforeAll(async () => {
    const saved = { DATABASE_URL: process.env.DATABASE_URL, SANDBOX_PORT: process.env.SANDBOX_PORT };
    process.env.DATABASE_URL = `postgres://postgres@127.0.0.1:${await closedPort()}/nothing`;
    process.env.SANDBOX_PORT = String(await closedPort());
    restore = () => Object.assign(process.env, saved);
    vi.resetModules();
  });

  afterAll(async () => {
    const { closeDb } = await import('@/db/client');
    await closeDb();
    restore();
  });

  it('reports unavailable, naming what is down, when the database and sandbox are unreachable', async () => {
    const { checkHealth } = await import('./health');
    const health = await checkHealth();
    expect(health.status).toBe('unavailable');
    expect(health.paymentsMode).toBe('sandbox');
    expect(health.checks.database.ok).toBe(false);
    expect(health.checks.sandbox?.ok).toBe(false);
    expect(health.checks.database.error).toBeTruthy();
  });
});
