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
