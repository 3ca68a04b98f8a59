import { StripeApiError } from './errors';

/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys
 * (`metadata[order]=1`, `items[0][price]=price_1`, `expand[]=customer`). Values stay strings;
 * each endpoint's parameter schema gives them their types.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const MAX_DEPTH = 8;
const MAX_ARRAY_INDEX = 1000;

function segments(key: string): string[] {
  const first = key.indexOf('[');
  if (first === -1) return [key];
  const parts = [key.slice(0, first)];
  const pattern = /\[([^\]]*)\]/g;
  pattern.lastIndex = first;
  let match: RegExpExecArray | null;
  let end = first;
  while ((match = pattern.exec(key)) !== null) {
    if (match.index !== end) break;
    parts.push(match[1] ?? '');
    end = pattern.lastIndex;
  }
  if (end !== key.length) throw new StripeApiError(400, { type: 'invalid_request_error', message: `Invalid parameter name: ${key}`, param: key });
  return parts;
}

function isIndex(segment: string): boolean {
  return segment === '' || /^\d+$/.test(segment);
}

/** Parses an urlencoded body (or query string) into nested objects and arrays. */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  if (!text) return root;
  for (const [key, value] of new URLSearchParams(text)) {
    const path = segments(key);
    if (path.length > MAX_DEPTH) throw new StripeApiError(400, { type: 'invalid_request_error', message: `Parameter nesting too deep: ${key}`, param: key });
    let container: FormObject | FormValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] as string;
      const last = i === path.length - 1;
      const nextIsIndex = !last && isIndex(path[i + 1] as string);
      if (Array.isArray(container)) {
        if (!isIndex(segment)) throw new StripeApiError(400, { type: 'invalid_request_error', message: `Invalid array parameter: ${key}`, param: path[0] });
        const index = segment === '' ? container.length : Number(segment);
        if (index > MAX_ARRAY_INDEX) throw new StripeApiError(400, { type: 'invalid_request_error', message: `Array index too large: ${key}`, param: path[0] });
        if (last) {
          container[index] = value;
        } else {
          container[index] ??= nextIsIndex ? [] : {};
          container = container[index] as FormObject | FormValue[];
        }
      } else {
        if (last) {
          container[segment] = value;
        } else {
          const existing: FormValue | undefined = container[segment];
          if (existing === undefined || typeof existing === 'string') container[segment] = nextIsIndex ? [] : {};
          container = container[segment] as FormObject | FormValue[];
        }
      }
    }
  }
  return compactArrays(root) as FormObject;
}

// `a[0]=x&a[2]=y` leaves a hole; Stripe treats indexes as order only.
function compactArrays(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compactArrays);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactArrays(v)]));
}
