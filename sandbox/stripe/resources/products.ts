import type Stripe from 'stripe';
import type { Route } from '../routes';
import { invalidRequest } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';

const PRODUCT_FIELDS = {
  name: p.string({ max: 250 }),
  active: p.bool(),
  description: p.emptyable(p.string({ max: 40000 })),
  metadata: p.metadata(),
  images: p.array(p.string(), { max: 8 }),
  url: p.emptyable(p.string()),
  statement_descriptor: p.string({ max: 22 }),
  unit_label: p.string({ max: 12 }),
  tax_code: p.string(),
  shippable: p.bool(),
};

export async function createProduct(
  ctx: Parameters<Route['handler']>[0],
  fields: { id?: string; name: string; active?: boolean; description?: string | null; metadata?: Record<string, string> | null },
): Promise<Stripe.Product> {
  const now = nowSeconds();
  const product: Stripe.Product = {
    id: fields.id ?? newId('prod'),
    object: 'product',
    active: fields.active ?? true,
    created: now,
    default_price: null,
    description: fields.description ?? null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, fields.metadata),
    name: fields.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: now,
    url: null,
  };
  await ctx.tx.insert(product);
  await emit(ctx, 'product.created', product);
  return product;
}

export const productRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/products',
    async handler(ctx) {
      const params = parseParams({ ...PRODUCT_FIELDS, name: PRODUCT_FIELDS.name.req(), id: p.id() }, ctx.params);
      if (params.id && (await ctx.tx.getAny(params.id))) {
        throw invalidRequest(`Product already exists.`, 'id', 'resource_already_exists');
      }
      return createProduct(ctx, params);
    },
  },
  retrieveRoute('/v1/products/:id', 'product'),
  {
    method: 'POST',
    path: '/v1/products/:id',
    async handler(ctx) {
      const params = parseParams({ ...PRODUCT_FIELDS, default_price: p.string() }, ctx.params);
      const before = await mustGet<Stripe.Product>(ctx, 'product', pathId(ctx), 'product', 'id', true);
      const after: Stripe.Product = {
        ...before,
        ...(params.name !== undefined ? { name: params.name } : {}),
        ...(params.active !== undefined ? { active: params.active } : {}),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.default_price !== undefined ? { default_price: params.default_price } : {}),
        metadata: mergeMetadata(before.metadata, params.metadata),
        updated: nowSeconds(),
      };
      await ctx.tx.save(after);
      await emit(ctx, 'product.updated', after, previousAttributes(before, after));
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/products',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, active: p.bool(), ids: p.array(p.string()) }, ctx.params);
      return listObjects(ctx, 'product', '/v1/products', params, { active: params.active === undefined ? undefined : String(params.active) });
    },
  },
];
