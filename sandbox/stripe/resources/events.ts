import type Stripe from 'stripe';
import type { Route } from '../routes';
import { p, parseParams } from '../params';
import { LIST_PARAMS, retrieveRoute, listObjects } from './common';

export const eventRoutes: Route[] = [
  retrieveRoute('/v1/events/:id', 'event'),
  {
    method: 'GET',
    path: '/v1/events',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, type: p.string(), types: p.array(p.string(), { max: 20 }), delivery_success: p.bool() }, ctx.params);
      if (params.types) {
        const sql = ctx.tx.sql;
        const limit = params.limit ?? 10;
        const rows = await sql<{ data: Stripe.Event }[]>`
          select data from sandbox.objects where type = 'event' and data->>'type' in ${sql(params.types)}
          order by seq desc limit ${limit + 1}`;
        return { object: 'list', data: rows.slice(0, limit).map((row) => row.data), has_more: rows.length > limit, url: '/v1/events' };
      }
      return listObjects(ctx, 'event', '/v1/events', params, { type: params.type });
    },
  },
];
