import { describe, expect, it } from 'vitest';
import { expectMatchesPaypalSpec } from './openapi';
import { paypalSandbox } from './support';

const t = paypalSandbox();

interface Product {
  id: string;
  name: string;
  type: string;
  description?: string;
  category?: string;
  image_url?: string;
  home_url?: string;
  create_time: string;
  update_time: string;
  links: { rel: string; href: string }[];
}

async function createProduct(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const reply = await t.rest<Product>('POST', '/v1/catalogs/products', body, headers);
  expectMatchesPaypalSpec('POST', '/v1/catalogs/products', reply.status, reply.body);
  return reply;
}

async function productCount(): Promise<number> {
  const [row] = await t.server.store.sql<{ count: string }[]>`select count(*) from sandbox.objects where type = 'paypal_product'`;
  return Number(row?.count);
}

describe('catalog products', () => {
  it('creates a product with a PROD- id or the caller’s own, raising CATALOG.PRODUCT.CREATED, and shows it again', async () => {
    const made = await createProduct({ name: 'Video streaming', type: 'SERVICE', description: 'Monthly streaming', category: 'SOFTWARE', home_url: 'https://shop.example/streaming' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: expect.stringMatching(/^PROD-[A-Z0-9]{17}$/), name: 'Video streaming', type: 'SERVICE', category: 'SOFTWARE' });
    expect(made.body.links.map((link) => link.rel)).toEqual(['self', 'edit']);
    const own = await createProduct({ id: 'billfold-pro', name: 'Billfold Pro', type: 'DIGITAL' });
    expect(own.status).toBe(201);
    expect(own.body.id).toBe('billfold-pro');
    const shown = await t.rest<Product>('GET', '/v1/catalogs/products/billfold-pro');
    expectMatchesPaypalSpec('GET', '/v1/catalogs/products/billfold-pro', shown.status, shown.body);
    expect(shown.body).toMatchObject({ id: 'billfold-pro', name: 'Billfold Pro', type: 'DIGITAL', create_time: own.body.create_time });
    const events = await t.events('CATALOG.PRODUCT.CREATED');
    expect(events.map((event) => (event.resource as Product).id)).toEqual(expect.arrayContaining([made.body.id, 'billfold-pro']));
    expect(events[0]).toMatchObject({ resource_type: 'product', resource_version: '1.0' });
  });

  it('refuses a taken id, PayPal’s own prefix, a missing type and an unknown one, creating nothing', async () => {
    await createProduct({ id: 'taken-id', name: 'First', type: 'SERVICE' });
    const before = await productCount();
    const duplicate = await createProduct({ id: 'taken-id', name: 'Second', type: 'SERVICE' });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'DUPLICATE_RESOURCE_IDENTIFIER' }] });
    const prefixed = await createProduct({ id: 'PROD-MINE12345', name: 'Mine', type: 'SERVICE' });
    expect(prefixed.status).toBe(400);
    expect(prefixed.body).toMatchObject({ details: [{ issue: 'INVALID_PARAMETER_SYNTAX', description: 'Input identifier must not use system prefix(PROD-).' }] });
    const missing = await createProduct({ name: 'No type' });
    expect(missing.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ issue: 'MISSING_REQUIRED_PARAMETER', field: '/type' }] });
    const unknown = await createProduct({ name: 'Odd', type: 'FOOD' });
    expect(unknown.body).toMatchObject({ details: [{ issue: 'INVALID_PARAMETER_VALUE', field: '/type' }] });
    expect(await productCount()).toBe(before);
    expect((await t.rest('GET', '/v1/catalogs/products/nope-nope')).status).toBe(404);
  });

  it('replays a create with the same PayPal-Request-Id as the one product', async () => {
    const headers = { 'PayPal-Request-Id': `catalog-${Date.now()}` };
    const first = await createProduct({ name: 'Once', type: 'SERVICE' }, headers);
    const again = await createProduct({ name: 'Once', type: 'SERVICE' }, headers);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('lists products a page at a time with the totals and links PayPal gives when asked', async () => {
    for (const name of ['List A', 'List B', 'List C']) await createProduct({ name, type: 'PHYSICAL' });
    const total = await productCount();
    const page = await t.rest<{ products: { id: string; name: string }[]; total_items: number; total_pages: number; links: { rel: string; href: string }[] }>('GET', '/v1/catalogs/products?page_size=2&page=2&total_required=true');
    expect(page.status).toBe(200);
    expectMatchesPaypalSpec('GET', '/v1/catalogs/products', page.status, page.body);
    expect(page.body.total_items).toBe(total);
    expect(page.body.total_pages).toBe(Math.ceil(total / 2));
    expect(page.body.products).toHaveLength(2);
    expect(page.body.links.map((link) => link.rel)).toEqual(expect.arrayContaining(['self', 'prev', 'first']));
    const plain = await t.rest<Record<string, unknown>>('GET', '/v1/catalogs/products');
    expect(plain.body.total_items).toBeUndefined();
    const bad = await t.rest('GET', '/v1/catalogs/products?page_size=50');
    expect(bad.status).toBe(400);
  });

  it('patches description, category, image_url and home_url only, raising CATALOG.PRODUCT.UPDATED', async () => {
    const made = await createProduct({ name: 'Patchable', type: 'SERVICE', image_url: 'https://shop.example/a.png' });
    const path = `/v1/catalogs/products/${made.body.id}`;
    const patched = await t.rest('PATCH', path, [
      { op: 'replace', path: '/description', value: 'Now described' },
      { op: 'add', path: '/category', value: 'SOFTWARE' },
      { op: 'remove', path: '/image_url' },
    ]);
    expect(patched.status).toBe(204);
    expectMatchesPaypalSpec('PATCH', path, 204, patched.body);
    const shown = await t.rest<Product>('GET', path);
    expect(shown.body).toMatchObject({ description: 'Now described', category: 'SOFTWARE' });
    expect(shown.body.image_url).toBeUndefined();
    expect((await t.events('CATALOG.PRODUCT.UPDATED')).some((event) => (event.resource as Product).id === made.body.id)).toBe(true);
    const renamed = await t.rest('PATCH', path, [{ op: 'replace', path: '/name', value: 'New name' }]);
    expect(renamed.status).toBe(400);
    expect(renamed.body).toMatchObject({ details: [{ issue: 'INVALID_PATCH_PATH' }] });
    const moved = await t.rest('PATCH', path, [{ op: 'move', path: '/description', from: '/category' }]);
    expect(moved.body).toMatchObject({ details: [{ issue: 'UNSUPPORTED_PATCH_OPERATION' }] });
    expect((await t.rest<Product>('GET', path)).body.name).toBe('Patchable');
  });
});
