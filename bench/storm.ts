/**
 * Scale-out on one machine (issue 16): the webhook storm (scripts/lib/storm.ts: 1,000 events ×
 * 3 deliveries, shuffled, 50 in flight, Stripe and PayPal mixed) against two app instances
 * behind a round-robin, with 1, then 2, then 3 queue workers on one PostgreSQL. Prints, per
 * worker count, the drain time (first delivery to the queue empty and every effect applied),
 * events/s and the exactly-once check. Needs `npm run build` first.
 *
 *   npm run bench:storm [-- --workers 1,2,3]
 *
 * Like every bench it also measures the same-run baseline (bench/baseline.ts) at the storm's
 * concurrency, and prints each run's deliveries/s as a share of the baseline's answers/s. Its
 * target is the issue's: exactly once, and the drain time falls as workers are added.
 *
 * Exits 1 if any run is not exactly once, or if the last worker count does not drain faster
 * than the first.
 */
import { measureBaseline, sayBaseline, type BaselineLoad } from './baseline';
import { exactlyOnceViolations, planStorm, secondsToDrain, startStorm, startStormStack } from '../scripts/lib/storm';
import { runCli, say } from '../scripts/lib/stack';

/** The storm's own load: 50 deliveries in flight. */
const BASELINE_LOAD: BaselineLoad = { concurrency: 50, requests: 3000 };

const PORTS = { postgres: 55402, sandbox: 4402, apps: [3411, 3412], proxy: 3410 };

function workerCounts(): number[] {
  const index = process.argv.indexOf('--workers');
  const counts = index === -1 ? [1, 2, 3] : String(process.argv[index + 1]).split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1) || counts.some((n, i) => i > 0 && n <= counts[i - 1]!)) throw new Error('--workers is a rising list of worker counts, e.g. 1,2,3');
  return counts;
}

runCli(async () => {
  const counts = workerCounts();
  const stack = await startStormStack({ ports: PORTS, workers: counts[0]! });
  const rows: string[] = [];
  const runs: { workers: number; drainSeconds: number; deliveriesPerSecond: number }[] = [];
  let failed = false;
  let baseline: Awaited<ReturnType<typeof measureBaseline>> | undefined;
  try {
    for (const workers of counts) {
      while (stack.workers.length < workers) await stack.startWorker();
      const plan = await planStorm(stack, `bench${workers}`);
      const report = await startStorm(stack, plan).done;
      const drainSeconds = await secondsToDrain(stack, plan, report.startedAt);
      const problems = await exactlyOnceViolations(stack, plan);
      if (problems.length > 0) failed = true;
      runs.push({ workers, drainSeconds, deliveriesPerSecond: report.deliveries / report.seconds });
      const refused = Object.entries(report.refused).map(([reason, n]) => `${reason}: ${n}`).join(', ') || 'none';
      rows.push(
        `| ${workers} | ${report.seconds.toFixed(1)} | ${drainSeconds.toFixed(1)} | ${(plan.events.length / drainSeconds).toFixed(0)} | ${(report.deliveries / report.seconds).toFixed(0)} | ${refused} | ${problems.length === 0 ? 'yes' : `NO: ${problems.slice(0, 3).join('; ')}`} |`,
      );
      say(rows.at(-1)!);
    }
    baseline = await measureBaseline({ databaseUrl: stack.databaseUrl, mode: BASELINE_LOAD });
  } finally {
    await stack.stop();
  }
  say(`\nwebhook storm: ${2} app instances behind a round-robin, 1,000 events × 3 deliveries, 50 in flight`);
  say('| workers | deliveries done (s) | drained (s) | events applied/s | deliveries/s | refused | exactly once |');
  say('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) say(row);
  say('');
  sayBaseline(BASELINE_LOAD, baseline);
  for (const run of runs) {
    say(`  ${run.workers} worker${run.workers === 1 ? '' : 's'}: ${run.deliveriesPerSecond.toFixed(0)} deliveries/s = ${(run.deliveriesPerSecond / baseline.perSecond).toFixed(3)} × the baseline's ${baseline.perSecond.toFixed(0)} answers/s`);
  }
  const [first, last] = [runs[0]!, runs.at(-1)!];
  if (runs.length > 1) {
    const falls = last.drainSeconds < first.drainSeconds;
    say(`  drain time ${first.drainSeconds.toFixed(1)} s with ${first.workers} → ${last.drainSeconds.toFixed(1)} s with ${last.workers} (target: falls as workers are added)${falls ? '' : '  MISSED'}`);
    if (!falls) failed = true;
  }
  if (failed) process.exitCode = 1;
});
