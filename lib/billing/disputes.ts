import { eq } from 'drizzle-orm';
import type { Database, Transaction } from '@/db/client';
import { auditLog, disputes, payments } from '@/db/schema';
import { assertCan } from '@/lib/auth/roles';
import type { SessionUser } from '@/lib/auth/users';
import { UserFacingError } from '@/lib/errors';
import type { PaymentRegistry } from '@/lib/payments';
import type { PaymentProvider } from '@/lib/payments/provider';
import {
  DisputeNotOpenError,
  EVIDENCE_CONTENT_TYPES,
  EVIDENCE_DOCUMENT_KINDS,
  type DisputeEvidence,
  type DisputeStatus,
  type EvidenceDocument,
  type EvidenceDocumentKind,
  type ProviderDispute,
} from '@/lib/payments/types';
import { applyChange, lockBillingKey } from './payment-events';

/**
 * Answering a dispute from the admin console: send evidence, or accept it (issue 14). Each is
 * one call to the provider, made under the disputed payment's lock (the one the webhook worker
 * applies the dispute's events under), with the dispute as the provider answers applied and the
 * admin's action audited in the same transaction. The outcome (won or lost) arrives later by
 * webhook, through the same pipeline as every other dispute change.
 */

/** The statuses in which a provider still takes a response. */
export const RESPONDABLE: readonly DisputeStatus[] = ['needs_response', 'warning_needs_response'];

// The providers' common limits: Stripe takes at most 4.5 MB of evidence files per dispute, PayPal
// 2,000 characters of notes per evidence.
export const MAX_EVIDENCE_BYTES = 4.5 * 1024 * 1024;
export const MAX_EXPLANATION_LENGTH = 2000;

export const EVIDENCE_DOCUMENT_LABELS: Record<EvidenceDocumentKind, string> = {
  receipt: 'Receipt',
  customer_communication: 'Customer communication',
  refund_policy: 'Refund policy',
  shipping_documentation: 'Proof of shipping',
  other: 'Other document',
};

type ContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];

/**
 * What a file is, from its first bytes rather than the name or type the browser sent: both
 * providers refuse anything but PDF, JPEG and PNG, and a renamed file should be refused here,
 * with a clear message, not by the provider after half the documents were uploaded. Three fixed
 * signatures; a sniffing library would be a dependency for these alone.
 */
export function sniffEvidenceType(data: Uint8Array): ContentType | null {
  const starts = (...bytes: number[]) => bytes.every((byte, index) => data[index] === byte);
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'application/pdf'; // %PDF-
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  return null;
}

/** A file the admin chose, as the form sent it. */
export interface EvidenceUpload {
  kind: EvidenceDocumentKind;
  filename: string;
  data: Uint8Array;
}

export interface EvidenceInput {
  explanation: string;
  productDescription?: string | null;
  shippingCarrier?: string | null;
  shippingTrackingNumber?: string | null;
  uploads: EvidenceUpload[];
}

/** Checks an admin's evidence and puts it in the providers' terms; a UserFacingError names the field at fault. */
export function evidenceFrom(input: EvidenceInput): DisputeEvidence {
  const explanation = input.explanation.trim();
  if (!explanation) throw new UserFacingError('Explain why the charge is valid: the bank reads this first.', 'invalid_evidence', 'explanation');
  if (explanation.length > MAX_EXPLANATION_LENGTH) {
    throw new UserFacingError(`The explanation is ${explanation.length} characters; the providers take at most ${MAX_EXPLANATION_LENGTH}.`, 'invalid_evidence', 'explanation');
  }
  const carrier = input.shippingCarrier?.trim() || null;
  const trackingNumber = input.shippingTrackingNumber?.trim() || null;
  if (Boolean(carrier) !== Boolean(trackingNumber)) {
    throw new UserFacingError('Give both the carrier and the tracking number, or neither.', 'invalid_evidence', carrier ? 'shippingTrackingNumber' : 'shippingCarrier');
  }
  const documents: EvidenceDocument[] = [];
  let total = 0;
  for (const upload of input.uploads) {
    if (!EVIDENCE_DOCUMENT_KINDS.includes(upload.kind)) throw new UserFacingError('Unknown kind of document.', 'invalid_evidence');
    if (documents.some((each) => each.kind === upload.kind)) {
      throw new UserFacingError(`Attach one ${EVIDENCE_DOCUMENT_LABELS[upload.kind].toLowerCase()} only.`, 'invalid_evidence', upload.kind);
    }
    const contentType = sniffEvidenceType(upload.data);
    if (!contentType) throw new UserFacingError(`${upload.filename} is not a PDF, JPEG or PNG file.`, 'invalid_evidence', upload.kind);
    total += upload.data.byteLength;
    documents.push({ kind: upload.kind, filename: upload.filename.slice(-200) || `${upload.kind}`, contentType, data: upload.data });
  }
  if (total > MAX_EVIDENCE_BYTES) {
    throw new UserFacingError(`The documents come to ${(total / 1024 / 1024).toFixed(1)} MB; a dispute takes at most 4.5 MB of files.`, 'invalid_evidence');
  }
  return { explanation, productDescription: input.productDescription?.trim() || null, shipping: carrier && trackingNumber ? { carrier, trackingNumber } : null, documents };
}

