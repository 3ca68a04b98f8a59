/**
 * PayPal's own OpenAPI specifications (spec/, see its README) as a contract for the emulator:
 * find the operation a request reached, take the response PayPal declares for the status, and
 * validate the body with Ajv. Every lookup that finds nothing throws, so a contract test can
 * never pass because nothing was checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const SPEC_FOLDER = path.join(import.meta.dirname, 'spec');
/** The emulator is mounted under /paypal; PayPal's paths start at /v1 or /v2. */
const MOUNT = '/paypal';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

/** A JSON-schema node as OpenAPI 3.0 writes it: keywords to values, all opaque until validated. */
type SchemaObject = { [keyword: string]: unknown };
interface Reference {
  $ref: string;
}
interface MediaType {
  schema?: SchemaObject;
}
interface ResponseObject {
  description: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseObject | Reference>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Partial<Record<HttpMethod, Operation>>>;
  components: {
    schemas: Record<string, SchemaObject>;
    responses?: Record<string, ResponseObject | Reference>;
  };
}

interface SpecFile {
  file: string;
  document: OpenApiDocument;
  /** Ajv's id of the JSON-schema document holding this file's components.schemas. */
  schemaId: string;
}

export interface PaypalSpecOperation {
  method: Uppercase<HttpMethod>;
  pathTemplate: string;
  /** The fixture file that declares it, e.g. `checkout_orders_v2.json`. */
  file: string;
  operationId: string | undefined;
}

export interface PaypalResponseSchema {
  operation: PaypalSpecOperation;
  /** The key of `responses` that applies: the status itself, its `4XX`-style range, or `default`. */
  response: string;
  /** Where the body's schema is, for messages: `#/components/schemas/order`, or `an inline schema`. */
  schemaName: string;
  /** Ajv's compiled validator of the JSON body; null when PayPal declares no body (a 204, a bare 202). */
  validate: ValidateFunction | null;
}

/**
 * Keywords OpenAPI 3.0 adds to JSON schema that only annotate: PayPal's files use `example`;
 * the rest are listed so a future version of the files is handled the same way. `discriminator`
 * only tells code generators which branch to pick; the `oneOf` beside it still validates.
 */
const ANNOTATION_KEYWORDS = new Set(['example', 'xml', 'externalDocs', 'discriminator']);

/**
 * PayPal's internal format names. They are undocumented and only label the string: each sits on
 * a schema that also carries the real constraint (a `pattern`, lengths), which Ajv does check.
 * OpenAPI's own formats (`binary`, `int64`, …) and `uri`, `date-time` come from ajv-formats.
 */
const ANNOTATION_FORMATS = [
  'merchant_common_email_address_v2',
  'payer_v1',
  'ppaas_common_country_code_v2',
  'ppaas_common_currency_code_v2',
  'ppaas_common_email_address_v2',
  'ppaas_common_language_v3',
  'ppaas_common_percentage_v2',
  'ppaas_date_notime_v2',
  'ppaas_date_time_v3',
  'ppaas_ip_address_v1',
  'ppaas_payer_id_v3',
];

/**
 * Strict mode stays on: after toJsonSchema has removed what OpenAPI 3.0 adds, any keyword or
 * format Ajv does not know means the files changed in a way this module does not understand, and
 * a validator that silently skipped it (`strict: false`) would let a wrong body pass. Only
 * strictTypes is off: OpenAPI files routinely put `properties` in an `allOf` branch whose
 * `type: object` sits in a sibling branch, which is valid but what that check warns about.
 * unicodeRegExp is off because OpenAPI 3.0 patterns are plain ECMA-262 regular expressions:
 * PayPal's email and free-text patterns escape `!` and `-` (`\!`, `\-`), a syntax error under `u`.
 */
const ajv = new Ajv({ strict: true, strictTypes: false, allowUnionTypes: true, unicodeRegExp: false });
addFormats(ajv);
for (const format of ANNOTATION_FORMATS) ajv.addFormat(format, true);

