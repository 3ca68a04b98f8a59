import type Stripe from 'stripe';
import type { RequestContext } from '../context';
import { invalidRequest } from '../errors';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import type { Route } from '../routes';
import { retrieveRoute } from './common';

/**
 * Stripe's File Upload API (files.stripe.com/v1/files; the SDK sends it to the configured host,
 * so to the sandbox). The sandbox keeps what a file is, never its bytes. Only the purposes
 * Billfold uploads for are taken; dispute evidence is limited as Stripe limits it: PDF, JPEG or
 * PNG, at most 5 MB each (docs.stripe.com/disputes/responding#upload-evidence).
 */

const PURPOSES = ['dispute_evidence'] as const;
const EVIDENCE_TYPES: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };
export const MAX_EVIDENCE_FILE_BYTES = 5 * 1024 * 1024;

const Upload = {
  purpose: p.string().req(),
  file: p.object({ filename: p.string({ max: 255 }), type: p.string({ max: 255 }), size: p.int({ min: 0 }) }).req(),
  expand: p.any(),
};

async function createFile(ctx: RequestContext): Promise<Stripe.File> {
  const params = parseParams(Upload, ctx.params);
  const purpose = PURPOSES.find((each) => each === params.purpose);
  if (!purpose) throw invalidRequest(`Invalid purpose: must be one of ${PURPOSES.join(', ')} (the sandbox takes the purposes Billfold uploads for).`, 'purpose');
  const type = EVIDENCE_TYPES[params.file.type ?? ''];
  if (!type) throw invalidRequest('Dispute evidence must be a PDF, JPEG or PNG file.', 'file');
  const size = params.file.size ?? 0;
  if (size === 0) throw invalidRequest('The file is empty.', 'file');
  if (size > MAX_EVIDENCE_FILE_BYTES) throw invalidRequest(`Dispute evidence files must be at most ${MAX_EVIDENCE_FILE_BYTES} bytes; this one is ${size}.`, 'file');
  const id = newId('file');
  const file: Stripe.File = {
    id,
    object: 'file',
    created: nowSeconds(),
    expires_at: null,
    filename: params.file.filename ?? null,
    links: null,
    purpose,
    size,
    title: null,
    type,
    url: `${ctx.baseUrl}/v1/files/${id}/contents`,
  };
  await ctx.tx.insert(file);
  return file;
}

export const fileRoutes: Route[] = [{ method: 'POST', path: '/v1/files', handler: createFile }, retrieveRoute('/v1/files/:id', 'file')];
