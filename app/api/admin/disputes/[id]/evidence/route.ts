import { z } from 'zod';
import { db } from '@/db/client';
import { consoleRoute } from '@/lib/auth/routes';
import { evidenceFrom, MAX_EVIDENCE_BYTES, submitDisputeEvidence, type EvidenceUpload } from '@/lib/billing/disputes';
import { UserFacingError } from '@/lib/errors';
import { paymentRegistry } from '@/lib/payments';
import { EVIDENCE_DOCUMENT_KINDS } from '@/lib/payments/types';

export const dynamic = 'force-dynamic';

// The files and the text fields around them; anything larger is refused before it is read.
const MAX_REQUEST_BYTES = MAX_EVIDENCE_BYTES + 64 * 1024;

const Fields = z.object({
  requestId: z.uuid(),
  explanation: z.string().max(10_000),
  productDescription: z.string().max(10_000).optional(),
  shippingCarrier: z.string().max(200).optional(),
  shippingTrackingNumber: z.string().max(200).optional(),
});

/**
 * The evidence form of a dispute (components/admin/dispute-evidence-form.tsx) posts here: a route
 * handler rather than a server action because it carries files of up to 4.5 MB, and raising the
 * server actions' body limit would raise it for every action, the shop's public ones included.
 */
export const POST = consoleRoute<{ params: Promise<{ id: string }> }>('disputes.respond', async (request, staff, { params }) => {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success) throw new UserFacingError('No such dispute.', 'not_found');
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (!Number.isFinite(declared)) return Response.json({ error: { code: 'length_required', message: 'Send the form with its length.' } }, { status: 411 });
  if (declared > MAX_REQUEST_BYTES) {
    return Response.json({ error: { code: 'too_large', message: 'The documents come to more than a dispute takes (4.5 MB in all).' } }, { status: 413 });
  }
  const form = await request.formData().catch(() => {
    throw new UserFacingError('This form could not be read. Reload the page and try again.', 'invalid_request');
  });
  const fields = Fields.safeParse(Object.fromEntries([...form.entries()].filter((entry): entry is [string, string] => typeof entry[1] === 'string')));
  if (!fields.success) throw new UserFacingError('This form is out of date. Reload the page and try again.', 'invalid_request');
  const uploads: EvidenceUpload[] = [];
  for (const kind of EVIDENCE_DOCUMENT_KINDS) {
    const file = form.get(kind);
    // A file input left empty still sends a part, with no name and no bytes.
    if (file instanceof File && file.size > 0) uploads.push({ kind, filename: file.name, data: new Uint8Array(await file.arrayBuffer()) });
  }
  const evidence = evidenceFrom({ ...fields.data, uploads });
  const dispute = await submitDisputeEvidence({ db, payments: paymentRegistry() }, staff, { disputeId: id, requestId: fields.data.requestId, evidence });
  return Response.json({ data: { id: dispute.id, status: dispute.status } });
});
