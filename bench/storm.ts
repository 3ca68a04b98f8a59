/**
 * Scale-out on one machine (issue 16): the webhook storm (scripts/lib/storm.ts: 1,000 events ×
 * 3 deliveries, shuffled, 50 in flight, Stripe and PayPal mixed) against two app instances
 * behind a round-robin, with 1, then 2, then 3 queue workers on one PostgreSQL. Prints, per
 * worker count, the drain time (first delivery to the queue empty and every effect applied),
 * events/s and the exactly-once check. Needs `npm run build` first.
 *
 *   npm run bench:storm [-- --workers 1,2,3]
 *
 * Exits 1 if any run is not exactly once.
 */
import { exactlyOnceViolations, planStorm, secondsToDrain, startStorm, startStormStack } from '../scripts/lib/storm';
import { runCli, say } from '../scripts/lib/stack';

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
  let failed = false;
  try {
    for (const workers of counts) {
      while (stack.workers.length < workers) await stack.startWorker();
      const plan = await planStorm(stack, `bench${workers}`);
      const report = await startStorm(stack, plan).done;
      const drainSeconds = await secondsToDrain(stack, plan, report.startedAt);
      const problems = await exactlyOnceViolations(stack, plan);
      if (problems.length > 0) failed = true;
      const refused = Object.entries(report.refused).map(([reason, n]) => `${reason}: ${n}`).join(', ') || 'none';
      rows.push(
        `| ${workers} | ${report.seconds.toFixed(1)} | ${drainSeconds.toFixed(1)} | ${(plan.events.length / drainSeconds).toFixed(0)} | ${(report.deliveries / report.seconds).toFixed(0)} | ${refused} | ${problems.length === 0 ? 'yes' : `NO: ${problems.slice(0, 3).join('; ')}`} |`,
      );
      say(rows.at(-1)!);
    }
  } finally {
    await stack.stop();
  }
  say(`\nwebhook storm: ${2} app instances behind a round-robin, 1,000 events × 3 deliveries, 50 in flight`);
  say('| workers | deliveries done (s) | drained (s) | events applied/s | deliveries/s | refused | exactly once |');
  say('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) say(row);
  if (failed) process.exitCode = 1;
});
