'use client';

import { useEffect, useState } from 'react';
import { quoteCart } from '@/app/(shop)/cart/actions';
import type { QuoteView } from '@/components/checkout/order-view';
import type { CartItem } from '@/lib/billing/cart';

export type QuoteState =
  | { status: 'loading'; last: QuoteView | null }
  | { status: 'priced'; quote: QuoteView }
  | { status: 'refused'; error: string; fieldErrors: Record<string, string> };

type Answer = { items: readonly CartItem[] } & ({ ok: true; quote: QuoteView } | { ok: false; error: string; fieldErrors?: Record<string, string> });

/**
 * The server's price for the cart, asked again whenever the cart changes. `items` keeps its
 * identity until the stored cart changes (see cart-store.ts), so it can key the request.
 */
export function useCartQuote(items: readonly CartItem[], enabled: boolean): QuoteState {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [lastQuote, setLastQuote] = useState<QuoteView | null>(null);

  useEffect(() => {
    if (!enabled || items.length === 0) return;
    let current = true;
    quoteCart({ items: [...items] }).then(
      (result) => {
        if (!current) return;
        if (result.ok) setLastQuote(result.data);
        setAnswer(result.ok ? { items, ok: true, quote: result.data } : { items, ok: false, error: result.error, fieldErrors: result.fieldErrors });
      },
      () => {
        if (current) setAnswer({ items, ok: false, error: 'We could not price your cart. Check your connection and try again.' });
      },
    );
    return () => {
      current = false;
    };
  }, [items, enabled]);

  if (!answer || answer.items !== items) return { status: 'loading', last: lastQuote };
  return answer.ok ? { status: 'priced', quote: answer.quote } : { status: 'refused', error: answer.error, fieldErrors: answer.fieldErrors ?? {} };
}
