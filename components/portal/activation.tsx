'use client';

import { useEffect, useState } from 'react';
import type { SubscriptionStatus } from '@/lib/payments/types';

const FAST_POLL_MS = 1_000;
const SLOW_POLL_MS = 5_000;
const FAST_FOR_MS = 2 * 60_000;

interface ActivationProps {
  /** The statuses that mean "done": the customer is then taken to `destination`. */
  until: readonly SubscriptionStatus[];
  destination: string;
  title: string;
  /** What the provider has now (the card, the buyer's approval). */
  detail: string;
}

/**
 * The provider has the payment or the card; the subscription becomes active when its webhooks
 * have been applied. Until then the page says so, asking our server (never the provider's
 * answer in the browser) how the subscription stands.
 */
export function Activation({ until, destination, title, detail }: ActivationProps) {
  const [slow, setSlow] = useState(false);
  const [ended, setEnded] = useState(false);

  useEffect(() => {
    const started = Date.now();
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const poll = async () => {
      try {
        const response = await fetch('/api/billing/subscription', { cache: 'no-store' });
        if (response.ok) {
          const { status } = (await response.json()) as { status: SubscriptionStatus | null };
          if (stopped) return;
          if (status && until.includes(status)) {
            // A full page load: the portal brings its own Content-Security-Policy and payment script.
            window.location.assign(new URL(destination, window.location.origin).toString());
            return;
          }
          if (status === 'incomplete_expired' || status === 'canceled') {
            setEnded(true);
            return;
          }
        }
      } catch {
        // Offline for a moment: try again on the next tick.
      }
      if (stopped) return;
      const fast = Date.now() - started < FAST_FOR_MS;
      setSlow(!fast);
      timer = setTimeout(poll, fast ? FAST_POLL_MS : SLOW_POLL_MS);
    };
    timer = setTimeout(poll, FAST_POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [until, destination]);

  if (ended) {
    return (
      <section className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
        <p role="status" data-testid="activation-status" className="font-medium">
          This subscription did not start.
        </p>
        <p className="mt-2 text-sm text-stone-600">
          Its first payment was not completed in time. You have not been charged for it.{' '}
          <a href="/pricing" className="font-medium text-brand-600 hover:underline">
            Choose a plan again
          </a>
          .
        </p>
      </section>
    );
  }
  return (
    <section className="rounded-2xl border border-stone-200 bg-white p-6 shadow-xs">
      <p role="status" data-testid="activation-status" className="inline-flex items-center gap-2 rounded-full bg-amber-50 px-3 py-1 text-sm font-medium text-amber-800">
        <span aria-hidden className="size-2 animate-pulse rounded-full bg-amber-500" />
        {title}
      </p>
      <p className="mt-3 text-stone-600">
        {detail} We are waiting for its confirmation; this page moves on by itself as soon as it arrives.
      </p>
      {slow ? (
        <p className="mt-2 text-sm text-stone-600">
          This is taking longer than usual. You can leave this page:{' '}
          <a href="/account/billing" className="font-medium text-brand-600 hover:underline">
            your billing page
          </a>{' '}
          shows the subscription as soon as it is confirmed.
        </p>
      ) : null}
    </section>
  );
}
