import { describe, expect, it } from 'vitest';
import { startSandbox } from '@/sandbox/server';
import { isolatedDatabase } from '@/test/database';
import { SECRET_KEY, sdkFor } from '@/test/sandbox';

const database = isolatedDatabase();

describe('sandbox state', () => {
  it('survives a restart: objects created before are there after', async () => {
    const first = await startSandbox({ port: 0, databaseUrl: database.url, allowReset: false });
    const customer = await sdkFor(first.url, SECRET_KEY).customers.create({ email: 'kept@example.com' });
    await first.close();

    const second = await startSandbox({ port: 0, databaseUrl: database.url, allowReset: false });
    try {
      const again = await sdkFor(second.url, SECRET_KEY).customers.retrieve(customer.id);
      expect(again).toMatchObject({ id: customer.id, email: 'kept@example.com' });
    } finally {
      await second.close();
    }
  });

  it('refuses a reset where it is switched off (production), and clears everything where it is on', async () => {
    const production = await startSandbox({ port: 0, databaseUrl: database.url, allowReset: false });
    try {
      const refused = await fetch(`${production.url}/_sandbox/reset`, { method: 'POST' });
      expect(refused.status).toBe(403);
      expect((await sdkFor(production.url, SECRET_KEY).customers.list()).data.length).toBeGreaterThan(0);
    } finally {
      await production.close();
    }
    const development = await startSandbox({ port: 0, databaseUrl: database.url, allowReset: true });
    try {
      expect((await fetch(`${development.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
      expect((await sdkFor(development.url, SECRET_KEY).customers.list()).data).toHaveLength(0);
    } finally {
      await development.close();
    }
  });
});
