'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { finishSwitchToPaypal, startSwitchToPaypal } from '@/app/(account)/account/billing/actions';
import { SubscriptionApprovalStep } from '@/components/payments/subscription-approval-step';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { useHydrated } from './use-hydrated';

interface SwitchToApprovalProps {
  /** Who the subscriber moves to ("PayPal"), and its button's browser config. */
  providerName: string;
  browser: PaymentBrowserConfig;
  /** When the period paid by card ends, formatted, and what is charged then. */
  paidUntil: string;
  amount: string;
}

/**
 * Moves a card subscription to PayPal: PayPal's button, whose subscription bills from the end of
 * the period paid by card; the buyer approves it in PayPal's window, and the page then shows the
 * move. Until then nothing changes: the card subscription carries on as it is.
 */
export function SwitchToApproval({ providerName, browser, paidUntil, amount }: SwitchToApprovalProps) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | null>(null);
  // The subscription PayPal's window is approving: onApprove reports it.
  const subscriptionIdRef = useRef<string | null>(null);
  const router = useRouter();
  const hydrated = useHydrated();

  if (!open) {
    return (
      <Button type="button" variant="secondary" disabled={!hydrated} onClick={() => setOpen(true)}>
        Pay with {providerName} instead
      </Button>
    );
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-stone-700" data-testid="switch-terms">
        {providerName} collects {amount} on {paidUntil}, when the period you paid for by card ends, and then every period. Your card will not be charged again.
      </p>
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
      <SubscriptionApprovalStep
        browser={browser}
        createSubscription={async () => {
          const result = await startSwitchToPaypal({});
          if (result.ok) subscriptionIdRef.current = result.data.subscriptionId;
          return result;
        }}
        onApproved={() => {
          const id = subscriptionIdRef.current;
          if (!id) return;
          void finishSwitchToPaypal({ subscriptionId: id }).then((result) => {
            if (!result.ok) {
              setMessage({ tone: 'error', text: result.error });
              return;
            }
            router.replace('/account/billing?notice=switch-approved');
            router.refresh();
          });
        }}
        onMessage={setMessage}
        wording={{ instead: 'keep paying by card', left: 'You left PayPal before approving. Nothing changed: your card still pays your subscription.' }}
      />
      <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
        Keep paying by card
      </Button>
    </div>
  );
}
