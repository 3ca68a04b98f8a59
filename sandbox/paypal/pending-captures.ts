import type http from 'node:http';
import { settleCapture } from './captures';
import { PaypalApiError } from './errors';
import { nowSeconds } from './ids';
import type { CaptureRecord } from './order-types';
import { captureView } from './order-views';
import type { PaypalBackgroundWork, PaypalPage, PaypalServices } from './parts';

/**
 * Pending captures (an eCheck) settle by themselves: each PENDING capture stores when
 * (`internal.settleAt`, kept in the store's `due_at` column), and this work settles the due ones
 * to COMPLETED or DENIED as the test buyer's funding says. Tests and the dashboard settle one at
 * once with `POST /paypal/_sandbox/captures/:id/complete` or `/deny`.
 */

const POLL_MS = 250;
const BATCH = 50;

async function settleDue(services: PaypalServices): Promise<void> {
  const due = await services.store.sql<{ id: string; to: 'COMPLETED' | 'DENIED' }[]>`
    select id, data->'internal'->>'settleTo' as to from sandbox.objects
    where due_at <= ${nowSeconds()} and type = 'paypal_capture' and data->>'test_clock' is null
    order by due_at limit ${BATCH}`;
  for (const { id, to } of due) {
    // A test or the dashboard may have settled it first: then there is nothing left to do.
    await services.transaction(services.base(), (ctx) => settleCapture(ctx, id, to)).catch((error: unknown) => {
      if (!(error instanceof PaypalApiError)) throw error;
    });
  }
}

interface Loop {
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  stopped: boolean;
}

/** One polling loop per sandbox started in this process (a test file may start more than one). */
export function pendingCaptureWork(): PaypalBackgroundWork {
  const loops = new Set<Loop>();

  function schedule(loop: Loop, services: PaypalServices): void {
    if (loop.stopped) return;
    loop.timer = setTimeout(() => {
      loop.running = settleDue(services)
        .catch((error: unknown) => {
          process.stderr.write(`sandbox: paypal pending captures: ${error instanceof Error ? error.message : String(error)}\n`);
        })
        .finally(() => {
          loop.running = null;
          schedule(loop, services);
        });
    }, POLL_MS);
  }

  return {
    async start(services) {
      await services.store.trackDueTime('paypal_capture', (object) => (object as CaptureRecord).internal.settleAt ?? null);
      const loop: Loop = { timer: null, running: null, stopped: false };
      loops.add(loop);
      schedule(loop, services);
    },
    async stop() {
      for (const loop of loops) {
        loop.stopped = true;
        if (loop.timer) clearTimeout(loop.timer);
        await loop.running;
      }
      loops.clear();
    },
    reset() {},
  };
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  response.end(text);
}

const SETTLE_PATH = /^\/_sandbox\/captures\/([A-Z0-9]+)\/(complete|deny)$/;

/** `POST /_sandbox/captures/:id/complete|deny`: settles a PENDING capture now; answers the capture, or PayPal's error shape. */
export const SETTLE_CAPTURE_PAGE: PaypalPage = {
  path: SETTLE_PATH,
  async handle(request, response, url, services) {
    if (request.method !== 'POST') return sendJson(response, 405, { name: 'METHOD_NOT_SUPPORTED', message: 'Use POST.' });
    const [, id = '', verb] = SETTLE_PATH.exec(url.pathname) ?? [];
    const base = services.base(url);
    try {
      const settled = await services.transaction(base, (ctx) => settleCapture(ctx, id, verb === 'deny' ? 'DENIED' : 'COMPLETED'));
      sendJson(response, 200, captureView(base, settled));
    } catch (error) {
      if (!(error instanceof PaypalApiError)) throw error;
      sendJson(response, error.status, error.body('sandbox', 'payments/v2'));
    }
  },
};
