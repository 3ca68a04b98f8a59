'use client';

/**
 * A provider's script as the sandbox serves it, which the page's <script async> tag
 * (provider-script.tsx) is loading: resolves once it has run and `defined()` holds (it set up
 * `window.Stripe`, `window.paypal`), so the provider's own loader finds the stand-in and never
 * asks the provider's host for its script offline.
 */
export function sandboxScript(url: string, nonce: string | undefined, defined: () => boolean): Promise<void> {
  if (defined()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let script = Array.from(document.scripts).find((candidate) => candidate.src === url);
    if (!script) {
      // Reached without a full page load (a client-side navigation): add the script ourselves.
      script = document.createElement('script');
      script.src = url;
      script.async = true;
      if (nonce) script.nonce = nonce;
      document.head.appendChild(script);
    }
    const timer = setTimeout(() => reject(new Error(`${url} did not load in time`)), 20_000);
    script.addEventListener(
      'load',
      () => {
        clearTimeout(timer);
        if (defined()) resolve();
        else reject(new Error(`${url} loaded but did not define what it stands in for`));
      },
      { once: true },
    );
    script.addEventListener(
      'error',
      () => {
        clearTimeout(timer);
        reject(new Error(`could not load ${url}`));
      },
      { once: true },
    );
  });
}
