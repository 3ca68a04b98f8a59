import { z } from 'zod';
import { collectionBody, pageOf } from './collections';
import { mustGet, type PaypalContext, type PaypalRecord, type PaypalRoute } from './context';
import { invalidRequest, parseBody, unprocessable } from './errors';
import { raiseEvent } from './events';
import { productId, paypalTime } from './ids';
import { applyPatch, withField, type PatchRule } from './json-patch';

/**
 * Catalog Products v1 (developer.paypal.com/docs/api/catalog-products/v1): what a merchant sells
 * on subscription; every billing plan names one. A caller may choose the id (6–50 characters,
 * not starting with PayPal's own `PROD-`), and a second product with that id is
 * DUPLICATE_RESOURCE_IDENTIFIER.
 */

const DOCS = 'catalog-products/v1';

export interface ProductResource {
  id: string;
  name: string;
  type: 'PHYSICAL' | 'DIGITAL' | 'SERVICE';
  description?: string;
  category?: string;
  image_url?: string;
  home_url?: string;
  create_time: string;
  update_time: string;
}

export type ProductRecord = PaypalRecord<ProductResource, Record<string, never>>;
export const PRODUCT = 'paypal_product';

const Category = z.string().min(4).max(256).regex(/^[A-Z_]+$/);
const Url = z.string().min(1).max(2000).regex(/^https?:\/\/\S+$/, 'INVALID_PARAMETER_SYNTAX: The value of a field does not conform to the expected format.');
const Description = z.string().min(1).max(256);

const CreateProduct = z.object({
  id: z
    .string()
    .min(6)
    .max(50)
    .regex(/^[A-Za-z0-9_-]+$/)
    .refine((id) => !id.startsWith('PROD-'), 'INVALID_PARAMETER_SYNTAX: Input identifier must not use system prefix(PROD-).')
    .optional(),
  name: z.string().min(1).max(127),
  type: z.enum(['PHYSICAL', 'DIGITAL', 'SERVICE']),
  description: Description.optional(),
  category: Category.optional(),
  image_url: Url.optional(),
  home_url: Url.optional(),
});

const PATCHABLE: PatchRule<ProductResource>[] = (
  [
    ['description', Description],
    ['category', Category],
    ['image_url', Url],
    ['home_url', Url],
  ] as const
).map(([field, value]) => ({
  path: `/${field}`,
  ops: ['add', 'replace', 'remove'],
  value,
  apply: (product, change) => withField(product, field, change.value as string | undefined),
}));

export function productView(record: ProductRecord, base: string) {
  const href = `${base}/v1/catalogs/products/${encodeURIComponent(record.id)}`;
  return { ...record.resource, links: [{ href, rel: 'self', method: 'GET' }, { href, rel: 'edit', method: 'PATCH' }] };
}

async function replay(ctx: PaypalContext, id: string) {
  return { status: 201, body: productView(await mustGet<ProductResource>(ctx.tx, PRODUCT, id) as ProductRecord, ctx.base), resourceId: id };
}

export const CATALOG_ROUTES: PaypalRoute[] = [
  {
    method: 'POST',
    path: '/v1/catalogs/products',
    docs: DOCS,
    idempotency: 'catalogs',
    replay,
    async handle(ctx) {
      const input = parseBody(CreateProduct, ctx.body);
      const id = input.id ?? productId();
      const time = paypalTime(ctx.now);
      const record: ProductRecord = { id, object: PRODUCT, created: ctx.now, resource: { ...input, id, create_time: time, update_time: time }, internal: {} };
      // The id is the row's primary key: a taken one (a product, or any other object) is refused without an exception aborting the transaction.
      const inserted = await ctx.tx.sql`insert into sandbox.objects (id, type, created, data) values (${id}, ${PRODUCT}, ${ctx.now}, ${ctx.tx.sql.json(record as never)}) on conflict (id) do nothing returning id`;
      if (inserted.length === 0) throw unprocessable('DUPLICATE_RESOURCE_IDENTIFIER', 'Identifier must be unique.', '/id');
      const view = productView(record, ctx.base);
      await raiseEvent(ctx, { eventType: 'CATALOG.PRODUCT.CREATED', resourceType: 'product', resourceVersion: '1.0', resource: view, summary: `Product ${id} created.` });
      return { status: 201, body: view, resourceId: id };
    },
  },
  {
    method: 'GET',
    path: '/v1/catalogs/products',
    docs: DOCS,
    async handle(ctx) {
      const page = await pageOf<ProductRecord>(ctx, PRODUCT);
      const items = page.records.map((record) => {
        const { id, name, description, create_time } = record.resource;
        return { id, name, ...(description ? { description } : {}), create_time, links: [{ href: `${ctx.base}/v1/catalogs/products/${encodeURIComponent(id)}`, rel: 'self', method: 'GET' }] };
      });
      return { status: 200, body: collectionBody(page, 'products', items, (query) => `${ctx.base}/v1/catalogs/products?${query}`) };
    },
  },
  {
    method: 'GET',
    path: '/v1/catalogs/products/:id',
    docs: DOCS,
    async handle(ctx) {
      return { status: 200, body: productView((await mustGet<ProductResource>(ctx.tx, PRODUCT, ctx.params.id ?? '', { field: 'product_id' })) as ProductRecord, ctx.base) };
    },
  },
  {
    method: 'PATCH',
    path: '/v1/catalogs/products/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = (await mustGet<ProductResource>(ctx.tx, PRODUCT, ctx.params.id ?? '', { field: 'product_id', lock: true })) as ProductRecord;
      if (!Array.isArray(ctx.body)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.');
      const resource = { ...applyPatch(record.resource, ctx.body, PATCHABLE), update_time: paypalTime(ctx.now) };
      const saved = await ctx.tx.save({ ...record, resource });
      await raiseEvent(ctx, { eventType: 'CATALOG.PRODUCT.UPDATED', resourceType: 'product', resourceVersion: '1.0', resource: productView(saved, ctx.base), summary: `Product ${record.id} updated.` });
      return { status: 204 };
    },
  },
];
