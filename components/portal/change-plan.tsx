'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { changePlan, previewPlanChange } from '@/app/(account)/account/billing/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { formatMoney, type Money } from '@/lib/money';
import { longDate } from './dates';
import { PlanOptionList } from './plan-options';
import { useHydrated } from './use-hydrated';
import { useRefreshUntil } from './use-refresh-until';

export interface PlanOption {
  lookupKey: string;
  name: string;
  /** "$29.00 / month", formatted on the server. */
  priceLabel: string;
}

type Preview = { timing: 'now' | 'period_end'; effectiveAt: string; amountDue: Money; lines: { description: string; amount: Money }[] };

interface ChangePlanProps {
  options: PlanOption[];
  /** The plan the subscription is on now, and the one it is set to change to later, if any. */
  currentLookupKey: string;
  pendingLookupKey: string | null;
}

/**
 * Change plan in two steps: the provider's own proration preview (what is charged today, and
 * whether the change happens now or at the end of the period), then the change itself.
 */
export function ChangePlan({ options, currentLookupKey, pendingLookupKey }: ChangePlanProps) {
  const [target, setTarget] = useState<PlanOption | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ target: PlanOption; timing: 'now' | 'period_end'; message: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const shown = done ? (done.timing === 'now' ? currentLookupKey === done.target.lookupKey : pendingLookupKey === done.target.lookupKey) : true;
  const sync = useRefreshUntil(shown);
  const hydrated = useHydrated();
  const router = useRouter();

  function showPreview(option: PlanOption) {
    setError(null);
    setDone(null);
    setTarget(option);
    setPreview(null);
    startTransition(async () => {
      const result = await previewPlanChange({ lookupKey: option.lookupKey });
      if (result.ok) setPreview(result.data);
      else {
        // Refused (the subscription changed meanwhile, say in another tab): show how it stands now.
        setError(result.error);
        setTarget(null);
        router.refresh();
      }
    });
  }

  function confirm() {
    if (!target) return;
    setError(null);
    startTransition(async () => {
      const result = await changePlan({ lookupKey: target.lookupKey });
      if (!result.ok) {
        setError(result.error);
        router.refresh();
        return;
      }
      const message =
        result.data.timing === 'now'
          ? `Your plan is now ${target.name}.`
          : `Your plan changes to ${target.name} on ${longDate(result.data.effectiveAt)}. Until then nothing changes.`;
      setDone({ target, timing: result.data.timing, message });
      setTarget(null);
      setPreview(null);
      sync.start();
    });
  }

  return (
    <div className="space-y-4">
      {done ? <Alert tone="success">{done.message}</Alert> : null}
      {done && sync.waiting ? <p className="text-sm text-stone-500">Updating your plan details…</p> : null}
      {error ? <Alert>{error}</Alert> : null}
      <PlanOptionList
        options={options}
        enabled={hydrated && !pending}
        label="Switch"
        ariaLabel={(option) => `Switch to ${option.name} (${option.priceLabel})`}
        onChoose={showPreview}
        badge={(option) =>
          option.lookupKey === pendingLookupKey ? <span className="ml-2 rounded-full bg-stone-100 px-2 py-0.5 text-xs text-stone-700">Scheduled</span> : null
        }
      />
      {target ? (
        <section aria-label={`Switching to ${target.name}`} data-testid="plan-change-preview" className="rounded-xl border border-stone-200 bg-stone-50 p-4 text-sm">
          <h3 className="font-semibold">
            Switch to {target.name} <span className="font-normal text-stone-500">{target.priceLabel}</span>
          </h3>
          {preview ? (
            <>
              <p className="mt-2" data-testid="plan-change-timing">
                {preview.timing === 'now'
                  ? preview.amountDue.amount > 0
                    ? `Takes effect now. You are charged ${formatMoney(preview.amountDue)} today for the rest of this period, less what is left of your current plan.`
                    : 'Takes effect now. Nothing is charged today.'
                  : `Takes effect at the end of your current period, on ${longDate(preview.effectiveAt)}. Nothing is charged today; you keep your current plan until then.`}
              </p>
              {preview.lines.length > 0 ? (
                <table className="mt-3 w-full text-left">
                  <tbody className="divide-y divide-stone-200">
                    {preview.lines.map((line, index) => (
                      <tr key={index}>
                        <td className="py-1.5 pr-4">{line.description}</td>
                        <td className="py-1.5 text-right tabular-nums">{formatMoney(line.amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th className="pt-2 pr-4 font-semibold">{preview.timing === 'now' ? 'Due today' : 'Due on ' + longDate(preview.effectiveAt)}</th>
                      <td className="pt-2 text-right font-semibold tabular-nums" data-testid="plan-change-amount">
                        {formatMoney(preview.amountDue)}
                      </td>
                    </tr>
                  </tfoot>
                </table>
              ) : null}
              <div className="mt-4 flex flex-wrap gap-2">
                <Button type="button" onClick={confirm} disabled={pending}>
                  {pending
                    ? 'Changing…'
                    : preview.timing === 'period_end'
                      ? `Switch on ${longDate(preview.effectiveAt)}`
                      : preview.amountDue.amount > 0
                        ? `Switch now and pay ${formatMoney(preview.amountDue)}`
                        : 'Switch now'}
                </Button>
                <Button
                  type="button"
                  variant="ghost"
                  disabled={pending}
                  onClick={() => {
                    setTarget(null);
                    setPreview(null);
                  }}
                >
                  Keep my current plan
                </Button>
              </div>
            </>
          ) : (
            <p className="mt-2 text-stone-500" role="status">
              Working out the price…
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
