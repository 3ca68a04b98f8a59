'use client';

import { useState, useTransition } from 'react';
import { startApprovedPlanChange } from '@/app/(account)/account/billing/actions';
import { Alert } from '@/components/ui/alert';
import type { PlanOption } from './change-plan';
import { PlanOptionList } from './plan-options';
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
      <PlanOptionList
        options={options}
        enabled={hydrated && !pending}
        label={`Switch with ${providerName}`}
        ariaLabel={(option) => `Switch to ${option.name} (${option.priceLabel}) with ${providerName}`}
        onChoose={switchTo}
      />
    </div>
  );
}
