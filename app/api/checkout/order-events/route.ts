import { db } from '@/db/client';
import { getCurrentUser } from '@/lib/auth/guards';
import { progressFromStatus, type OrderProgress } from '@/lib/billing/checkout';
import { orderIdFromToken } from '@/lib/billing/checkout-context';
import { orderChangeFeed } from '@/lib/billing/order-changes';
import { findOrderForViewer } from '@/lib/billing/orders';

// A comment line every 15 s keeps proxies and the browser from closing a quiet stream.
const HEARTBEAT_MS = 15_000;
// A stream ends after this; the page then polls slowly, as it did before streams existed.
const LIFETIME_MS = 10 * 60_000;
// How long a request waits for the process's LISTEN connection before answering 503 (the page polls).
const LISTEN_WAIT_MS = 2_000;

const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: Next's compression would hold events back to fill its buffer.
  'Cache-Control': 'no-store, no-transform',
  'X-Accel-Buffering': 'no',
};

/** How the order stands for this viewer now; null when they may no longer see it. */
async function currentProgress(orderId: string, viewerId: string | null): Promise<OrderProgress | null> {
  const order = await findOrderForViewer(db, orderId, viewerId);
  return order ? (progressFromStatus(order.status) ?? 'confirming') : null;
}

/**
 * GET ?order=<signed token>: server-sent events with the order's progress, for the confirmation
 * page instead of polling order-status: one `progress` event at once, then one each time the
 * order changes (the worker announces it: lib/billing/order-changes.ts), until it is settled.
 * The same ownership rule as the page and order-status, checked at the start and again at every
 * change; others get a 404. When the process cannot LISTEN, 503: the page polls instead.
 */
export async function GET(request: Request): Promise<Response> {
  const orderId = orderIdFromToken(new URL(request.url).searchParams.get('order'));
  const viewerId = (await getCurrentUser())?.id ?? null;
  if (!orderId || !(await findOrderForViewer(db, orderId, viewerId))) {
    return Response.json({ error: { code: 'not_found', message: 'No such order.' } }, { status: 404, headers: { 'Cache-Control': 'no-store' } });
  }
  const feed = orderChangeFeed();
  if (!(await feed.listening(LISTEN_WAIT_MS))) {
    return Response.json({ error: { code: 'unavailable', message: 'Updates are not available; poll order-status.' } }, { status: 503, headers: { 'Cache-Control': 'no-store' } });
  }

  const encoder = new TextEncoder();
  let finish: () => void = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let done = false;
      let sent: OrderProgress | null = null;
      let reading = Promise.resolve();
      const write = (text: string) => {
        if (!done) controller.enqueue(encoder.encode(text));
      };
      finish = () => {
        if (done) return;
        done = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(lifetime);
        request.signal.removeEventListener('abort', finish);
        try {
          controller.close();
        } catch {
          // Already canceled by the client going away: nothing is left to close.
        }
      };
      // Re-read on every announcement, one read at a time; only a change is sent, and a settled
      // order (or one the viewer may no longer see) ends the stream.
      const sendCurrent = () => {
        reading = reading.then(async () => {
          if (done) return;
          const progress = await currentProgress(orderId, viewerId).catch(() => sent);
          if (progress === null) return finish();
          if (progress !== sent) write(`event: progress\ndata: ${JSON.stringify({ progress })}\n\n`);
          sent = progress;
          if (progress !== 'confirming') finish();
        });
      };
      // Subscribed before the first read, so a change committed in between is not missed.
      const unsubscribe = feed.subscribe(orderId, sendCurrent);
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS);
      const lifetime = setTimeout(finish, LIFETIME_MS);
      request.signal.addEventListener('abort', finish);
      sendCurrent();
    },
    cancel() {
      finish();
    },
  });
  return new Response(stream, { headers: HEADERS });
}
