'use client';

import { useEffect } from 'react';

/**
 * A payment page's provider script and CSP nonce come with a full page load. Reached by a
 * client-side navigation (say, sign-in or sign-up sending the customer back here), the page
 * loads itself properly.
 */
export function useOwnDocument() {
  useEffect(() => {
    const [entry] = performance.getEntriesByType('navigation');
    if (entry && new URL(entry.name).pathname !== window.location.pathname) window.location.reload();
  }, []);
}
