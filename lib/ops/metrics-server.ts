import http from 'node:http';
import { log } from '@/lib/log';
import { processMetrics } from './metrics';
import { judgeScrape } from './scrape-auth';

/**
 * The worker's own metrics (apply latency, email failures, its process's CPU and memory) at
 * `GET /metrics` on `port`, for a scraper with the same bearer token as /api/metrics. The
 * database's gauges are served by /api/metrics only, so they are not scraped twice.
 */
export async function serveWorkerMetrics(port: number, token: string, host = '0.0.0.0'): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const verdict = request.method === 'GET' && request.url === '/metrics' ? judgeScrape(request.headers.authorization, token) : 'metrics_off';
    if (verdict !== 'allowed') {
      if (verdict === 'unauthorized') log.warn({ headerSent: Boolean(request.headers.authorization) }, 'worker metrics scrape refused: missing or wrong bearer token');
      const status = verdict === 'unauthorized' ? 401 : 404;
      response.writeHead(status, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }).end(status === 401 ? 'unauthorized\n' : 'not found\n');
      return;
    }
    const { registry } = processMetrics();
    registry.metrics().then(
      (body) => response.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).end(body),
      (error: unknown) => {
        log.error({ err: error }, 'worker metrics could not be collected');
        response.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  log.info({ port }, 'worker metrics served at /metrics');
  return server;
}
