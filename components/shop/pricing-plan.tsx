import type { CatalogPrice, CatalogProduct } from '@/lib/billing/catalog';
import { formatMoney } from '@/lib/money';
import { cadence, intervalAdverb } from './plan-price';

/**
 * One plan at one price on the pricing page. Choose is a plain link, loaded as a full page: the
 * subscribe page brings its own Content-Security-Policy and payment script. A visitor without an
 * account creates one first and comes back to this plan.
 */
export function PricingPlan({ plan, price, signedIn }: { plan: CatalogProduct; price: CatalogPrice; signedIn: boolean }) {
  const subscribe = `/subscribe/${encodeURIComponent(price.lookupKey)}`;
  const href = signedIn ? subscribe : `/sign-up?next=${encodeURIComponent(subscribe)}`;
  const headingId = `plan-${price.lookupKey}`;
  return (
    <article data-testid={`plan-${price.lookupKey}`} aria-labelledby={headingId} className="flex flex-col rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
      <div className="flex items-center justify-between gap-2">
        <h2 id={headingId} className="text-lg font-semibold">
          {plan.name} <span className="text-sm font-normal text-stone-500">· {price.price.currency}</span>
        </h2>
        {price.trialDays ? <span className="rounded-full bg-brand-50 px-2.5 py-0.5 text-xs font-medium text-brand-700">{price.trialDays}-day free trial</span> : null}
      </div>
      <p className="mt-2 flex-1 text-sm text-stone-600">{plan.description}</p>
      <p className="mt-4 flex items-baseline gap-1.5">
        <span className="text-2xl font-semibold tabular-nums" data-testid="plan-price">
          {formatMoney(price.price)}
        </span>
        <span className="text-sm text-stone-500">{cadence(price.interval, price.intervalCount)}</span>
      </p>
      <p className="mt-1 text-xs text-stone-500">
        {price.trialDays ? `Free for ${price.trialDays} days, then billed ${intervalAdverb(price.interval ?? 'month', price.intervalCount)}.` : `Billed ${intervalAdverb(price.interval ?? 'month', price.intervalCount)} from today.`}
      </p>
      <a
        href={href}
        aria-label={`Choose ${plan.name}, ${intervalAdverb(price.interval ?? 'month', price.intervalCount)} in ${price.price.currency}`}
        className="mt-5 inline-flex min-h-11 items-center justify-center rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700"
      >
        Choose {plan.name}
      </a>
    </article>
  );
}
