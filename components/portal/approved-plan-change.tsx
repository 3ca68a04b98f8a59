'use client';

import { useState, useTransition } from 'react';
import { startApprovedPlanChange } from '@/app/(account)/account/billing/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { PlanOption } from './change-plan';
import { useHydrated } from './use-hydrated';

interface ApprovedPlanChangeProps {
  options: PlanOption[];
  /** Who approves the change ("PayPal"). */
  providerName: string;
}

/**
 * Change plan where the provider asks the buyer to approve it (PayPal's revise): Switch sends the
 * subscriber to the provider's page, which shows the new plan's terms, and back here; the page
 * shows the new plan once the provider's webhook confirms it.
 */
export function ApprovedPlanChange({ options, providerName }: ApprovedPlanChangeProps) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();

  function switchTo(option: PlanOption) {
    setError(null);
    startTransition(async () => {
      const result = await startApprovedPlanChange({ lookupKey: option.lookupKey });
      if (!result.ok) {
        setError(result.error);
        return;
      }
      window.location.assign(result.data.approveUrl);
    });
  }

  return (
    <div className="space-y-4">
      {error ? <Alert>{error}</Alert> : null}
      <ul className="divide-y divide-stone-100" data-testid="plan-options">
        {options.map((option) => (
          <li key={option.lookupKey} className="flex flex-wrap items-center justify-between gap-3 py-3 text-sm">
            <span>
              <span className="font-medium">{option.name}</span> <span className="text-stone-500">{option.priceLabel}</span>
            </span>
            <Button
              type="button"
              variant="secondary"
              disabled={!hydrated || pending}
              onClick={() => switchTo(option)}
              aria-label={`Switch to ${option.name} (${option.priceLabel}) with ${providerName}`}
            >
              Switch with {providerName}
            </Button>
          </li>
        ))}
      </ul>
    </div>
  );
}
