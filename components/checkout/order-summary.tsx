import type { ReactNode } from 'react';
import type { LineView } from './order-view';

/** Lines and total as the server priced them. Works in server and client components alike. */
export function OrderSummary({ lines, total, heading = 'Order summary', children }: { lines: LineView[]; total: string; heading?: string; children?: ReactNode }) {
  return (
    <section aria-label={heading} className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
      <h2 className="text-base font-semibold">{heading}</h2>
      {children}
      <ul className="mt-4 divide-y divide-stone-100" data-testid="order-lines">
        {lines.map((line) => (
          <li key={line.priceId} className="flex items-baseline justify-between gap-4 py-3 text-sm">
            <span>
              <span className="font-medium">{line.description}</span>
              <span className="block text-stone-500">
                {line.quantity} × {line.unitPrice}
              </span>
            </span>
            <span className="tabular-nums">{line.total}</span>
          </li>
        ))}
      </ul>
      <div className="mt-2 flex items-baseline justify-between border-t border-stone-200 pt-4">
        <span className="font-semibold">Total</span>
        <span className="text-lg font-semibold tabular-nums" data-testid="order-total">
          {total}
        </span>
      </div>
    </section>
  );
}
