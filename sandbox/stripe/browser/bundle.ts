import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * The scripts the sandbox serves to browsers, written in TypeScript in ./src and bundled here
 * with esbuild: once per process, when the first sandbox starts, and kept in memory. Bundling
 * resolves `@/…` imports through tsconfig.json's paths, so the card frame checks numbers with
 * lib/luhn.ts itself.
 */

export interface BrowserScript {
  body: Buffer;
  etag: string;
}

/** Each script's URL and its entry point in ./src. */
const ENTRY_POINTS: Record<string, string> = {
  '/js/stripe.js': 'stripe.ts',
  '/js/demo.js': 'demo.ts',
  '/elements/frame.js': 'element-frame.ts',
  '/elements/address-frame.js': 'address-frame.ts',
};

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function bundle(entry: string): Promise<BrowserScript> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./src/${entry}`, import.meta.url))],
    // The paths in the bundle's comments are relative to the project, wherever it was started from.
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'iife',
    // Stripe.js runs in the shop's customers' browsers, as old as Stripe supports.
    target: 'es2020',
    logLevel: 'silent',
  });
  for (const warning of result.warnings) process.stderr.write(`sandbox: bundling ${entry}: ${warning.text}\n`);
  const output = result.outputFiles[0];
  if (!output) throw new Error(`sandbox: bundling ${entry} produced nothing`);
  const body = Buffer.from(output.contents);
  return { body, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
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
