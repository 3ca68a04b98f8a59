import { sqlClient } from '@/db/client';
import { env } from '@/lib/env';
import { log } from '@/lib/log';
import { exposition } from '@/lib/ops/metrics';
import { judgeScrape } from '@/lib/ops/scrape-auth';

export const dynamic = 'force-dynamic';

const NEVER_CACHED = { 'Cache-Control': 'no-store' };

/**
 * Prometheus metrics of the web process and the database's gauges (lib/ops/metrics.ts), for a
 * scraper holding METRICS_TOKEN. Without METRICS_TOKEN configured the route does not exist (404).
 */
export async function GET(request: Request): Promise<Response> {
  const verdict = judgeScrape(request.headers.get('authorization'), env().metrics.token);
  if (verdict === 'metrics_off') return Response.json({ error: 'not found' }, { status: 404, headers: NEVER_CACHED });
  if (verdict === 'unauthorized') {
    // `headerSent`, not a key naming the header: the logger masks those wholesale.
    log.warn({ headerSent: request.headers.has('authorization') }, 'metrics scrape refused: missing or wrong bearer token');
    return Response.json({ error: 'unauthorized' }, { status: 401, headers: { ...NEVER_CACHED, 'WWW-Authenticate': 'Bearer realm="metrics"' } });
  }
  const { contentType, body } = await exposition(sqlClient());
  return new Response(body, { headers: { ...NEVER_CACHED, 'Content-Type': contentType } });
}
