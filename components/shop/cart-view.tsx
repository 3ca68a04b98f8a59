'use client';

import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { problemsElsewhere } from '@/lib/auth/refusals';
import { clampQuantity, useCart } from './cart-store';
import { useCartQuote } from './use-cart-quote';

export interface CatalogEntry {
  priceId: string;
  name: string;
  unitPrice: string;
}

const quantityId = (name: string) => `quantity-${name.replace(/\W+/g, '-').toLowerCase()}`;

function QuantityInput({ name, quantity, error, onChange }: { name: string; quantity: number; error?: string; onChange: (quantity: number) => void }) {
  const id = quantityId(name);
  return (
    <div className="flex items-center gap-1">
      <Button type="button" variant="secondary" className="size-11 px-0" onClick={() => onChange(quantity - 1)} disabled={quantity <= 1} aria-label={`One fewer ${name}`}>
        −
      </Button>
      <label htmlFor={id} className="sr-only">
        Quantity of {name}
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={1}
        max={99}
        value={quantity}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          if (event.target.value !== '') onChange(clampQuantity(Number(event.target.value)));
        }}
        className="h-11 w-14 rounded-lg border border-stone-300 bg-white text-center text-base tabular-nums focus:border-brand-500 focus:outline-none aria-invalid:border-red-400"
      />
      <Button type="button" variant="secondary" className="size-11 px-0" onClick={() => onChange(quantity + 1)} disabled={quantity >= 99} aria-label={`One more ${name}`}>
        +
      </Button>
    </div>
  );
}

export function CartView({ catalog }: { catalog: CatalogEntry[] }) {
  const { items, ready, setQuantity, remove } = useCart();
  const quote = useCartQuote(items, ready);
  const names = new Map(catalog.map((entry) => [entry.priceId, entry]));

  if (!ready) return <p className="text-stone-500">Loading your cart…</p>;
  if (items.length === 0) {
    return (
      <div className="rounded-2xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
        <p className="font-medium">Your cart is empty.</p>
        <Link href="/" className="mt-4 inline-block font-medium text-brand-600 hover:underline">
          Continue shopping
        </Link>
      </div>
    );
  }

  const priced = quote.status === 'priced' ? quote.quote : quote.status === 'loading' ? quote.last : null;
  const lineTotals = new Map(priced?.lines.map((line) => [line.priceId, line.total]));
  // A refusal about one line (its quantity, an item gone from the catalog) stands under that line.
  const lineError = (index: number) =>
    quote.status === 'refused' ? (quote.fieldErrors[`items.${index}.quantity`] ?? quote.fieldErrors[`items.${index}`]) : undefined;
  const elsewhere =
    quote.status === 'refused' ? problemsElsewhere(quote, items.flatMap((_, index) => [`items.${index}.quantity`, `items.${index}`])) : null;

  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
      <section aria-label="Items" className="rounded-2xl border border-stone-200 bg-white p-2 shadow-xs sm:p-4">
        <ul className="divide-y divide-stone-100">
          {items.map((item, index) => {
            const entry = names.get(item.priceId);
            const name = entry?.name ?? 'Unavailable item';
            const error = lineError(index);
            return (
              <li key={item.priceId} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-3 p-3" data-testid="cart-line">
                <div className="min-w-0">
                  <p className="font-medium">{name}</p>
                  <p className="text-sm text-stone-500">{entry ? `${entry.unitPrice} each` : 'No longer in the catalog'}</p>
                </div>
                <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
                  <QuantityInput name={name} quantity={item.quantity} error={error} onChange={(quantity) => setQuantity(item.priceId, quantity)} />
                  <span className="w-20 text-right tabular-nums sm:w-24">{lineTotals.get(item.priceId) ?? '—'}</span>
                  <Button type="button" variant="ghost" onClick={() => remove(item.priceId)}>
                    Remove<span className="sr-only"> {name}</span>
                  </Button>
                </div>
                {error ? (
                  <p id={`${quantityId(name)}-error`} className="w-full text-sm text-red-700">
                    {error}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      </section>

      <aside className="space-y-4">
        {elsewhere ? <Alert>{elsewhere}</Alert> : null}
        <div className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
          <div className="flex items-baseline justify-between">
            <span className="font-semibold">Total</span>
            <span className="text-lg font-semibold tabular-nums" data-testid="cart-total" aria-busy={quote.status === 'loading'}>
              {priced && quote.status !== 'refused' ? priced.total : '—'}
            </span>
          </div>
          {quote.status === 'priced' ? (
            // A full page load, not a client-side navigation: the checkout page brings its own
            // Content-Security-Policy and payment script, which only a new document gets.
            <a href="/checkout" className="mt-5 flex min-h-11 items-center justify-center rounded-lg bg-brand-600 px-4 py-2.5 text-center text-sm font-medium text-white hover:bg-brand-700">
              Check out
            </a>
          ) : (
            <Button type="button" className="mt-5 w-full" disabled>
              Check out
            </Button>
          )}
        </div>
        <p className="text-center text-sm text-stone-500">Check out as a guest or with your account.</p>
      </aside>
    </div>
  );
}
