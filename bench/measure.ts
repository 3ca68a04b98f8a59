import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** `--name value` from the command line, as a number. */
export function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

/** The p-th percentile (0–100) of ascending `sorted` values. */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.floor((sorted.length * p) / 100);
  return sorted[Math.min(sorted.length - 1, rank)] ?? 0;
}

export interface ProcessCpu {
  pid: number;
  parent: number;
  command: string;
  /** User + system CPU time used so far, in ms. */
  cpuMs: number;
}

/** Every process's CPU time so far, from /proc (Linux). */
export function processCpu(): ProcessCpu[] {
  const processes: ProcessCpu[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const command = `${title} ${fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
      // After "pid (comm) ": state is field 0, ppid 1, utime 11, stime 12, in clock ticks of 10 ms.
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      processes.push({ pid: Number(entry), parent: Number(fields[1]), command, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 });
    } catch {
      // The process ended while it was being read.
    }
  }
  return processes;
}

/** The processes started (directly or not) by `root`, itself included. */
export function descendantsOf(root: number, processes: ProcessCpu[]): ProcessCpu[] {
  const family = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const candidate of processes) {
      if (!family.has(candidate.pid) && family.has(candidate.parent)) {
        family.add(candidate.pid);
        grew = true;
      }
    }
  }
  return processes.filter((candidate) => family.has(candidate.pid));
}

/** CPU ms per label: each process counts under the first label whose pattern its command matches. */
export function cpuByLabel(processes: ProcessCpu[], patterns: Record<string, RegExp>): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(patterns).map((label) => [label, 0]));
  for (const candidate of processes) {
    const label = Object.keys(patterns).find((name) => patterns[name]!.test(candidate.command));
    if (label) totals[label]! += candidate.cpuMs;
  }
  return totals;
}

/**
 * Stops `child` (SIGTERM) and waits until it has exited. A child that already exited (a stack
 * that gave up starting) is not waited for: nothing would ever wake the wait, and Node would end
 * the bench silently with exit code 0, as if it had passed.
 */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Waits until the stack at `app` answers its health check. Three minutes: a busy 2-core machine
 * takes more than one to start it.
 */
export async function waitForHealth(app: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(`${app}/api/health`).then((response) => response.ok).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`the stack did not start within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
