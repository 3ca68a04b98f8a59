/**
 * `npm run lockfile`: records in package-lock.json the platform-specific optional packages
 * (other operating systems' builds of next's SWC, tailwind's oxide, …) that `npm install`
 * leaves out when the registry in use does not serve them. Without those entries `npm ci`
 * refuses the lock file as out of sync. Each is written with its os/cpu, so npm skips it
 * everywhere but on its own platform. `--check` only reports (used by `npm test`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, runCli, say } from './lib/stack';
import { StartupError } from './lib/ports';

interface LockEntry {
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  optionalDependencies?: Record<string, string>;
}

const OS = ['darwin', 'win32', 'freebsd', 'android', 'openharmony', 'linux', 'sunos', 'aix'];
const CPU: [RegExp, string][] = [
  [/arm64/, 'arm64'],
  [/x64/, 'x64'],
  [/ia32/, 'ia32'],
  [/-arm(-|$)/, 'arm'],
  [/loong64/, 'loong64'],
  [/ppc64/, 'ppc64'],
  [/riscv64/, 'riscv64'],
  [/s390x/, 's390x'],
  [/wasm32/, 'wasm32'],
];

export function missingPlatformPackages(packages: Record<string, LockEntry>): Map<string, LockEntry> {
  const missing = new Map<string, LockEntry>();
  for (const [location, entry] of Object.entries(packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      const nested = `${location ? `${location}/` : ''}node_modules/${name}`;
      if (packages[`node_modules/${name}`] || packages[nested] || missing.has(`node_modules/${name}`)) continue;
      const os = OS.find((candidate) => name.includes(candidate));
      const cpu = CPU.find(([pattern]) => pattern.test(name))?.[1];
      missing.set(`node_modules/${name}`, {
        version: spec.replace(/^[\^~=]/, ''),
        optional: true,
        ...(cpu ? { cpu: [cpu] } : {}),
        ...(os ? { os: [os] } : {}),
      });
    }
  }
  return missing;
}

runCli(async () => {
  const file = path.join(ROOT, 'package-lock.json');
  const lock = JSON.parse(fs.readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
  const missing = missingPlatformPackages(lock.packages);
  if (process.argv.includes('--check')) {
    if (missing.size > 0) {
      throw new StartupError(`package-lock.json lacks ${missing.size} platform packages, so \`npm ci\` would fail: run \`npm run lockfile\` and commit it.`);
    }
    say('package-lock.json is complete');
    return;
  }
  for (const [key, entry] of missing) lock.packages[key] = entry;
  const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  fs.writeFileSync(file, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
  say(`package-lock.json: recorded ${missing.size} platform packages`);
});