function isReference(value: object): value is Reference {
  return typeof (value as Partial<Reference>).$ref === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One OpenAPI 3.0 schema object as a draft-07 JSON schema, which is what Ajv validates:
 * - a `$ref` loses its siblings (OpenAPI 3.0 ignores them; Ajv would apply them) and points into
 *   the file's schema document, `definitions` standing in for `components/schemas`;
 * - `nullable: true` becomes `null` among the allowed types (and enum values), as 3.1 writes it;
 * - draft-04's boolean `exclusiveMinimum: true` beside `minimum` becomes draft-07's number form;
 * - the annotation-only keywords and `x-` extensions go.
 * Only keyword positions are walked, so a property named `example` or `nullable` is kept.
 */
function toJsonSchema(node: unknown, schemaId: string): unknown {
  if (typeof node === 'boolean') return node;
  if (!isRecord(node)) throw new Error(`not a schema object: ${JSON.stringify(node)}`);
  if (isReference(node)) {
    const name = /^#\/components\/schemas\/(.+)$/.exec(node.$ref)?.[1];
    if (!name) throw new Error(`a schema refers to ${node.$ref}, outside components/schemas`);
    return { $ref: `${schemaId}#/definitions/${name}` };
  }
  const schema: SchemaObject = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (ANNOTATION_KEYWORDS.has(keyword) || keyword.startsWith('x-') || keyword === 'nullable') continue;
    if (keyword === 'properties' || keyword === 'patternProperties') {
      schema[keyword] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, toJsonSchema(sub, schemaId)]));
    } else if (keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') {
      schema[keyword] = (value as unknown[]).map((sub) => toJsonSchema(sub, schemaId));
    } else if (keyword === 'items' || keyword === 'not' || (keyword === 'additionalProperties' && typeof value !== 'boolean')) {
      schema[keyword] = toJsonSchema(value, schemaId);
    } else {
      schema[keyword] = value;
    }
  }
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (schema[exclusive] === true) {
      schema[exclusive] = schema[bound];
      delete schema[bound];
    } else if (schema[exclusive] === false) {
      delete schema[exclusive];
    }
  }
  if (node.nullable === true) {
    if (schema.type !== undefined) schema.type = [...(Array.isArray(schema.type) ? schema.type : [schema.type]), 'null'];
    if (Array.isArray(schema.enum)) schema.enum = [...schema.enum, null];
  }
  return schema;
}

let specFiles: SpecFile[] | undefined;
const schemaDocumentsAdded = new Set<string>();

function loadSpecFiles(): SpecFile[] {
  specFiles ??= fs
    .readdirSync(SPEC_FOLDER)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const document = JSON.parse(fs.readFileSync(path.join(SPEC_FOLDER, file), 'utf8')) as OpenApiDocument;
      // 3.1 is JSON Schema 2020-12 (no `nullable`, type arrays, `examples`): toJsonSchema would be wrong for it.
      if (!/^3\.0\.\d+$/.test(document.openapi)) throw new Error(`${file} is OpenAPI ${document.openapi}; this module reads OpenAPI 3.0 only`);
      return { file, document, schemaId: `https://billfold.invalid/paypal-spec/${file}` };
    });
  return specFiles;
}

/** Adds a file's components.schemas to Ajv once, as one draft-07 document of `definitions`. */
function ensureSchemaDocument(spec: SpecFile): void {
  if (schemaDocumentsAdded.has(spec.file)) return;
  const definitions = Object.fromEntries(Object.entries(spec.document.components.schemas).map(([name, schema]) => [name, toJsonSchema(schema, spec.schemaId)]));
  ajv.addSchema({ $id: spec.schemaId, definitions });
  schemaDocumentsAdded.add(spec.file);
}

export function paypalSpecOperations(): PaypalSpecOperation[] {
  return loadSpecFiles().flatMap(({ file, document }) =>
    Object.entries(document.paths).flatMap(([pathTemplate, pathItem]) =>
      HTTP_METHODS.flatMap((method) => {
        const operation = pathItem[method];
        return operation ? [{ method: method.toUpperCase() as Uppercase<HttpMethod>, pathTemplate, file, operationId: operation.operationId }] : [];
      }),
    ),
  );
}

