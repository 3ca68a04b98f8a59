import { db } from '@/db/client';
import { consoleRoute } from '@/lib/auth/routes';
import { exportTransactions } from '@/lib/billing/admin/transaction-export';
import { parseTransactionSearch } from '@/lib/billing/admin/transactions';
import { log } from '@/lib/log';

export const dynamic = 'force-dynamic';

/**
 * The transactions page's "Download CSV": the same URL filters, the whole filtered list as a
 * file. Streamed: each pull reads the next chunk from the database only when the client has
 * taken the last one, so memory stays flat however many rows there are and a slow download
 * holds no more than a chunk.
 */
export const GET = consoleRoute('console.read', async (request, staff) => {
  // Bad filters are a UserFacingError: consoleRoute answers 400 with its message.
  const query = parseTransactionSearch(new URL(request.url).searchParams);
  const { filename, chunks } = await exportTransactions(db, staff, query);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        // The status line is already sent: the download ends short, and this log is the trace.
        log.error({ err: error, staffId: staff.id }, 'transactions export failed mid-stream');
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
});
