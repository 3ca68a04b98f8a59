import type { z } from 'zod';

/**
 * PayPal's error shape (every REST API but OAuth): `name`, `message`, `debug_id`, `details[]`
 * with `issue` and `description` (and `field`/`location` for a bad input), and an
 * `information_link`. Handlers throw a PaypalApiError; the API layer adds the debug id, which
 * is also the response's `PayPal-Debug-Id` header.
 */

export interface PaypalErrorDetail {
  issue: string;
  description: string;
  field?: string;
  value?: string;
  location?: 'body' | 'path' | 'query' | 'header';
}

export interface PaypalErrorBody {
  name: string;
  message: string;
  debug_id: string;
  details?: PaypalErrorDetail[];
  links: { href: string; rel: 'information_link'; method: 'GET' }[];
}

/** The `name` and `message` PayPal pairs with each status. */
const KINDS = {
  400: { name: 'INVALID_REQUEST', message: 'Request is not well-formed, syntactically incorrect, or violates schema.' },
  401: { name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.' },
  403: { name: 'NOT_AUTHORIZED', message: 'Authorization failed due to insufficient permissions.' },
  404: { name: 'RESOURCE_NOT_FOUND', message: 'The specified resource does not exist.' },
  405: { name: 'METHOD_NOT_SUPPORTED', message: 'The server does not implement the requested HTTP method.' },
  // PayPal's specifications name no error for a body too large: it is a malformed request.
  409: { name: 'RESOURCE_CONFLICT', message: 'The server has detected a conflict while processing this request.' },
  413: { name: 'INVALID_REQUEST', message: 'Request is not well-formed, syntactically incorrect, or violates schema.' },
  415: { name: 'UNSUPPORTED_MEDIA_TYPE', message: "The server does not support the request payload's media type." },
  422: { name: 'UNPROCESSABLE_ENTITY', message: 'The requested action could not be performed, semantically incorrect, or failed business validation.' },
  500: { name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error occurred.' },
} as const;
export type PaypalErrorStatus = keyof typeof KINDS;

export class PaypalApiError extends Error {
  readonly name_: string;
  constructor(
    readonly status: PaypalErrorStatus,
    readonly details: PaypalErrorDetail[] = [],
    /** Overrides the status's usual name (`RESOURCE_CONFLICT`, `TRANSACTION_REFUSED`, …). */
    name?: string,
    message?: string,
  ) {
    super(message ?? KINDS[status].message);
    this.name_ = name ?? KINDS[status].name;
  }

  body(debugId: string, docs: string): PaypalErrorBody {
    const issue = this.details[0]?.issue;
    return {
      name: this.name_,
      ...(this.details.length > 0 ? { details: this.details } : {}),
      message: this.message,
      debug_id: debugId,
      links: [{ href: `https://developer.paypal.com/docs/api/${docs}/${issue ? `#error-${issue}` : ''}`, rel: 'information_link', method: 'GET' }],
    };
  }
}

/** 422 with one business-rule issue (`ORDER_NOT_APPROVED`, `INSTRUMENT_DECLINED`, …). */
export function unprocessable(issue: string, description: string, field?: string): PaypalApiError {
  return new PaypalApiError(422, [{ issue, description, ...(field ? { field, location: 'body' as const } : {}) }]);
}

/** 400 with one input issue (`MISSING_REQUIRED_PARAMETER`, `INVALID_PARAMETER_VALUE`, `DECIMAL_PRECISION`, …). */
export function invalidRequest(issue: string, description: string, field?: string, location: PaypalErrorDetail['location'] = 'body'): PaypalApiError {
  return new PaypalApiError(400, [{ issue, description, ...(field ? { field, location } : {}) }]);
}

/** 404 for an id nobody knows, as PayPal answers it. */
export function notFound(id: string, field = 'id'): PaypalApiError {
  return new PaypalApiError(404, [{ issue: 'INVALID_RESOURCE_ID', description: 'Specified resource ID does not exist. Please check the resource ID and try again.', field, value: id, location: 'path' }]);
}

/** A JSON pointer to the field a zod issue is about (`/purchase_units/0/amount/value`), as PayPal's `field`. */
export function fieldPointer(path: readonly PropertyKey[]): string {
  return `/${path.map((part) => String(part)).join('/')}`;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), body);
}

/**
 * Parses a request body against its schema, or throws PayPal's 400 naming every bad field:
 * a missing one is MISSING_REQUIRED_PARAMETER, a wrong type INVALID_PARAMETER_SYNTAX, any other
 * refusal INVALID_PARAMETER_VALUE, or the issue a schema names in its message as `ISSUE: text`.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, location: PaypalErrorDetail['location'] = 'body'): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue): PaypalErrorDetail => {
    const field = fieldPointer(issue.path);
    const named = /^([A-Z_]{4,}): (.+)$/.exec(issue.message);
    if (named) return { field, location, issue: named[1] as string, description: named[2] as string };
    // zod 4 reports a missing enum or literal as invalid_value: what is missing is read from the body.
    if ((issue.code === 'invalid_type' && /received undefined/.test(issue.message)) || (issue.code === 'invalid_value' && valueAt(body, issue.path) === undefined)) {
      return { field, location, issue: 'MISSING_REQUIRED_PARAMETER', description: 'A required field / parameter is missing.' };
    }
    if (issue.code === 'invalid_type') return { field, location, issue: 'INVALID_PARAMETER_SYNTAX', description: 'The value of a field does not conform to the expected format.' };
    if (issue.code === 'unrecognized_keys') return { field: fieldPointer([...issue.path, issue.keys[0] ?? '']), location, issue: 'UNKNOWN_FIELD', description: 'The field is not recognized.' };
    return { field, location, issue: 'INVALID_PARAMETER_VALUE', description: 'The value of a field is invalid.' };
  });
  throw new PaypalApiError(400, details);
}
