'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import type { RefundActionResult } from '@/app/(admin)/admin/transactions/[id]/actions';
import type { ActionResult } from '@/lib/auth/actions';

export interface RefundFormConfig {
  paymentId: string;
  currency: string;
  /** Made when the page rendered: a second submit of this form is the same refund. */
  requestId: string;
  /** What is left to refund, formatted, and as the decimal the amount field starts with. */
  remaining: { formatted: string; decimal: string };
  /** Refunds above this (formatted) wait for a second admin; null when none do. */
  approvalAbove: string | null;
}

type Result = ActionResult<RefundActionResult>;

const REASONS = [
  { value: 'requested_by_customer', label: 'Requested by the customer' },
  { value: 'duplicate', label: 'Duplicate' },
  { value: 'fraudulent', label: 'Fraudulent' },
] as const;

function outcomeMessage(state: Result | null): { tone: 'ok' | 'error'; text: string } | null {
  if (!state) return null;
  if (!state.ok) return { tone: 'error', text: state.error };
  switch (state.data.outcome) {
    case 'sent':
      return { tone: 'ok', text: 'Refund sent. It shows as Refunded once the provider confirms it.' };
    case 'awaiting_approval':
      return { tone: 'ok', text: 'Refund requested: it waits for a second admin’s approval.' };
    case 'failed':
      return { tone: 'error', text: `The provider refused the refund: ${state.data.lastError ?? 'no reason given'}.` };
    default:
      // Rejected and withdrawn come from deciding on a request, not from this form.
      return null;
  }
}

/** The payment page's refund form: a decimal amount (whole or part of what is left), a reason and a note. */
export function RefundForm({ config, action }: { config: RefundFormConfig; action: (input: FormData) => Promise<Result> }) {
  const [state, formAction, pending] = useActionState(async (_previous: Result | null, formData: FormData) => action(formData), null);
  const message = outcomeMessage(state);
  const amountError = state && !state.ok ? state.fieldErrors?.amount : undefined;
  return (
    <form action={formAction} className="space-y-4" data-testid="refund-form">
      <input type="hidden" name="paymentId" value={config.paymentId} />
      <input type="hidden" name="currency" value={config.currency} />
      <input type="hidden" name="requestId" value={config.requestId} />
      <p className="text-sm">
        Left to refund: <strong data-testid="refund-remaining">{config.remaining.formatted}</strong>
        {config.approvalAbove ? <span className="text-stone-600"> · above {config.approvalAbove} a second admin approves</span> : null}
      </p>
      <div className="grid gap-4 sm:grid-cols-2">
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium">Amount ({config.currency})</span>
          <input
            name="amount"
            inputMode="decimal"
            required
            defaultValue={config.remaining.decimal}
            key={config.requestId}
            aria-invalid={amountError ? true : undefined}
            className="min-h-11 rounded-lg border border-stone-300 px-3 tabular-nums aria-invalid:border-red-400"
          />
        </label>
        <label className="flex flex-col gap-1 text-sm">
          <span className="font-medium">Reason</span>
          <select name="reason" defaultValue="requested_by_customer" className="min-h-11 rounded-lg border border-stone-300 bg-white px-2">
            {REASONS.map((reason) => (
              <option key={reason.value} value={reason.value}>
                {reason.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <label className="flex flex-col gap-1 text-sm">
        <span className="font-medium">Note (kept in the audit log)</span>
        <textarea name="note" maxLength={1000} rows={2} className="rounded-lg border border-stone-300 px-3 py-2" />
      </label>
      {message ? (
        <p role={message.tone === 'error' ? 'alert' : 'status'} className={`text-sm ${message.tone === 'error' ? 'text-red-700' : 'text-emerald-800'}`} data-testid="refund-message">
          {message.text}
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? 'Refunding…' : 'Refund'}
      </Button>
    </form>
  );
}
