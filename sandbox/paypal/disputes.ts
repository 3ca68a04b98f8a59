import type http from 'node:http';
import { z } from 'zod';
import type { PaypalContext, PaypalRoute } from './context';
import { mustGet } from './context';
import { invalidRequest, parseBody } from './errors';
import { paypalTime } from './ids';
import { PaypalMoneySchema, unitsOf } from './money';
import { MultipartBody, type UploadedFile } from './multipart';
import type { PaypalPage } from './parts';
import {
  closeDispute, disputeLinks, disputeStateOf, disputeView, DisputeRefusal, openDispute, refuseUnlessAllowed, resolveDispute, saveDispute,
  type DisputeDocument, type DisputeEvidence, type DisputeRecord, type DisputeResource, type DisputeState,
} from './dispute-lifecycle';

/**
 * Disputes v1 (developer.paypal.com/docs/api/customer-disputes/v1): the merchant lists and reads
 * its disputes and answers them: provide-evidence, accept-claim, send-message, appeal. PayPal
 * takes those as multipart/form-data (an `input` part with the JSON and files); the sandbox also
 * takes plain JSON. Opening and deciding a dispute is the buyer's and PayPal's part, done here
 * through the test endpoints POST /paypal/_sandbox/disputes and
 * /paypal/_sandbox/disputes/<id>/resolve (and the dashboard's buttons).
 */

const DOCS = 'customer-disputes/v1';
const DISPUTE_STATES = ['REQUIRED_ACTION', 'REQUIRED_OTHER_PARTY_ACTION', 'UNDER_PAYPAL_REVIEW', 'RESOLVED', 'OPEN_INQUIRIES', 'APPEALABLE'] as const;
// PayPal takes evidence as PDF, JPG, GIF or PNG.
const DOCUMENT_TYPES = /\.(pdf|jpe?g|gif|png)$/i;
const MAX_FILES = 10;

/** A list item: the summary fields the spec names. */
function disputeSummary(record: DisputeRecord, base: string) {
  const r = record.resource;
  return {
    dispute_id: r.dispute_id,
    create_time: r.create_time,
    update_time: r.update_time,
    reason: r.reason,
    status: r.status,
    dispute_state: disputeStateOf(record),
    dispute_amount: r.dispute_amount,
    dispute_life_cycle_stage: r.dispute_life_cycle_stage,
    dispute_channel: r.dispute_channel,
    ...(r.seller_response_due_date ? { seller_response_due_date: r.seller_response_due_date } : {}),
    links: [disputeLinks(record, base)[0]],
  };
}

/** The JSON of a request (the `input` part of a multipart one) and its files. */
function requestOf(ctx: PaypalContext): { input: unknown; files: UploadedFile[] } {
  if (ctx.body instanceof MultipartBody) return { input: ctx.body.input, files: ctx.body.files };
  return { input: ctx.body, files: [] };
}

function documentsOf(files: UploadedFile[]): DisputeDocument[] {
  if (files.length > MAX_FILES) throw invalidRequest('INVALID_PARAMETER_VALUE', `At most ${MAX_FILES} files can be uploaded.`, 'documents');
  for (const file of files) {
    if (!DOCUMENT_TYPES.test(file.filename)) throw invalidRequest('INVALID_PARAMETER_VALUE', `${file.filename}: PayPal takes evidence as PDF, JPG, GIF or PNG files.`, file.field);
  }
  return files.map((file) => ({ name: file.filename }));
}

/** "Done: see the dispute" (the `subsequent_action` every action answers). */
function subsequentAction(record: DisputeRecord, base: string) {
  return { status: 200, body: { links: [disputeLinks(record, base)[0]] } };
}

async function lockedDispute(ctx: PaypalContext): Promise<DisputeRecord> {
  return mustGet<DisputeResource, DisputeRecord['internal']>(ctx.tx, 'paypal_dispute', ctx.params.id ?? '', { lock: true }) as Promise<DisputeRecord>;
}

const Evidence = z.object({
  evidence_type: z.string().regex(/^[0-9A-Z_]+$/).max(255),
  evidence_info: z.object({ tracking_info: z.array(z.unknown()).optional(), refund_ids: z.array(z.string()).optional() }).optional(),
  notes: z.string().max(2000).optional(),
});
const ProvideEvidence = z.object({ evidences: z.array(Evidence).max(100).optional() });
const AcceptClaim = z.object({
  note: z.string().min(1).max(2000),
  accept_claim_type: z.enum(['REFUND', 'REFUND_WITH_RETURN', 'PARTIAL_REFUND', 'REFUND_WITH_RETURN_SHIPMENT_LABEL']).optional(),
  refund_amount: PaypalMoneySchema.optional(),
  invoice_id: z.string().max(127).optional(),
});
const SendMessage = z.object({ message: z.string().min(1).max(2000) });
const Appeal = ProvideEvidence;

const ListQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(50).default(10),
  dispute_state: z.enum(DISPUTE_STATES).optional(),
  start_time: z.string().datetime({ offset: true }).optional(),
  disputed_transaction_id: z.string().min(1).optional(),
  next_page_token: z.string().regex(/^[A-Za-z0-9+/=]+$/).optional(),
});

function queryObject(query: URLSearchParams): Record<string, string> {
  return Object.fromEntries(query.entries());
}

function evidencesFrom(ctx: PaypalContext, record: DisputeRecord, input: z.infer<typeof ProvideEvidence>, files: UploadedFile[]): DisputeEvidence[] {
  const documents = documentsOf(files);
  const base = { source: 'SUBMITTED_BY_SELLER' as const, date: paypalTime(ctx.now), dispute_life_cycle_stage: record.resource.dispute_life_cycle_stage };
  const given = input.evidences ?? [];
  if (given.length === 0 && documents.length === 0) throw invalidRequest('MISSING_REQUIRED_PARAMETER', 'Provide at least one evidence or one file.', '/evidences');
  // Files belong to the first evidence; files alone are PayPal's OTHER evidence.
  if (given.length === 0) return [{ evidence_type: 'OTHER', documents, ...base }];
  return given.map((evidence, index) => ({ ...evidence, ...(index === 0 && documents.length > 0 ? { documents } : {}), ...base }));
}

export const DISPUTE_ROUTES: PaypalRoute[] = [
  {
    method: 'GET',
    path: '/v1/customer/disputes',
    docs: DOCS,
    async handle(ctx) {
      const query = parseBody(ListQuery, queryObject(ctx.query), 'query');
      const before = query.next_page_token ? Number(Buffer.from(query.next_page_token, 'base64').toString('utf8')) : null;
      if (before !== null && !Number.isSafeInteger(before)) throw invalidRequest('INVALID_PARAMETER_VALUE', 'The next_page_token is not one this API gave.', 'next_page_token', 'query');
      const since = query.start_time ? Math.floor(Date.parse(query.start_time) / 1000) : null;
      const rows = await ctx.tx.sql<{ data: DisputeRecord; seq: string }[]>`
        select data, seq from sandbox.objects where type = 'paypal_dispute'
        and (${before}::bigint is null or seq < ${before})
        and (${since}::bigint is null or created >= ${since})
        and (${query.disputed_transaction_id ?? null}::text is null or data->'internal'->>'capture_id' = ${query.disputed_transaction_id ?? null})
        order by seq desc`;
      const matching = rows.filter((row) => !query.dispute_state || disputeStateOf(row.data) === (query.dispute_state as DisputeState));
      const page = matching.slice(0, query.page_size);
      const links = [{ href: `${ctx.base}/v1/customer/disputes`, rel: 'self', method: 'GET' }];
      const last = page.at(-1);
      if (matching.length > query.page_size && last) {
        const next = new URLSearchParams({ ...queryObject(ctx.query), next_page_token: Buffer.from(last.seq).toString('base64') });
        links.push({ href: `${ctx.base}/v1/customer/disputes?${next.toString()}`, rel: 'next', method: 'GET' });
      }
      return { status: 200, body: { items: page.map((row) => disputeSummary(row.data, ctx.base)), links } };
    },
  },
  {
    method: 'GET',
    path: '/v1/customer/disputes/:id',
    docs: DOCS,
    async handle(ctx) {
      const record = await mustGet<DisputeResource, DisputeRecord['internal']>(ctx.tx, 'paypal_dispute', ctx.params.id ?? '');
      return { status: 200, body: disputeView(record as DisputeRecord, ctx.base) };
    },
  },
  {
    method: 'POST',
    path: '/v1/customer/disputes/:id/provide-evidence',
    docs: DOCS,
    multipart: true,
    async handle(ctx) {
      const record = await lockedDispute(ctx);
      const { input, files } = requestOf(ctx);
      const request = parseBody(ProvideEvidence, input);
      refuseUnlessAllowed(record, 'provide_evidence');
      const evidences = evidencesFrom(ctx, record, request, files);
      const saved = await saveDispute(ctx, { ...record, resource: { ...record.resource, status: 'UNDER_REVIEW', evidences: [...record.resource.evidences, ...evidences] } });
      return subsequentAction(saved, ctx.base);
    },
  },
  {
    method: 'POST',
    path: '/v1/customer/disputes/:id/accept-claim',
    docs: DOCS,
    multipart: true,
    async handle(ctx) {
      const record = await lockedDispute(ctx);
      const { input } = requestOf(ctx);
      const request = parseBody(AcceptClaim, input);
      refuseUnlessAllowed(record, 'accept_claim');
      const disputed = record.resource.dispute_amount;
      const refund = request.refund_amount ?? disputed;
      if (refund.currency_code !== disputed.currency_code || unitsOf(refund) > unitsOf(disputed) || unitsOf(refund) === 0) {
        throw invalidRequest('INVALID_PARAMETER_VALUE', `The refund amount must be more than nothing and at most the disputed ${disputed.value} ${disputed.currency_code}.`, '/refund_amount');
      }
      const noted: DisputeRecord = { ...record, resource: { ...record.resource, messages: [...record.resource.messages, { posted_by: 'SELLER', time_posted: paypalTime(ctx.now), content: request.note }] } };
      const saved = await closeDispute(ctx, noted, 'RESOLVED_BUYER_FAVOUR', { refund, accepted: true });
      return subsequentAction(saved, ctx.base);
    },
  },
  {
    method: 'POST',
    path: '/v1/customer/disputes/:id/send-message',
    docs: DOCS,
    multipart: true,
    async handle(ctx) {
      const record = await lockedDispute(ctx);
      const { input, files } = requestOf(ctx);
      const request = parseBody(SendMessage, input);
      refuseUnlessAllowed(record, 'send_message');
      const documents = documentsOf(files);
      const message = { posted_by: 'SELLER' as const, time_posted: paypalTime(ctx.now), content: request.message, ...(documents.length > 0 ? { documents } : {}) };
      const saved = await saveDispute(ctx, { ...record, resource: { ...record.resource, messages: [...record.resource.messages, message] } });
      return subsequentAction(saved, ctx.base);
    },
  },
  {
    method: 'POST',
    path: '/v1/customer/disputes/:id/appeal',
    docs: DOCS,
    multipart: true,
    async handle(ctx) {
      const record = await lockedDispute(ctx);
      const { input, files } = requestOf(ctx);
      const request = parseBody(Appeal, input);
      refuseUnlessAllowed(record, 'appeal');
      const evidences = evidencesFrom(ctx, record, request, files);
      // An appeal reopens the decision for PayPal's review; the money stays where the decision put it until PayPal decides again.
      const { dispute_outcome: _outcome, ...rest } = record.resource;
      const saved = await saveDispute(ctx, {
        ...record,
        resource: { ...rest, status: 'UNDER_REVIEW', evidences: [...record.resource.evidences, ...evidences] },
        internal: { ...record.internal, appealed: true },
      });
      return subsequentAction(saved, ctx.base);
    },
  },
];