export interface DisputeResponseDeps {
  db: Database;
  payments: PaymentRegistry;
}

type DisputeRow = typeof disputes.$inferSelect;

/**
 * The idempotency key of a response: our dispute and the request id the admin's form carried
 * (made when the page was rendered), so a double submit or a retried request is one response
 * at the provider, and a fresh form is a new one.
 */
export function disputeResponseKey(disputeId: string, response: 'evidence' | 'accept', requestId: string): string {
  return `dispute:${disputeId}:${response}:${requestId}`;
}

async function respond(
  deps: DisputeResponseDeps,
  staff: SessionUser,
  disputeId: string,
  action: 'dispute.evidence_submitted' | 'dispute.accepted',
  data: Record<string, unknown>,
  call: (provider: PaymentProvider, providerDisputeId: string) => Promise<ProviderDispute>,
): Promise<DisputeRow> {
  assertCan(staff, 'disputes.respond');
  const [found] = await deps.db
    .select({ dispute: disputes, providerPaymentId: payments.providerPaymentId })
    .from(disputes)
    .innerJoin(payments, eq(payments.id, disputes.paymentId))
    .where(eq(disputes.id, disputeId));
  if (!found) throw new UserFacingError('No such dispute.', 'not_found');
  const { dispute: before, providerPaymentId } = found;
  const provider = deps.payments.get(before.provider);
  // A refusal is returned, not thrown, so what was learnt meanwhile is committed with it.
  const outcome = await deps.db.transaction(async (tx): Promise<{ answered: DisputeRow } | { refused: DisputeRow }> => {
    await lockBillingKey(tx, { provider: before.provider, providerPaymentId });
    const current = await disputeRow(tx, disputeId);
    if (!RESPONDABLE.includes(current.status)) return { refused: current };
    let answered: ProviderDispute;
    try {
      answered = await call(provider, current.providerDisputeId);
    } catch (error) {
      if (!(error instanceof DisputeNotOpenError)) throw error;
      // Answered elsewhere (the provider's dashboard) or decided meanwhile: record what it is now.
      await applyChange(tx, { kind: 'dispute', dispute: await provider.payments.retrieveDispute(current.providerDisputeId) });
      return { refused: await disputeRow(tx, disputeId) };
    }
    await applyChange(tx, { kind: 'dispute', dispute: answered });
    await tx.insert(auditLog).values({
      actorKind: 'user',
      actorUserId: staff.id,
      action,
      subjectType: 'dispute',
      subjectId: current.id,
      data: { ...data, paymentId: current.paymentId, provider: current.provider, before: { status: current.status }, after: { status: answered.status } },
    });
    return { answered: await disputeRow(tx, disputeId) };
  });
  if ('refused' in outcome) throw notOpen(outcome.refused);
  return outcome.answered;
}

async function disputeRow(tx: Transaction, id: string): Promise<DisputeRow> {
  const [row] = await tx.select().from(disputes).where(eq(disputes.id, id));
  if (!row) throw new Error(`dispute ${id} vanished while being answered`);
  return row;
}

function notOpen(dispute: DisputeRow): UserFacingError {
  return new UserFacingError(`This dispute is no longer waiting for a response (it is ${dispute.status.replaceAll('_', ' ')}). Reload to see it.`, 'dispute_not_open');
}

/** Sends the evidence and submits it: the provider takes one submission. */
export async function submitDisputeEvidence(
  deps: DisputeResponseDeps,
  staff: SessionUser,
  request: { disputeId: string; requestId: string; evidence: DisputeEvidence },
): Promise<DisputeRow> {
  const { evidence } = request;
  // What the log keeps of the evidence: what was sent, not the files themselves.
  const summary = {
    explanation: evidence.explanation,
    productDescription: evidence.productDescription,
    shipping: evidence.shipping,
    documents: evidence.documents.map((document) => ({ kind: document.kind, filename: document.filename, bytes: document.data.byteLength })),
  };
  return respond(deps, staff, request.disputeId, 'dispute.evidence_submitted', { evidence: summary }, (provider, providerDisputeId) =>
    provider.payments.submitDisputeEvidence(providerDisputeId, evidence, disputeResponseKey(request.disputeId, 'evidence', request.requestId)),
  );
}

/** Concedes the dispute: the buyer keeps the money. */
export async function acceptDispute(deps: DisputeResponseDeps, staff: SessionUser, request: { disputeId: string; requestId: string }): Promise<DisputeRow> {
  return respond(deps, staff, request.disputeId, 'dispute.accepted', {}, (provider, providerDisputeId) =>
    provider.payments.acceptDispute(providerDisputeId, disputeResponseKey(request.disputeId, 'accept', request.requestId)),
  );
}
