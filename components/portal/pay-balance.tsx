'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { payOutstandingBalance } from '@/app/(account)/account/billing/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useHydrated } from './use-hydrated';

interface PayBalanceProps {
  /** The balance, formatted ("$9.00"). */
  amount: string;
  /** Who holds the subscriber's funding ("PayPal"). */
  providerName: string;
  /** The provider's page where the subscriber changes how they pay, when it has one. */
  fundingUrl: string | null;
}

/**
 * A balance failed renewals left at a provider that keeps the subscriber's funding (PayPal): fix
 * how you pay there, then have it collected now. The page reloads with the provider's answer; a
 * refusal says to fix the funding first, and changes nothing else.
 */
export function PayBalance({ amount, providerName, fundingUrl }: PayBalanceProps) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();

  function pay() {
    setError(null);
    startTransition(async () => {
      const result = await payOutstandingBalance({});
      if (!result.ok) {
        setError(result.error);
        return;
      }
      if (!result.data.paid) {
        setError(`${providerName} could not take the payment from your ${providerName} account. Change how you pay at ${providerName}, then try again.`);
        return;
      }
      router.replace('/account/billing?notice=balance-paid');
      router.refresh();
    });
  }

  return (
    <div className="space-y-3 text-sm" id="balance">
      <Alert>
        {providerName} could not collect your last payment: {amount} is due.
      </Alert>
      <ol className="list-decimal space-y-1 pl-5 text-stone-700">
        <li>
          {fundingUrl ? (
            <a href={fundingUrl} target="_blank" rel="noopener noreferrer" className="font-semibold underline">
              Change how you pay at {providerName}
              <span className="sr-only"> (opens in a new tab)</span>
            </a>
          ) : (
            `Change how you pay in your ${providerName} account`
          )}
          , under its automatic payments.
        </li>
        <li>Come back here and pay the balance now, or {providerName} collects it with your next payment.</li>
      </ol>
      {error ? <Alert>{error}</Alert> : null}
      <Button type="button" disabled={!hydrated || pending} onClick={pay}>
        {pending ? 'Paying…' : `Pay ${amount} now with ${providerName}`}
      </Button>
    </div>
  );
}
