/**
 * The baseline (bench/baseline.ts) on the machine the benches' absolute targets were set for: a
 * 2-core machine of the kind the issue describes. Each bench states its target as a ratio to the
 * baseline, derived here once: the absolute target ÷ the reference baseline's figure for the same
 * load. A faster or slower machine moves the bench and its same-run baseline together, so the
 * ratio is what carries from one machine to another.
 *
 * Measured 4 December 2026 at 22:48 UTC on the 2-core machine of issue 16, at a quiet moment
 * (load average under 2, nothing else running): `npm run bench:baseline -- --concurrency N
 * --requests 3000` and `-- --rate 200 --seconds 20`. Re-measure on the machine a target is set
 * for, and replace them.
 */
import type { BaselineLoad } from './baseline';

interface ReferenceFigures {
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  /** Answers per second. */
  perSecond: number;
}

const OPEN_LOOP: Record<number, ReferenceFigures> = {
  200: { p50: 1.7, p95: 3.0, p99: 6.2, perSecond: 200 },
};

const CLOSED_LOOP: Record<number, ReferenceFigures> = {
  1: { p50: 0.8, p95: 2.6, p99: 5.5, perSecond: 885 },
  2: { p50: 1.1, p95: 3.6, p99: 5.9, perSecond: 1346 },
  4: { p50: 1.8, p95: 5.8, p99: 8.3, perSecond: 1678 },
  8: { p50: 4.5, p95: 11.6, p99: 16.6, perSecond: 1461 },
};

/** The reference baseline for `load`'s rate or concurrency (its length does not matter). */
export function referenceBaseline(load: BaselineLoad): ReferenceFigures {
  const figures = 'rate' in load ? OPEN_LOOP[load.rate] : CLOSED_LOOP[load.concurrency];
  if (!figures) throw new Error(`no reference baseline for ${'rate' in load ? `${load.rate}/s` : `${load.concurrency} clients`}: measure one (npm run bench:baseline) and add it to bench/reference.ts`);
  return figures;
}

/** An absolute latency target (ms, at most) as a ratio to the reference baseline's same percentile. */
export function latencyRatioTarget(targetMs: number, load: BaselineLoad, percentile: 'p50' | 'p95' | 'p99'): { atMost: number } {
  return { atMost: Number((targetMs / referenceBaseline(load)[percentile]).toFixed(1)) };
}

/** An absolute throughput target (per second, at least) as a ratio to the reference baseline's answers per second. */
export function throughputRatioTarget(perSecond: number, load: BaselineLoad): { atLeast: number } {
  return { atLeast: Number((perSecond / referenceBaseline(load).perSecond).toFixed(2)) };
}
