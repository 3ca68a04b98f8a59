'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { finishPaymentMethodUpdate, startPaymentMethodUpdate } from '@/app/(account)/account/billing/actions';
import { CardStep } from '@/components/payments/card-step';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { PaymentBrowserConfig } from '@/lib/payments/browser';
import { useHydrated } from './use-hydrated';
import { useRefreshUntil } from './use-refresh-until';

interface UpdateCardProps {
  /** The subscription's currency: the card is saved for payments in it. */
  currency: string;
  /** The card shown now ("visa 4242 12/2030"), to tell when the new one has reached our records. */
  currentCard: string | null;
  browser: PaymentBrowserConfig;
}

/**
 * Saves a new card (the card update is made at the provider only once the card details are
 * complete), then has the server make it the default for the subscription's future invoices.
 */
export function UpdateCard({ currency, currentCard, browser }: UpdateCardProps) {
  const [open, setOpen] = useState(false);
  const [savedOver, setSavedOver] = useState<string | null | undefined>(undefined);
  const sync = useRefreshUntil(savedOver === undefined || savedOver !== currentCard);
  const hydrated = useHydrated();

  if (savedOver !== undefined) {
    return (
      <div className="space-y-2">
        <Alert tone="success">Your new card is saved. Future invoices are charged to it.</Alert>
        {sync.waiting ? <p className="text-sm text-stone-500">Updating your card details…</p> : null}
        <Button type="button" variant="secondary" onClick={() => { setSavedOver(undefined); setOpen(true); }}>
          Use another card
        </Button>
      </div>
    );
  }
  if (!open) {
    return (
      <Button type="button" variant="secondary" disabled={!hydrated} onClick={() => setOpen(true)}>
        {currentCard ? 'Update card' : 'Add a card'}
      </Button>
    );
  }
  return (
    <div className="space-y-3">
      <CardStep
        browser={browser}
        collect={{ mode: 'card', currency }}
        submitLabel="Save card"
        prepare={async () => {
          const result = await startPaymentMethodUpdate({});
          return result.ok ? { ok: true, data: { step: 'card', handoff: result.data.handoff } } : result;
        }}
        onConfirmed={async ({ id }) => {
          const result = await finishPaymentMethodUpdate({ cardUpdateId: id });
          if (!result.ok) return result.error;
          setSavedOver(currentCard);
          sync.start();
        }}
        returnUrl={() => `${window.location.origin}/account/billing`}
      />
      <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
        Keep my current card
      </Button>
    </div>
  );
}

/**
 * Back from a provider's redirect after saving a card (a payment method that leaves the page):
 * finish what the form would have finished.
 */
export function FinishReturnedCardUpdate({ cardUpdateId }: { cardUpdateId: string }) {
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  const router = useRouter();
  useEffect(() => {
    let stale = false;
    void finishPaymentMethodUpdate({ cardUpdateId }).then((result) => {
      if (stale) return;
      setState(result.ok ? { ok: true, text: 'Your new card is saved. Future invoices are charged to it.' } : { ok: false, text: result.error });
      if (result.ok) router.refresh();
    });
    return () => {
      stale = true;
    };
  }, [cardUpdateId, router]);
  if (!state) return <p className="text-sm text-stone-500">Saving your new card…</p>;
  return <Alert tone={state.ok ? 'success' : 'error'}>{state.text}</Alert>;
}
