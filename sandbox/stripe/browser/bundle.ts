import { fileURLToPath } from 'node:url';
import { bundleBrowserScript, type BrowserScript } from '../../browser-script';

/**
 * The scripts the sandbox serves to browsers, written in TypeScript in ./src and bundled
 * (../../browser-script.ts) once per process, when the first sandbox starts, and kept in memory.
 */

export type { BrowserScript };

/** Each script's URL and its entry point in ./src. */
const ENTRY_POINTS: Record<string, string> = {
  '/js/stripe.js': 'stripe.ts',
  '/js/demo.js': 'demo.ts',
  '/elements/frame.js': 'element-frame.ts',
  '/elements/address-frame.js': 'address-frame.ts',
};

function bundle(entry: string): Promise<BrowserScript> {
  return bundleBrowserScript(fileURLToPath(new URL(`./src/${entry}`, import.meta.url)));
}

let bundled: Promise<Map<string, BrowserScript>> | undefined;

/** The scripts by URL; bundled by the first call, which a failure leaves to the next. */
export function browserScripts(): Promise<Map<string, BrowserScript>> {
  bundled ??= Promise.all(Object.entries(ENTRY_POINTS).map(async ([url, entry]) => [url, await bundle(entry)] as const))
    .then((scripts) => new Map(scripts))
    .catch((error: unknown) => {
      bundled = undefined;
      throw error;
    });
  return bundled;
}
