import type { StoredObject, Tx } from '../store';
import { invalidRequest } from './errors';

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

type Json = Record<string, unknown>;

/** Private bookkeeping fields (`_sandbox…`) never leave the sandbox. */
export function publicView<T>(value: T): T {
  if (Array.isArray(value)) return value.map(publicView) as T;
  if (value === null || typeof value !== 'object') return value;
  // PostgreSQL's jsonb reorders keys; Stripe leads with id and object.
  const source = value as Json;
  const out: Json = {};
  if ('id' in source) out.id = source.id;
  if ('object' in source) out.object = source.object;
  for (const [key, inner] of Object.entries(source)) {
    if (!key.startsWith('_')) out[key] = publicView(inner);
  }
  return out as T;
}

/**
 * Replaces ids with the objects they name along each `expand` path (`customer`,
 * `latest_charge.payment_intent`, `data.customer` on lists), as Stripe does, four levels deep.
 */
export async function expandPaths(tx: Tx, root: Json, paths: string[]): Promise<void> {
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length > 4) throw invalidRequest(`You cannot expand more than 4 levels of a property. Property: ${path}`, 'expand');
    await expandAt(tx, root, parts, path);
  }
}

async function expandAt(tx: Tx, node: unknown, parts: string[], fullPath: string): Promise<void> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) await expandAt(tx, item, parts, fullPath);
    return;
  }
  const object = node as Json;
  const [head, ...rest] = parts;
  if (head === undefined) return;
  // Includable fields (an invoice's `confirmation_secret`, `payments`) are stored aside and
  // appear only when expanded, as at Stripe.
  const includable = object._includable;
  if (!(head in object) && includable && typeof includable === 'object' && head in includable) object[head] = (includable as Json)[head];
  if (!(head in object)) throw invalidRequest(`This property cannot be expanded (${fullPath}).`, 'expand');
  let value = object[head];
  // Ids are a lowercase prefix (`cus`, `sub_sched`) and a random part.
  if (typeof value === 'string' && /^[a-z]+(?:_[a-z]+)*_[A-Za-z0-9]+$/.test(value)) {
    const found = await tx.getAny(value);
    if (found) {
      value = found as unknown as Json;
      object[head] = value;
    }
  }
  if (rest.length > 0) await expandAt(tx, value, rest, fullPath);
}

export function listOf<T extends StoredObject>(url: string, data: T[], hasMore: boolean): ListObject<T> {
  return { object: 'list', data, has_more: hasMore, url };
}
