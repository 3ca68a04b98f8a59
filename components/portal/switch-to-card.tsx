'use client';

import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import { finishSwitchToCard, startSwitchToCard } from '@/app/(account)/account/billing/actions';
import { CardStep } from '@/components/payments/card-step';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { useHydrated } from './use-hydrated';

interface SwitchToCardProps {
  /** The subscription's currency: the card is saved for payments in it. */
  currency: string;
  /** Who is paid now ("PayPal"). */
  providerName: string;
  /** When the period paid for ends, formatted, and what the card is charged then. */
  paidUntil: string;
  amount: string;
  browser: PaymentBrowserConfig;
}

const SCHEDULED = '/account/billing?notice=switch-scheduled';

/**
 * Moves a subscription paid through PayPal to a card: the card is saved now, in the card
 * provider's fields, and charged only when the period paid for ends, after which PayPal charges
 * nothing more. The page then shows the move until it happens.
 */
export function SwitchToCard({ currency, providerName, paidUntil, amount, browser }: SwitchToCardProps) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const hydrated = useHydrated();

  if (!open) {
    return (
      <Button type="button" variant="secondary" disabled={!hydrated} onClick={() => setOpen(true)}>
        Pay with a card instead
      </Button>
    );
  }
  return (
    <div className="space-y-3">
      <p className="text-sm text-stone-700" data-testid="switch-terms">
        Your card is charged {amount} on {paidUntil}, when the period you paid for with {providerName} ends, and then every period. {providerName} will not
        charge you again.
      </p>
      <CardStep
        browser={browser}
        collect={{ mode: 'card', currency }}
        submitLabel="Switch to this card"
        prepare={async () => {
          const result = await startSwitchToCard({});
          return result.ok ? { ok: true, data: { step: 'card', handoff: result.data.handoff } } : result;
        }}
        onConfirmed={async ({ id }) => {
          const result = await finishSwitchToCard({ cardUpdateId: id });
          if (!result.ok) return result.error;
          router.replace(SCHEDULED);
          router.refresh();
        }}
        returnUrl={() => `${window.location.origin}/account/billing?switch=card`}
      />
      <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
        Keep paying with {providerName}
      </Button>
    </div>
  );
}

/** Back from the card provider's redirect while saving the card for a move: finish the move. */
export function FinishReturnedSwitch({ cardUpdateId }: { cardUpdateId: string }) {
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  useEffect(() => {
    let stale = false;
    void finishSwitchToCard({ cardUpdateId }).then((result) => {
      if (stale) return;
      if (!result.ok) setError(result.error);
      else {
        router.replace(SCHEDULED);
        router.refresh();
      }
    });
    return () => {
      stale = true;
    };
  }, [cardUpdateId, router]);
  return error ? <Alert>{error}</Alert> : <p className="text-sm text-stone-500">Saving your card…</p>;
}
