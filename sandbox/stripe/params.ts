import { invalidRequest, StripeApiError } from './errors';
import type { FormObject, FormValue } from './form';

/**
 * Parameter schemas with Stripe's validation messages: an unknown parameter, a wrong type or
 * a missing required value is refused with `invalid_request_error` naming the `param`.
 */

export interface Spec<T> {
  parse(value: FormValue, param: string): T;
  required: boolean;
}

type Shape = Record<string, Spec<unknown>>;
type Output<S extends Shape> = { [K in keyof S as S[K]['required'] extends true ? K : never]: S[K] extends Spec<infer T> ? T : never } & {
  [K in keyof S as S[K]['required'] extends true ? never : K]?: S[K] extends Spec<infer T> ? T : never;
};

function spec<T>(parse: (value: FormValue, param: string) => T): Spec<T> & { req(): Spec<T> & { required: true } } {
  return {
    parse,
    required: false,
    req() {
      return { parse, required: true as const };
    },
  };
}

function expectString(value: FormValue, param: string): string {
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${describe(value)}`, param);
  return value;
}

function describe(value: FormValue): string {
  return typeof value === 'string' ? value : Array.isArray(value) ? '[...]' : '{...}';
}

export const p = {
  string: (options: { max?: number } = {}) =>
    spec((value, param) => {
      const text = expectString(value, param);
      if (options.max !== undefined && text.length > options.max) throw invalidRequest(`Invalid string: ${text.slice(0, 20)}...; must be at most ${options.max} characters`, param);
      return text;
    }),
  /** A non-empty string; empty means "unset" and is refused where a value is needed. */
  id: () =>
    spec((value, param) => {
      const text = expectString(value, param);
      if (!text) throw invalidRequest(`You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`, param);
      return text;
    }),
  int: (options: { min?: number; max?: number } = {}) =>
    spec((value, param) => {
      const text = expectString(value, param);
      if (!/^-?\d+$/.test(text)) throw invalidRequest(`Invalid integer: ${text}`, param);
      const number = Number(text);
      if (!Number.isSafeInteger(number)) throw invalidRequest(`Invalid integer: ${text}`, param);
      if (options.min !== undefined && number < options.min) throw invalidRequest(`This value must be greater than or equal to ${options.min}.`, param);
      if (options.max !== undefined && number > options.max) throw invalidRequest(`This value must be less than or equal to ${options.max}.`, param);
      return number;
    }),
  bool: () =>
    spec((value, param) => {
      const text = expectString(value, param);
      if (text !== 'true' && text !== 'false') throw invalidRequest(`Invalid boolean: ${text}`, param);
      return text === 'true';
    }),
  oneOf: <const T extends string>(values: readonly T[]) =>
    spec((value, param): T => {
      const text = expectString(value, param);
      if (!(values as readonly string[]).includes(text)) {
        throw invalidRequest(`Invalid ${param.split('[').pop()?.replace(']', '')}: must be one of ${values.join(', ')}`, param);
      }
      return text as T;
    }),
  currency: () =>
    spec((value, param) => {
      const text = expectString(value, param).toLowerCase();
      if (!/^[a-z]{3}$/.test(text)) throw invalidRequest(`Invalid currency: ${text}. Stripe currently supports these currencies: usd, eur, gbp, jpy, kwd, …`, param);
      return text;
    }),
  /** `metadata[key]=value`; an empty value deletes the key, `metadata=` clears all. */
  metadata: () =>
    spec((value, param): Record<string, string> | null => {
      if (value === '') return null;
      if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid object', param);
      const entries = Object.entries(value);
      if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', param);
      const result: Record<string, string> = {};
      for (const [key, inner] of entries) {
        if (key.length > 40) throw invalidRequest(`Metadata keys can have up to 40 characters; "${key}" has ${key.length}.`, `${param}[${key}]`);
        const text = expectString(inner, `${param}[${key}]`);
        if (text.length > 500) throw invalidRequest('Metadata values can have up to 500 characters.', `${param}[${key}]`);
        result[key] = text;
      }
      return result;
    }),
  object: <S extends Shape>(shape: S) => spec((value, param) => parseObject(shape, value, param)),
  array: <T>(item: Spec<T>, options: { max?: number } = {}) =>
    spec((value, param): T[] => {
      if (value === '') return [];
      const items = Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value) : null;
      if (!items) throw invalidRequest(`Invalid array`, param);
      if (options.max !== undefined && items.length > options.max) throw invalidRequest(`Too many items (at most ${options.max})`, param);
      return items.map((inner, index) => item.parse(inner, `${param}[${index}]`));
    }),
  /** A value that may also be sent empty to unset it (`description=`). */
  emptyable: <T>(inner: Spec<T>) => spec((value, param): T | null => (value === '' ? null : inner.parse(value, param))),
  /** A Unix timestamp, or `now` where Stripe accepts it. */
  timestamp: (options: { allowNow?: boolean } = {}) =>
    spec((value, param): number | 'now' => {
      const text = expectString(value, param);
      if (options.allowNow && text === 'now') return 'now';
      if (!/^\d+$/.test(text)) throw invalidRequest(`Invalid timestamp: must be an integer Unix timestamp${options.allowNow ? ' or `now`' : ''}.`, param);
      return Number(text);
    }),
  /** Anything: used for parameters the sandbox accepts but ignores (documented per endpoint). */
  any: () => spec((value): FormValue => value),
};

function parseObject<S extends Shape>(shape: S, value: FormValue, param: string): Output<S> {
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid object', param);
  return parseShape(shape, value, param);
}

function parseShape<S extends Shape>(shape: S, input: FormObject, prefix = ''): Output<S> {
  const name = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  for (const key of Object.keys(input)) {
    if (!(key in shape)) throw invalidRequest(`Received unknown parameter: ${name(key)}`, name(key));
  }
  const output: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const value = input[key];
    if (value === undefined) {
      if (field.required) throw invalidRequest(`Missing required param: ${name(key)}.`, name(key));
      continue;
    }
    output[key] = field.parse(value, name(key));
  }
  return output as Output<S>;
}

/** Validates a request's parameters against `shape` (plus `expand`, which every endpoint takes). */
export function parseParams<S extends Shape>(shape: S, input: FormObject): Output<S> & { expand?: string[] } {
  return parseShape({ ...shape, expand: p.array(p.string()) }, input) as Output<S> & { expand?: string[] };
}

export { StripeApiError };
