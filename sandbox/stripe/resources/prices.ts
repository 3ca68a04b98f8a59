import type Stripe from 'stripe';
import type { Route } from '../routes';
import { invalidRequest } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects, mergeMetadata, mustGet, pathId } from './common';
import { createProduct } from './products';

const RECURRING = p.object({
  interval: p.oneOf(['day', 'week', 'month', 'year'] as const).req(),
  interval_count: p.int({ min: 1, max: 365 }),
  usage_type: p.oneOf(['licensed', 'metered'] as const),
  meter: p.string(),
});

/**
 * Frees `lookupKey` for a new price (Stripe's `transfer_lookup_key`), or refuses when another
 * price holds it.
 */
async function claimLookupKey(ctx: Parameters<Route['handler']>[0], lookupKey: string, transfer: boolean, selfId?: string) {
  const holders = await ctx.tx.sql<{ data: Stripe.Price }[]>`
    select data from sandbox.objects where type = 'price' and data->>'lookup_key' = ${lookupKey} for update`;
  for (const { data: holder } of holders) {
    if (holder.id === selfId) continue;
    if (!transfer) {
      throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, 'lookup_key');
    }
    const moved: Stripe.Price = { ...holder, lookup_key: null };
    await ctx.tx.save(moved);
    await emit(ctx, 'price.updated', moved, { lookup_key: lookupKey });
  }
}

export const priceRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/prices',
    async handler(ctx) {
      const params = parseParams(
        {
          currency: p.currency().req(),
          unit_amount: p.int({ min: 0, max: 99999999 }),
          unit_amount_decimal: p.string(),
          product: p.id(),
          product_data: p.object({ name: p.string().req(), active: p.bool(), metadata: p.metadata(), statement_descriptor: p.string(), unit_label: p.string(), tax_code: p.string() }),
          recurring: RECURRING,
          lookup_key: p.string({ max: 200 }),
          transfer_lookup_key: p.bool(),
          nickname: p.string(),
          active: p.bool(),
          metadata: p.metadata(),
          tax_behavior: p.oneOf(['exclusive', 'inclusive', 'unspecified'] as const),
          billing_scheme: p.oneOf(['per_unit'] as const),
        },
        ctx.params,
      );
      if (!params.product && !params.product_data) throw invalidRequest('You must specify either `product` or `product_data` when creating a price.', 'product');
      if (params.product && params.product_data) throw invalidRequest('You may only specify one of these parameters: product, product_data.', 'product');
      let unitAmount = params.unit_amount;
      if (unitAmount === undefined && params.unit_amount_decimal !== undefined) {
        if (!/^\d+$/.test(params.unit_amount_decimal)) throw invalidRequest('The sandbox supports whole minor units only in unit_amount_decimal.', 'unit_amount_decimal');
        unitAmount = Number(params.unit_amount_decimal);
      }
      if (unitAmount === undefined) throw invalidRequest('Missing required param: unit_amount.', 'unit_amount');
      const productId = params.product ?? (await createProduct(ctx, params.product_data as { name: string })).id;
      if (params.product) await mustGet<Stripe.Product>(ctx, 'product', productId, 'product', 'product');
      if (params.lookup_key) await claimLookupKey(ctx, params.lookup_key, params.transfer_lookup_key ?? false);
      const price: Stripe.Price = {
        id: newId('price'),
        object: 'price',
        active: params.active ?? true,
        billing_scheme: 'per_unit',
        created: nowSeconds(),
        currency: params.currency,
        custom_unit_amount: null,
        livemode: false,
        lookup_key: params.lookup_key ?? null,
        metadata: mergeMetadata({}, params.metadata),
        nickname: params.nickname ?? null,
        product: productId,
        recurring: params.recurring
          ? { interval: params.recurring.interval, interval_count: params.recurring.interval_count ?? 1, meter: null, trial_period_days: null, usage_type: params.recurring.usage_type ?? 'licensed' }
          : null,
        tax_behavior: params.tax_behavior ?? 'unspecified',
        tiers_mode: null,
        transform_quantity: null,
        type: params.recurring ? 'recurring' : 'one_time',
        unit_amount: unitAmount,
        unit_amount_decimal: String(unitAmount) as unknown as Stripe.Price['unit_amount_decimal'],
      };
      await ctx.tx.insert(price);
      await emit(ctx, 'price.created', price);
      return price;
    },
  },
  retrieveRoute('/v1/prices/:id', 'price'),
  {
    method: 'POST',
    path: '/v1/prices/:id',
    async handler(ctx) {
      const params = parseParams(
        { active: p.bool(), lookup_key: p.emptyable(p.string({ max: 200 })), transfer_lookup_key: p.bool(), nickname: p.emptyable(p.string()), metadata: p.metadata(), tax_behavior: p.oneOf(['exclusive', 'inclusive', 'unspecified'] as const) },
        ctx.params,
      );
      const before = await mustGet<Stripe.Price>(ctx, 'price', pathId(ctx), 'price', 'id', true);
      if (params.lookup_key) await claimLookupKey(ctx, params.lookup_key, params.transfer_lookup_key ?? false, before.id);
      const after: Stripe.Price = {
        ...before,
        ...(params.active !== undefined ? { active: params.active } : {}),
        ...(params.lookup_key !== undefined ? { lookup_key: params.lookup_key } : {}),
        ...(params.nickname !== undefined ? { nickname: params.nickname } : {}),
        ...(params.tax_behavior !== undefined ? { tax_behavior: params.tax_behavior } : {}),
        metadata: mergeMetadata(before.metadata, params.metadata),
      };
      await ctx.tx.save(after);
      await emit(ctx, 'price.updated', after, previousAttributes(before, after));
      return after;
    },
  },
  {
    method: 'GET',
    path: '/v1/prices',
    async handler(ctx) {
      const params = parseParams(
        { ...LIST_PARAMS, active: p.bool(), product: p.string(), type: p.oneOf(['one_time', 'recurring'] as const), currency: p.currency(), lookup_keys: p.array(p.string(), { max: 10 }) },
        ctx.params,
      );
      const filters = {
        active: params.active === undefined ? undefined : String(params.active),
        product: params.product,
        type: params.type,
        currency: params.currency,
      };
      if (params.lookup_keys) {
        // Several keys: one query each, merged newest first (at most ten keys).
        const all: Stripe.Price[] = [];
        for (const key of params.lookup_keys) {
          const page = await listObjects<Stripe.Price>(ctx, 'price', '/v1/prices', { limit: 100 }, { ...filters, lookup_key: key });
          all.push(...page.data);
        }
        all.sort((a, b) => b.created - a.created);
        const limit = params.limit ?? 10;
        return { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: '/v1/prices' };
      }
      return listObjects(ctx, 'price', '/v1/prices', params, filters);
    },
  },
];
