import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import type { PlanOption } from './change-plan';

interface PlanOptionListProps {
  options: PlanOption[];
  /** Whether the Switch buttons take a click now (hydrated, nothing in flight). */
  enabled: boolean;
  /** The button's words, and its accessible name for one option. */
  label: string;
  ariaLabel: (option: PlanOption) => string;
  onChoose: (option: PlanOption) => void;
  /** Shown after an option's name and price (a "Scheduled" badge). */
  badge?: (option: PlanOption) => ReactNode;
}

/** The plans a subscriber can switch to, each with its Switch button: shared by both ways of changing plan. */
export function PlanOptionList({ options, enabled, label, ariaLabel, onChoose, badge }: PlanOptionListProps) {
  return (
    <ul className="divide-y divide-stone-100" data-testid="plan-options">
      {options.map((option) => (
        <li key={option.lookupKey} className="flex flex-wrap items-center justify-between gap-3 py-3 text-sm">
          <span>
            <span className="font-medium">{option.name}</span> <span className="text-stone-500">{option.priceLabel}</span>
            {badge?.(option)}
          </span>
          <Button type="button" variant="secondary" disabled={!enabled} onClick={() => onChoose(option)} aria-label={ariaLabel(option)}>
            {label}
          </Button>
        </li>
      ))}
    </ul>
  );
}
