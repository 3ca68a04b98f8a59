import type { CatalogProduct } from '@/lib/billing/catalog';
import { formatMoney } from '@/lib/money';
import { cadence } from './plan-price';

export function PlanCard({ plan }: { plan: CatalogProduct }) {
  const trial = plan.prices.find((price) => price.trialDays)?.trialDays;
  return (
    <article className="flex flex-col rounded-2xl border border-stone-200 bg-white p-6 shadow-xs" aria-labelledby={`plan-${plan.slug}`}>
      <div className="flex items-center justify-between gap-2">
        <h3 id={`plan-${plan.slug}`} className="text-lg font-semibold">
          {plan.name}
        </h3>
        {trial ? <span className="rounded-full bg-brand-50 px-2.5 py-0.5 text-xs font-medium text-brand-700">{trial}-day free trial</span> : null}
      </div>
      <p className="mt-2 flex-1 text-sm text-stone-600">{plan.description}</p>
      <ul className="mt-4 space-y-1">
        {plan.prices.map((price) => (
          <li key={price.id} className="flex items-baseline gap-1.5">
            <span className="text-xl font-semibold tabular-nums">{formatMoney(price.price)}</span>
            <span className="text-sm text-stone-500">{cadence(price.interval, price.intervalCount)}</span>
          </li>
        ))}
      </ul>
    </article>
  );
}
