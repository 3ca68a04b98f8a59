'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { clearCart } from '@/components/shop/cart-store';
import type { OrderProgress } from '@/lib/billing/checkout';

const COPY: Record<OrderProgress, { label: string; title: string; body: string; tone: string }> = {
  confirming: {
    label: 'Processing',
    title: 'Thank you! We are confirming your payment.',
    body: 'Your payment is with our provider. This page updates by itself as soon as it is confirmed; you can also close it.',
    tone: 'bg-amber-50 text-amber-800',
  },
  paid: { label: 'Paid', title: 'Thank you! Your payment is confirmed.', body: 'Your order is paid. Keep the order number for your records.', tone: 'bg-brand-50 text-brand-700' },
  unpaid: { label: 'Not paid', title: 'This order has not been paid yet.', body: 'You have not been charged. You can return to checkout and pay.', tone: 'bg-stone-100 text-stone-700' },
  canceled: { label: 'Canceled', title: 'This order was canceled.', body: 'You have not been charged for it.', tone: 'bg-stone-100 text-stone-700' },
  refunded: { label: 'Refunded', title: 'This order was refunded.', body: 'The refund goes back to the card you paid with.', tone: 'bg-stone-100 text-stone-700' },
  partially_refunded: { label: 'Partially refunded', title: 'Part of this order was refunded.', body: 'The refund goes back to the card you paid with.', tone: 'bg-stone-100 text-stone-700' },
};

const FAST_POLL_MS = 1_000;
const SLOW_POLL_MS = 5_000;
const FAST_FOR_MS = 2 * 60_000;

/** The order's payment state, pushed (or polled) while the provider's webhook is still on its way. */
export function PaymentProgress({ token, initial, returnedFromProvider }: { token: string; initial: OrderProgress; returnedFromProvider: boolean }) {
  const [progress, setProgress] = useState<OrderProgress>(initial);

  useEffect(() => {
    // Back from a provider redirect that succeeded: the cart has become this order.
    if (returnedFromProvider) clearCart();
  }, [returnedFromProvider]);

  useEffect(() => {
    if (progress !== 'confirming') return;
    const query = `order=${encodeURIComponent(token)}`;
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let source: EventSource | undefined;
    const settle = (next: OrderProgress) => {
      if (stopped || next === 'confirming') return false;
      source?.close();
      setProgress(next);
      return true;
    };
    const poll = async () => {
      try {
        const response = await fetch(`/api/checkout/order-status?${query}`, { cache: 'no-store' });
        if (response.ok && settle(((await response.json()) as { progress: OrderProgress }).progress)) return;
      } catch {
        // Offline for a moment: try again on the next tick.
      }
      if (!stopped) timer = setTimeout(poll, Date.now() - started < FAST_FOR_MS ? FAST_POLL_MS : SLOW_POLL_MS);
    };
    const startPolling = () => {
      if (!stopped && timer === undefined) timer = setTimeout(poll, FAST_POLL_MS);
    };
    // Pushed: the server sends the order's progress as soon as the webhook's change commits.
    // Polling is the fallback, for a browser without EventSource or a stream that fails or ends.
    if (typeof EventSource === 'function') {
      source = new EventSource(`/api/checkout/order-events?${query}`);
      source.addEventListener('progress', (event) => settle((JSON.parse((event as MessageEvent<string>).data) as { progress: OrderProgress }).progress));
      source.addEventListener('error', () => {
        source?.close();
        startPolling();
      });
    } else {
      startPolling();
    }
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(timer);
    };
  }, [progress, token]);

  const copy = COPY[progress];
  return (
    <section aria-labelledby="progress-heading" className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
      <p role="status" data-testid="order-status" className={`inline-flex items-center gap-2 rounded-full px-3 py-1 text-sm font-medium ${copy.tone}`}>
        {progress === 'confirming' ? <span aria-hidden className="size-2 animate-pulse rounded-full bg-amber-500" /> : null}
        {copy.label}
      </p>
      <h2 id="progress-heading" className="mt-4 text-lg font-semibold">
        {copy.title}
      </h2>
      <p className="mt-2 text-stone-600">{copy.body}</p>
      {progress === 'unpaid' ? (
        // A full load: the checkout page brings its own CSP and payment script.
        <a href="/checkout" className="mt-5 inline-block rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
          Return to checkout
        </a>
      ) : (
        <Link href="/" className="mt-5 inline-block font-medium text-brand-600 hover:underline">
          Continue shopping
        </Link>
      )}
    </section>
  );
}
