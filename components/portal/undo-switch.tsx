'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { undoSwitch } from '@/app/(account)/account/billing/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useHydrated } from './use-hydrated';

interface UndoSwitchProps {
  /** How the subscription is paid now: "PayPal", or "card". */
  keeping: { label: string; isCard: boolean };
  /**
   * When the period paid for ends, formatted, where the provider paid now cannot simply carry on
   * (PayPal asks the buyer to approve a resume): the subscription then still ends on it. Null
   * when it renews as before.
   */
  stillEndsOn: string | null;
}

/**
 * Calls off a scheduled move to another way of paying while the period paid for runs: the
 * subscription stays where it is. The page then shows it as before the move (or, with PayPal,
 * set to end until resumed there).
 */
export function UndoSwitch({ keeping, stillEndsOn }: UndoSwitchProps) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();
  const router = useRouter();
  const label = keeping.isCard ? 'Keep paying by card' : `Keep paying with ${keeping.label}`;

  function undo() {
    setError(null);
    startTransition(async () => {
      const result = await undoSwitch({});
      if (!result.ok) {
        // Refused (the move started meanwhile, or was undone in another tab): say why, and show how things stand.
        setError(result.error);
        router.refresh();
        return;
      }
      router.replace(`/account/billing?notice=${result.data.renews ? 'switch-undone' : 'switch-undone-ending'}`);
      router.refresh();
    });
  }

  return (
    <div className="space-y-2">
      {error ? <Alert>{error}</Alert> : null}
      {stillEndsOn ? (
        <p className="text-xs text-stone-500" data-testid="undo-switch-terms">
          {keeping.label} does not simply carry on: your subscription would still end on {stillEndsOn} unless you resume it, approving that at {keeping.label}.
        </p>
      ) : null}
      <Button type="button" variant="secondary" onClick={undo} disabled={!hydrated || pending}>
        {pending ? 'Keeping it…' : label}
      </Button>
    </div>
  );
}
