import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store, type StoredObject } from '@/sandbox/store';

const store = new Store(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');

beforeAll(() => store.migrate());
afterAll(() => store.close());

const thing = (id: string, value: number): StoredObject & { value: number } => ({ id, object: 'test_thing', created: 1, value });
const newId = () => `test_${crypto.randomUUID()}`;

describe('a sandbox transaction', () => {
  it('reads its own writes sent behind, in order, and commits them all', async () => {
    const id = newId();
    const seen = await store.tx(async (tx) => {
      await tx.insert(thing(id, 1));
      await tx.save(thing(id, 2));
      return tx.get<ReturnType<typeof thing>>('test_thing', id);
    });
    expect(seen?.value).toBe(2);
    expect((await store.reader.get<ReturnType<typeof thing>>('test_thing', id))?.value).toBe(2);
  });

  it('rolls everything back when a write sent behind fails, and reports that write’s error rather than the aborted reads after it', async () => {
    const id = newId();
    await store.tx((tx) => tx.insert(thing(id, 1)));
    const other = newId();
    const failed = store.tx(async (tx) => {
      await tx.insert(thing(other, 1));
      // The same id again: a unique violation, answered only after the read below was sent.
      await tx.insert(thing(id, 3));
      return tx.get('test_thing', other);
    });
    await expect(failed).rejects.toMatchObject({ code: '23505' });
    expect(await store.reader.get('test_thing', other)).toBeNull();
  });

  it('rolls back when the work throws, with its writes still in flight', async () => {
    const id = newId();
    await expect(
      store.tx(async (tx) => {
        await tx.insert(thing(id, 1));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await store.reader.get('test_thing', id)).toBeNull();
  });

  it('gives the connection back however it ends, so a pool of eight outlasts many failed transactions', async () => {
    const failures = Array.from({ length: 20 }, () => store.tx(async () => Promise.reject(new Error('no'))).catch(() => 'failed'));
    expect(await Promise.all(failures)).toEqual(Array.from({ length: 20 }, () => 'failed'));
    expect(await store.tx(async (tx) => (await tx.sql<{ one: number }[]>`select 1 as one`)[0]?.one)).toBe(1);
  });
});
