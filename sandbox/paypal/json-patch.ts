import { z } from 'zod';
import { invalidRequest, parseBody } from './errors';

/**
 * PayPal's PATCH bodies: a JSON Patch array (`[{ op, path, value }]`) where each API names the
 * paths it lets a caller change and with which operations (products: description, category,
 * image_url, home_url; plans: name, payment preferences, …). A path it does not name is
 * INVALID_PATCH_PATH, an operation it does not allow there UNSUPPORTED_PATCH_OPERATION, two
 * operations on one path INVALID_PATCH_PATH, as PayPal answers.
 */

export type PatchOp = 'add' | 'replace' | 'remove';

export interface PatchRule<T> {
  /** The path, or a pattern whose groups the change receives (`/plan/billing_cycles/@sequence==(\d+)/total_cycles`). */
  path: string | RegExp;
  ops: readonly PatchOp[];
  /** The value's schema; `remove` takes none. */
  value: z.ZodType;
  apply(target: T, change: { op: PatchOp; value: unknown; groups: string[] }): T;
}

const Operation = z.object({ op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']), path: z.string().min(1), value: z.unknown().optional(), from: z.string().optional() });

/** Checks every operation against the rules, then applies them in order to a copy of `target`. */
export function applyPatch<T>(target: T, body: unknown, rules: readonly PatchRule<T>[]): T {
  if (Array.isArray(body) && body.length === 0) throw invalidRequest('MISSING_REQUEST_BODY', 'Request body is missing.');
  const operations = parseBody(z.array(Operation).min(1), body);
  const seen = new Set<string>();
  const changes = operations.map((operation, index) => {
    const found = rules
      .map((rule) => ({ rule, match: typeof rule.path === 'string' ? (rule.path === operation.path ? [operation.path] : null) : rule.path.exec(operation.path) }))
      .find((candidate) => candidate.match !== null);
    if (!found?.match) throw invalidRequest('INVALID_PATCH_PATH', 'The specified field cannot be patched.', `/${index}/path`);
    if (seen.has(operation.path)) throw invalidRequest('INVALID_PATCH_PATH', 'Multiple operations on the same field are not allowed.', `/${index}/path`);
    seen.add(operation.path);
    const op = operation.op as PatchOp;
    if (!found.rule.ops.includes(op)) throw invalidRequest('UNSUPPORTED_PATCH_OPERATION', 'The specified patch operation not supported for this field.', `/${index}/op`);
    const value = op === 'remove' ? undefined : parseBody(z.object({ value: found.rule.value }), { value: operation.value }).value;
    return { rule: found.rule, op, value, groups: found.match.slice(1) };
  });
  return changes.reduce((current, change) => change.rule.apply(current, change), structuredClone(target));
}

/** `{ ...object, [key]: value }`, or without the key when value is undefined (a `remove`). */
export function withField<T extends object, K extends keyof T>(object: T, key: K, value: T[K] | undefined): T {
  const copy = { ...object };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}
