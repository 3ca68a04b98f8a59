import { z } from 'zod';
import type { PaypalContext, PaypalRecord } from './context';
import { parseBody } from './errors';

/**
 * PayPal's v1 page-numbered lists (catalog products, billing plans): `page` (from 1),
 * `page_size` (1–20, default 10) and `total_required`, which adds `total_items` and
 * `total_pages`; the links name the page itself and its neighbours. Oldest first, as PayPal lists
 * products and plans.
 */

const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');

const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  page_size: z.coerce.number().int().min(1).max(20).default(10),
  total_required: booleanParam.default(false),
});

export interface Page<R> {
  records: R[];
  page: number;
  pageSize: number;
  totalItems: number;
  totalRequired: boolean;
}

/** One page of `type` records; `where` narrows them (`data->'resource'->>'product_id' = …`). */
export async function pageOf<R extends PaypalRecord<unknown, unknown>>(ctx: PaypalContext, type: `paypal_${string}`, filters: { field: string; values: string[] }[] = []): Promise<Page<R>> {
  const query = parseBody(PageQuery, Object.fromEntries(['page', 'page_size', 'total_required'].flatMap((name) => (ctx.query.has(name) ? [[name, ctx.query.get(name)]] : []))), 'query');
  const sql = ctx.tx.sql;
  const conditions = filters.map(({ field, values }) => sql`data->'resource'->>${field} in ${sql(values)}`);
  const where = conditions.reduce((acc, condition) => sql`${acc} and ${condition}`, sql`type = ${type}`);
  // One statement: the page and, beside each row, how many there are in all.
  const rows = await sql<{ data: R; total: string }[]>`
    select data, count(*) over () as total from sandbox.objects where ${where}
    order by seq asc limit ${query.page_size} offset ${(query.page - 1) * query.page_size}`;
  let totalItems = Number(rows[0]?.total ?? 0);
  if (rows.length === 0 && query.page > 1) {
    const [row] = await sql<{ total: string }[]>`select count(*) as total from sandbox.objects where ${where}`;
    totalItems = Number(row?.total ?? 0);
  }
  return { records: rows.map((row) => row.data), page: query.page, pageSize: query.page_size, totalItems, totalRequired: query.total_required };
}

/** `{ [key]: items, total_items?, total_pages?, links }` with self, first, last, next and prev as PayPal gives them. */
export function collectionBody<R>(page: Page<R>, key: string, items: unknown[], href: (query: string) => string): Record<string, unknown> {
  const totalPages = Math.ceil(page.totalItems / page.pageSize);
  const at = (number: number) => href(`page_size=${page.pageSize}&page=${number}${page.totalRequired ? '&total_required=true' : ''}`);
  const links = [{ href: at(page.page), rel: 'self', method: 'GET' }];
  if (page.page > 1) links.push({ href: at(1), rel: 'first', method: 'GET' }, { href: at(page.page - 1), rel: 'prev', method: 'GET' });
  if (page.page < totalPages) links.push({ href: at(page.page + 1), rel: 'next', method: 'GET' }, { href: at(totalPages), rel: 'last', method: 'GET' });
  return { [key]: items, ...(page.totalRequired ? { total_items: page.totalItems, total_pages: totalPages } : {}), links };
}