async function readJsonBody(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new DisputeRefusal(400, 'The body is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    throw new DisputeRefusal(400, 'The body must be JSON.');
  }
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

const RESOLVE_PATH = /^\/_sandbox\/disputes\/([A-Za-z0-9-]+)\/resolve$/;
const Resolve = z.strictObject({ outcome: z.enum(['seller', 'buyer']) });

/**
 * The buyer's and PayPal's side: POST /_sandbox/disputes `{ capture_id, reason, amount?, stage? }`
 * opens a dispute (201, the dispute); POST /_sandbox/disputes/<id>/resolve `{ outcome: "seller" |
 * "buyer" }` decides it. Refusals are `{ error }` with 400, 404 or 409.
 */
export const DISPUTE_PAGES: PaypalPage[] = [
  {
    path: /^\/_sandbox\/disputes(\/[A-Za-z0-9-]+\/resolve)?$/,
    async handle(request, response, url, services) {
      if (request.method !== 'POST') return sendJson(response, 405, { error: 'Use POST.' });
      try {
        const body = await readJsonBody(request);
        const resolving = RESOLVE_PATH.exec(url.pathname);
        if (resolving) {
          const parsed = Resolve.safeParse(body);
          if (!parsed.success) throw new DisputeRefusal(400, 'The body must be { "outcome": "seller" | "buyer" }.');
          const id = resolving[1] ?? '';
          const record = await services.transaction(services.base(url), (ctx) => resolveDispute(ctx, id, parsed.data.outcome));
          return sendJson(response, 200, disputeView(record, services.base(url)));
        }
        const record = await services.transaction(services.base(url), (ctx) => openDispute(ctx, body));
        sendJson(response, 201, disputeView(record, services.base(url)));
      } catch (error) {
        if (error instanceof DisputeRefusal) return sendJson(response, error.status, { error: error.message });
        throw error;
      }
    },
  },
];
