'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

const EVERY_MS = 1_000;
const GIVE_UP_AFTER_MS = 60_000;

/**
 * After a change made at the provider, the page shows it once the provider's webhook has been
 * applied to our database. This re-renders the server component every second until `reached`
 * (computed by the caller from the fresh props) is true, or a minute has passed.
 */
export function useRefreshUntil(reached: boolean): { waiting: boolean; start: () => void } {
  const router = useRouter();
  const [since, setSince] = useState<number | null>(null);

  useEffect(() => {
    if (since === null || reached) return;
    const timer = setInterval(() => {
      if (Date.now() - since > GIVE_UP_AFTER_MS) setSince(null);
      else router.refresh();
    }, EVERY_MS);
    return () => clearInterval(timer);
  }, [since, reached, router]);

  return { waiting: since !== null && !reached, start: () => setSince(Date.now()) };
}