/** `/paypal/v2/checkout/orders/5O1…/capture?x=1` → its segments after the mount: `v2`, `checkout`, … */
function pathSegments(requestPath: string): string[] {
  let pathname = requestPath.split(/[?#]/)[0] ?? '';
  if (pathname === MOUNT || pathname.startsWith(`${MOUNT}/`)) pathname = pathname.slice(MOUNT.length);
  return pathname.split('/').filter((segment) => segment !== '');
}

/** How many literal segments a template shares with the path, or null when it does not match. */
function literalMatches(template: string, segments: string[]): number | null {
  const parts = template.split('/').filter((part) => part !== '');
  if (parts.length !== segments.length) return null;
  let literals = 0;
  for (const [index, part] of parts.entries()) {
    if (/^\{[^}]+\}$/.test(part)) continue;
    if (part !== segments[index]) return null;
    literals += 1;
  }
  return literals;
}

/**
 * The declared path a concrete one reaches. As OpenAPI says, a template with more literal
 * segments wins (`/webhooks-lookup` over `/{id}` if both existed); two equally good ones would
 * make the contract ambiguous, so that throws.
 */
function findPath(requestPath: string): { spec: SpecFile; pathTemplate: string } {
  const segments = pathSegments(requestPath);
  const matches = loadSpecFiles()
    .flatMap((spec) => Object.keys(spec.document.paths).map((pathTemplate) => ({ spec, pathTemplate, literals: literalMatches(pathTemplate, segments) })))
    .filter((match): match is { spec: SpecFile; pathTemplate: string; literals: number } => match.literals !== null)
    .sort((a, b) => b.literals - a.literals);
  const [best, second] = matches;
  if (!best) throw new Error(`PayPal's specs declare no path matching ${requestPath} (files: ${loadSpecFiles().map((spec) => spec.file).join(', ')})`);
  if (second && second.literals === best.literals) {
    throw new Error(`${requestPath} matches both ${best.spec.file} ${best.pathTemplate} and ${second.spec.file} ${second.pathTemplate}`);
  }
  return best;
}

function resolveResponse(spec: SpecFile, response: ResponseObject | Reference): ResponseObject {
  const seen = new Set<string>();
  while (isReference(response)) {
    const name = /^#\/components\/responses\/(.+)$/.exec(response.$ref)?.[1];
    const target = name === undefined ? undefined : spec.document.components.responses?.[name];
    if (!target || seen.has(response.$ref)) throw new Error(`${spec.file}: cannot resolve the response ${response.$ref}`);
    seen.add(response.$ref);
    response = target;
  }
  return response;
}

/**
 * The status itself, then its range (`4XX`; OpenAPI writes it uppercase, some files do not), then
 * `default` for an error status only. OpenAPI lets `default` cover every undeclared status, but
 * PayPal's `default` is always its error shape: checking an undeclared success (a 202 where PayPal
 * answers 201) against it would only say "must match exactly one schema in oneOf".
 */
function responseKeyFor(responses: Record<string, unknown>, status: number): string | undefined {
  const range = `${String(status)[0]}XX`;
  const keys = status >= 400 ? [String(status), range, range.toLowerCase(), 'default'] : [String(status), range, range.toLowerCase()];
  return keys.find((key) => key in responses);
}

const compiled = new Map<string, PaypalResponseSchema>();

/**
 * PayPal's declared response for `method path` answering `status`: the operation, the key of
 * `responses` that applies, and a compiled validator of its JSON body (cached). Throws when the
 * specs have no such path, no such method on it, or no response for the status.
 */
export function responseSchemaFor(method: string, requestPath: string, status: number): PaypalResponseSchema {
  const { spec, pathTemplate } = findPath(requestPath);
  const verb = method.toLowerCase();
  const pathItem = spec.document.paths[pathTemplate] ?? {};
  const operation = (HTTP_METHODS as readonly string[]).includes(verb) ? pathItem[verb as HttpMethod] : undefined;
  if (!operation) {
    const declared = HTTP_METHODS.filter((candidate) => pathItem[candidate]).map((candidate) => candidate.toUpperCase());
    throw new Error(`${spec.file} declares ${declared.join(', ')} for ${pathTemplate}, not ${method.toUpperCase()} (${requestPath})`);
  }
  const described = `${spec.file} ${method.toUpperCase()} ${pathTemplate}`;
  const responseKey = responseKeyFor(operation.responses, status);
  if (!responseKey) throw new Error(`${described} declares no response for ${status} (it declares ${Object.keys(operation.responses).join(', ')})`);

  const cacheKey = `${described} ${responseKey}`;
  const cached = compiled.get(cacheKey);
  if (cached) return cached;

  const response = resolveResponse(spec, operation.responses[responseKey]!);
  const mediaTypes = Object.entries(response.content ?? {});
  const json = mediaTypes.find(([mediaType]) => /^application\/(.+\+)?json$/.test(mediaType));
  if (mediaTypes.length > 0 && !json?.[1].schema) {
    throw new Error(`${described} response ${responseKey} declares no JSON schema (content: ${mediaTypes.map(([mediaType]) => mediaType).join(', ')})`);
  }
  const schema = json?.[1].schema;
  let validate: ValidateFunction | null = null;
  if (schema) {
    ensureSchemaDocument(spec);
    validate = ajv.compile(toJsonSchema(schema, spec.schemaId) as SchemaObject);
  }
  const entry: PaypalResponseSchema = {
    operation: { method: method.toUpperCase() as Uppercase<HttpMethod>, pathTemplate, file: spec.file, operationId: operation.operationId },
    response: responseKey,
    schemaName: schema === undefined ? 'no body' : isReference(schema) ? schema.$ref : 'an inline schema',
    validate,
  };
  compiled.set(cacheKey, entry);
  return entry;
}

/**
 * Ajv's errors as lines a person can act on: where in the body, what is wrong, what was allowed.
 * Ajv's schema paths are left out: for a `$ref` it compiled separately they start again at `#`,
 * which reads like the wrong place.
 * An `anyOf` of single-value enums (PayPal lists each issue code as its own branch) fails with one
 * enum error per branch; those become one line per place, listing every allowed value.
 */
function describeErrors(errors: ErrorObject[]): string {
  const allowedAt = new Map<string, unknown[]>();
  const lines = new Set<string>();
  for (const error of errors) {
    const where = error.instancePath === '' ? '(the body)' : error.instancePath;
    if (error.keyword === 'enum') {
      const allowed = allowedAt.get(where) ?? [];
      allowed.push(...(error.params as { allowedValues: unknown[] }).allowedValues);
      allowedAt.set(where, allowed);
      lines.add(`enum:${where}`);
    } else {
      lines.add(`  ${where} ${error.message ?? error.keyword}`);
    }
  }
  const described = [...lines].map((line) => {
    if (!line.startsWith('enum:')) return line;
    const where = line.slice('enum:'.length);
    return `  ${where} must be equal to one of the allowed values: ${JSON.stringify([...new Set(allowedAt.get(where))])}`;
  });
  return described.length > 25 ? [...described.slice(0, 25), `  … and ${described.length - 25} more`].join('\n') : described.join('\n');
}

/**
 * Throws unless `body` is what PayPal's spec declares for `method path` answering `status`.
 * For a response declared without content the body must be empty (`undefined` or `''`, as
 * `response.text()` gives it).
 */
export function expectMatchesPaypalSpec(method: string, requestPath: string, status: number, body: unknown): void {
  const { operation, response, schemaName, validate } = responseSchemaFor(method, requestPath, status);
  const against = `PayPal's ${operation.file} ${operation.method} ${operation.pathTemplate}, response ${response}${response === String(status) ? '' : ` (for ${status})`}`;
  if (!validate) {
    if (body === undefined || body === '') return;
    throw new Error(`${against} declares no body, but got ${JSON.stringify(body).slice(0, 200)}`);
  }
  if (!validate(body)) {
    throw new Error(`${against} (${schemaName}) refuses the body:\n${describeErrors(validate.errors ?? [])}`);
  }
}
