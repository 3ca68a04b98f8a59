'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { cancelSubscription, resumeSubscription, startApprovedResume } from '@/app/(account)/account/billing/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { longDate } from './dates';
import { useHydrated } from './use-hydrated';
import { useRefreshUntil } from './use-refresh-until';

interface CancelSubscriptionProps {
  cancelAtPeriodEnd: boolean;
  /** The current period's end, formatted on the server: when a cancellation takes effect. */
  periodEnd: string | null;
  /** The provider whose page the subscriber approves a resume on (PayPal), or null when it is done here. */
  resumeApprovedAt: string | null;
}

/** Cancel at the end of the period (asked twice), and resume while that end has not come. */
export function CancelSubscription({ cancelAtPeriodEnd, periodEnd, resumeApprovedAt }: CancelSubscriptionProps) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; expectCanceling: boolean } | null>(null);
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();
  const router = useRouter();

  /** Refused (changed meanwhile in another tab, say): say why, and show how things stand now. */
  function refused(message: string) {
    setError(message);
    setConfirming(false);
    router.refresh();
  }
  const sync = useRefreshUntil(message === null || message.expectCanceling === cancelAtPeriodEnd);
  // Until the provider's webhook has reached our database, show what the provider just said.
  const canceling = sync.waiting && message ? message.expectCanceling : cancelAtPeriodEnd;

  function cancel() {
    setError(null);
    startTransition(async () => {
      const result = await cancelSubscription({});
      if (!result.ok) return refused(result.error);
      setConfirming(false);
      const endsOn = longDate(result.data.endsAt);
      setMessage({ text: `Your subscription is canceled. You keep access until ${endsOn}, and you will not be charged again.`, expectCanceling: true });
      sync.start();
    });
  }

  function resume() {
    setError(null);
    startTransition(async () => {
      if (resumeApprovedAt) {
        const approval = await startApprovedResume({});
        if (!approval.ok) return refused(approval.error);
        window.location.assign(approval.data.approveUrl);
        return;
      }
      const result = await resumeSubscription({});
      if (!result.ok) return refused(result.error);
      setMessage({ text: 'Your subscription continues. It renews as before.', expectCanceling: false });
      sync.start();
    });
  }

  return (
    <div className="space-y-3">
      {message ? <Alert tone="success">{message.text}</Alert> : null}
      {sync.waiting ? <p className="text-sm text-stone-500">Updating your plan details…</p> : null}
      {error ? <Alert>{error}</Alert> : null}
      {canceling ? (
        <>
          <p className="text-sm text-stone-600">
            Your subscription ends on <span className="font-medium text-ink">{periodEnd ?? 'the end of this period'}</span>. Changed your mind? Resume it before then and nothing changes.
          </p>
          {resumeApprovedAt ? <p className="text-sm text-stone-600">{resumeApprovedAt} asks you to approve carrying on, on its own page; you are not charged again for this period.</p> : null}
          <Button type="button" onClick={resume} disabled={!hydrated || pending}>
            {pending ? 'Resuming…' : resumeApprovedAt ? `Resume with ${resumeApprovedAt}` : 'Resume subscription'}
          </Button>
        </>
      ) : confirming ? (
        <div className="space-y-3 rounded-xl border border-red-200 bg-red-50/50 p-4 text-sm">
          <p>
            Cancel at the end of this period? You keep your plan until <span className="font-medium">{periodEnd ?? 'the end of this period'}</span> and are not charged again. You can resume until then.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button type="button" variant="danger" onClick={cancel} disabled={pending}>
              {pending ? 'Canceling…' : 'Yes, cancel at period end'}
            </Button>
            <Button type="button" variant="ghost" onClick={() => setConfirming(false)} disabled={pending}>
              Keep my subscription
            </Button>
          </div>
        </div>
      ) : (
        <Button type="button" variant="danger" disabled={!hydrated} onClick={() => setConfirming(true)}>
          Cancel subscription
        </Button>
      )}
    </div>
  );
}
