import { createHash, timingSafeEqual } from 'node:crypto';

export type ScrapeVerdict = 'allowed' | 'metrics_off' | 'unauthorized';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether a scrape may read the metrics: only with `Authorization: Bearer <METRICS_TOKEN>`.
 * Without a configured token metrics are off (the route answers 404, the worker does not
 * listen): an unprotected endpoint is never the default. Compared as SHA-256 digests in constant
 * time, so neither the token's length nor its first differing byte shows in the timing.
 */
export function judgeScrape(authorization: string | null | undefined, token: string | undefined): ScrapeVerdict {
  if (!token) return 'metrics_off';
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return 'unauthorized';
  return timingSafeEqual(digest(match[1]!), digest(token)) ? 'allowed' : 'unauthorized';
}
