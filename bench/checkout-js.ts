/**
 * The checkout page's first-party JavaScript, gzipped (issue target: under 200 KB). Reads the
 * production build (`npm run build` first): the scripts every page loads (Next's runtime, React)
 * plus the chunks of the checkout route and the layouts above it, each gzipped as `next start`
 * serves it. Stripe.js is not counted: it comes from the provider (the sandbox here). Nor is
 * Next's polyfill file, which only browsers without ES modules load (`<script nomodule>`).
 *
 * Unlike the timed benches it has no same-run baseline (bench/baseline.ts): a byte count is the
 * same on every machine, so its figure is stated as a ratio to the budget itself.
 *
 *   npm run bench:checkout-js
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { ROOT, runCli, say } from '../scripts/lib/stack';

const ROUTE = '/(shop)/checkout/page';
const TARGET_KB = 200;

interface BuildManifest {
  rootMainFiles: string[];
}

interface ClientReferenceManifest {
  entryJSFiles: Record<string, string[]>;
}

/** The route's client reference manifest: a script that assigns `globalThis.__RSC_MANIFEST[route]`. */
function routeManifest(build: string): ClientReferenceManifest {
  const file = path.join(build, 'server/app', `${ROUTE}_client-reference-manifest.js`);
  // In a new context, the script's `globalThis` is the context object itself.
  const context: { __RSC_MANIFEST?: Record<string, ClientReferenceManifest> } = {};
  vm.runInNewContext(fs.readFileSync(file, 'utf8'), context);
  const manifest = context.__RSC_MANIFEST?.[ROUTE];
  if (!manifest) throw new Error(`${file} does not describe ${ROUTE}`);
  return manifest;
}

runCli(async () => {
  const build = path.join(ROOT, '.next');
  if (!fs.existsSync(path.join(build, 'BUILD_ID'))) throw new Error('Run `npm run build` first: this measures the production build.');
  const buildManifest = JSON.parse(fs.readFileSync(path.join(build, 'build-manifest.json'), 'utf8')) as BuildManifest;
  const files = new Set(buildManifest.rootMainFiles);
  for (const chunks of Object.values(routeManifest(build).entryJSFiles)) for (const chunk of chunks) files.add(chunk);
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const bytes = fs.readFileSync(path.join(build, file));
    raw += bytes.length;
    gzipped += zlib.gzipSync(bytes).length;
  }
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  say(`checkout page first-party JS: ${files.size} scripts, ${kb(raw)} KB, ${kb(gzipped)} KB gzipped (target < ${TARGET_KB} KB gzipped)`);
  say(`  baseline: none, bytes do not depend on the machine / this bench: ${kb(gzipped)} KB / ratio to the budget: ${(gzipped / (TARGET_KB * 1024)).toFixed(2)} (target ratio < 1)`);
  if (gzipped >= TARGET_KB * 1024) process.exitCode = 1;
});
