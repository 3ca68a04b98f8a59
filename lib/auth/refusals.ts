import type { z } from 'zod';

/**
 * What a refused action tells the person, in words. An action's input that fails its zod schema
 * comes back with one sentence per problem: the schema's own message where it has one ("Enter a
 * valid email address."), otherwise words made here from the check that failed and the field's
 * name ("Quantity of item 1 must be a whole number."). `fieldErrors` is keyed by the field's dotted
 * path (`email`, `items.0.quantity`), so a form shows each next to its field and lists the rest.
 */
export interface Refusal {
  error: string;
  fieldErrors: Record<string, string>;
}

/** Names for the fields actions take, where the key itself would not read as a word. */
const FIELD_NAMES: Record<string, string> = {
  lookupKey: 'plan',
  priceId: 'item',
  cardUpdateId: 'card update',
  userId: 'account',
  items: 'cart',
};

function fieldName(key: string): string {
  return FIELD_NAMES[key] ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** `['items', 0, 'quantity']` → "Quantity of item 1"; `[]` → "This request". */
function labelFor(path: readonly PropertyKey[]): string {
  const names: string[] = [];
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i];
    if (typeof segment === 'number') {
      const owner = path[i - 1];
      names.push(`${typeof owner === 'string' && owner === 'items' ? 'item' : 'entry'} ${segment + 1}`);
      i--; // "item 1" already says which list
    } else {
      names.push(fieldName(String(segment)));
    }
  }
  const label = names.length ? names.join(' of ') : 'this request';
  return label.charAt(0).toUpperCase() + label.slice(1);
}

type RawIssue = z.core.$ZodRawIssue;

function typeWords(expected: string): string {
  switch (expected) {
    case 'int':
      return 'must be a whole number';
    case 'number':
    case 'bigint':
      return 'must be a number';
    case 'string':
      return 'must be text';
    case 'boolean':
      return 'must be yes or no';
    default:
      return 'is not in the form the shop expects';
  }
}

function sizeWords(issue: { origin?: string; minimum?: unknown; maximum?: unknown }, bound: 'least' | 'most'): string {
  const limit = String(bound === 'least' ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case 'string':
      return bound === 'least' && limit === '1' ? 'must not be empty' : `must be at ${bound} ${limit} characters long`;
    case 'array':
    case 'set':
      return `must have at ${bound} ${limit} entries`;
    case 'int':
      // zod's own bound for integers: past it a number is no longer exact.
      if (Math.abs(Number(limit)) >= Number.MAX_SAFE_INTEGER) return 'must be a whole number of a sensible size';
      return `must be at ${bound} ${limit}`;
    default:
      return `must be at ${bound} ${limit}`;
  }
}

/**
 * Zod's checks in words, for a schema that has no message of its own. It answers a predicate
 * ("must be a whole number"), lowercase, which `describeInvalidInput` completes with the field's
 * name once the issue's full path is known (an error map sees only part of it); a schema's own
 * message is a whole sentence and is left as it is.
 */
export function checkInWords(issue: RawIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.join(', ');
      return issue.keys.length === 1
        ? `This request carried a field the shop does not accept: ${keys}.`
        : `This request carried fields the shop does not accept: ${keys}.`;
    }
    case 'invalid_type':
      return issue.input === undefined ? 'is missing' : typeWords(issue.expected);
    case 'too_small':
      return sizeWords(issue, 'least');
    case 'too_big':
      return sizeWords(issue, 'most');
    case 'invalid_format':
      return issue.format === 'email' ? 'must be a valid email address' : 'is not in a valid format';
    case 'invalid_value':
      return 'is not one of the choices offered';
    default:
      return 'is not valid';
  }
}

function sentence(issue: z.core.$ZodIssue): string {
  const { message } = issue;
  if (!/^[a-z]/.test(message)) return message; // the schema's own sentence, or a whole one from checkInWords
  return `${labelFor(issue.path)} ${message}.`;
}

export function describeInvalidInput(issues: readonly z.core.$ZodIssue[]): Refusal {
  const fieldErrors: Record<string, string> = {};
  const sentences: string[] = [];
  for (const issue of issues) {
    const text = sentence(issue);
    const field = issue.path.map(String).join('.');
    fieldErrors[field] ??= text;
    if (!sentences.includes(text)) sentences.push(text);
  }
  return { error: sentences.join(' ') || 'This request was not in the form the shop expects. Nothing was changed.', fieldErrors };
}

/**
 * The problems a form cannot show next to one of its own fields, in words, for the message at
 * its top; null when every problem already stands next to its field.
 */
export function problemsElsewhere(refusal: { error: string; fieldErrors?: Record<string, string> }, shownFields: readonly string[]): string | null {
  const fieldErrors = refusal.fieldErrors ?? {};
  const fields = Object.keys(fieldErrors);
  if (fields.length === 0) return refusal.error;
  const elsewhere = [...new Set(fields.filter((field) => !shownFields.includes(field)).map((field) => fieldErrors[field]!))];
  return elsewhere.length ? elsewhere.join(' ') : null;
}
