'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { EvidenceDocumentKind } from '@/lib/payments/types';

interface Refusal {
  message: string;
  field?: string;
}

const textareaClass =
  'block w-full rounded-lg border border-stone-300 bg-white px-3 py-2.5 text-base shadow-xs sm:text-sm focus:border-brand-500 focus:outline-none aria-invalid:border-red-400';

/**
 * The evidence of one dispute, sent in one submission (the providers take one). Posted as
 * multipart to the evidence route, since it carries files; `requestId`, made when the page was
 * rendered, makes a double submit one submission.
 */
export function DisputeEvidenceForm({
  disputeId,
  requestId,
  documents,
  maxExplanation,
}: {
  disputeId: string;
  requestId: string;
  documents: readonly { kind: EvidenceDocumentKind; label: string }[];
  maxExplanation: number;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setRefusal(null);
    try {
      const response = await fetch(`/api/admin/disputes/${disputeId}/evidence`, { method: 'POST', body: new FormData(event.currentTarget) });
      if (response.ok) {
        router.refresh();
        return;
      }
      const body = (await response.json().catch(() => null)) as { error?: Refusal } | null;
      setRefusal(body?.error ?? { message: 'Something went wrong on our side. Nothing was sent; please try again.' });
    } catch {
      setRefusal({ message: 'The evidence could not be sent: check your connection and try again.' });
    } finally {
      setPending(false);
    }
  }

  const errorFor = (field: string) => (refusal?.field === field ? refusal.message : undefined);
  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Evidence">
      {refusal && !refusal.field ? <Alert>{refusal.message}</Alert> : null}
      <input type="hidden" name="requestId" value={requestId} />
      <div className="space-y-1.5">
        <label htmlFor="explanation" className="block text-sm font-medium">
          Why the charge is valid
        </label>
        <textarea
          id="explanation"
          name="explanation"
          required
          rows={5}
          maxLength={maxExplanation}
          aria-invalid={errorFor('explanation') ? true : undefined}
          className={textareaClass}
        />
        {errorFor('explanation') ? <p className="text-sm text-red-700">{errorFor('explanation')}</p> : null}
      </div>
      <div className="space-y-1.5">
        <label htmlFor="productDescription" className="block text-sm font-medium">
          What was sold
        </label>
        <textarea id="productDescription" name="productDescription" rows={2} className={textareaClass} />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="shippingCarrier" name="shippingCarrier" label="Shipping carrier" error={errorFor('shippingCarrier')} />
        <Field id="shippingTrackingNumber" name="shippingTrackingNumber" label="Tracking number" error={errorFor('shippingTrackingNumber')} />
      </div>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Documents (PDF, JPEG or PNG; 4.5 MB in all)</legend>
        {documents.map((document) => (
          <div key={document.kind} className="space-y-1">
            <label htmlFor={`evidence-${document.kind}`} className="block text-sm text-stone-700">
              {document.label}
            </label>
            <input
              id={`evidence-${document.kind}`}
              name={document.kind}
              type="file"
              accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
              aria-invalid={errorFor(document.kind) ? true : undefined}
              className="block w-full text-sm file:mr-3 file:min-h-11 file:rounded-lg file:border file:border-stone-300 file:bg-white file:px-3"
            />
            {errorFor(document.kind) ? <p className="text-sm text-red-700">{errorFor(document.kind)}</p> : null}
          </div>
        ))}
      </fieldset>
      <Button type="submit" disabled={pending}>
        {pending ? 'Submitting…' : 'Submit evidence'}
      </Button>
    </form>
  );
}
