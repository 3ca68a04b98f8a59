'use client';

import { useSyncExternalStore } from 'react';

const noSubscription = () => () => {};

/**
 * False in the server's HTML, true once React runs in the browser. The portal's buttons stay
 * disabled until then: a click before hydration would otherwise do nothing at all.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(noSubscription, () => true, () => false);
}
