import type { ListQuery, StoredObject } from '../../store';
import type { RequestContext } from '../context';
import type { Route } from '../routes';
import { invalidRequest, resourceMissing } from '../errors';
import { listOf } from '../expand';
import { p, parseParams } from '../params';

/** Parameters every list endpoint takes. */
export const LIST_PARAMS = {
  limit: p.int({ min: 1, max: 100 }),
  starting_after: p.string(),
  ending_before: p.string(),
  created: p.any(),
};

interface ListParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
  created?: unknown;
}

function createdRange(created: unknown): { gte?: number; lte?: number } {
  if (created === undefined) return {};
  if (typeof created === 'string') {
    if (!/^\d+$/.test(created)) throw invalidRequest(`Invalid integer: ${created}`, 'created');
    return { gte: Number(created), lte: Number(created) };
  }
  if (typeof created !== 'object' || Array.isArray(created) || created === null) throw invalidRequest('Invalid object', 'created');
  const range: { gte?: number; lte?: number } = {};
  for (const [op, value] of Object.entries(created as Record<string, unknown>)) {
    if (typeof value !== 'string' || !/^\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${String(value)}`, `created[${op}]`);
    const n = Number(value);
    if (op === 'gte') range.gte = n;
    else if (op === 'gt') range.gte = n + 1;
    else if (op === 'lte') range.lte = n;
    else if (op === 'lt') range.lte = n - 1;
    else throw invalidRequest(`Received unknown parameter: created[${op}]`, `created[${op}]`);
  }
  return range;
}

export async function listObjects<T extends StoredObject>(
  ctx: RequestContext,
  type: string,
  url: string,
  params: ListParams,
  filters: Record<string, string | undefined> = {},
  conditions: Pick<ListQuery, 'contains' | 'anyOf' | 'noneOf'> = {},
) {
  if (params.starting_after && params.ending_before) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  const range = createdRange(params.created);
  const { data, hasMore } = await ctx.tx.list<T>(type, {
    filters,
    limit: params.limit ?? 10,
    startingAfter: params.starting_after,
    endingBefore: params.ending_before,
    createdGte: range.gte,
    createdLte: range.lte,
    ...conditions,
  });
  return listOf(url, data, hasMore);
}

export async function mustGet<T extends StoredObject>(ctx: RequestContext, type: string, id: string, kind = type, param = 'id', forUpdate = false): Promise<T> {
  const found = forUpdate ? await ctx.tx.getForUpdate<T>(type, id) : await ctx.tx.get<T>(type, id);
  if (!found) throw resourceMissing(kind, id, param);
  return found;
}

/** Stripe's metadata update: keys merge, an empty value deletes a key, an empty object param clears. */
export function mergeMetadata(current: Record<string, string> | null | undefined, update: Record<string, string> | null | undefined): Record<string, string> {
  if (update === undefined) return { ...(current ?? {}) };
  if (update === null) return {};
  const merged = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export function pathId(ctx: RequestContext, index = 0): string {
  const id = ctx.path[index];
  if (!id) throw invalidRequest('Missing id in the URL.');
  return id;
}

/** `GET /v1/<resources>/:id`: the object, or 404 resource_missing naming `kind`. */
export function retrieveRoute(path: string, type: string, kind = type): Route {
  return {
    method: 'GET',
    path,
    async handler(ctx) {
      parseParams({}, ctx.params);
      return mustGet(ctx, type, pathId(ctx), kind);
    },
  };
}
