import type http from 'node:http';
import { DueWorkLoop } from '../due-work';
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

// The longest sleep: a capture made pending meanwhile is seen within it.
const POLL_MS = 250;
const BATCH = 50;

/** Settles the captures due now, a batch at a time; true when a full batch suggests more are due. */
async function settleDue(services: PaypalServices): Promise<boolean> {
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
  return due.length === BATCH;
}

async function nextSettlement(services: PaypalServices): Promise<number | null> {
  const [row] = await services.store.sql<{ due: string | null }[]>`
    select min(due_at) as due from sandbox.objects where type = 'paypal_capture' and due_at > ${nowSeconds()} and data->>'test_clock' is null`;
  return row?.due === null || row?.due === undefined ? null : Number(row.due);
}

/** One loop per sandbox started in this process (a test file may start more than one). */
export function pendingCaptureWork(): PaypalBackgroundWork {
  const loops = new Set<DueWorkLoop>();
  return {
    async start(services) {
      await services.store.trackDueTime('paypal_capture', (object) => (object as CaptureRecord).internal.settleAt ?? null);
      const loop = new DueWorkLoop({
        label: 'PayPal pending captures',
        pollMs: POLL_MS,
        // Links in the events need the sandbox's address, known once it listens.
        ready: () => services.base().startsWith('http'),
        step: () => settleDue(services),
        nextDue: () => nextSettlement(services),
      });
      loops.add(loop);
      loop.start();
    },
    async stop() {
      await Promise.all([...loops].map((loop) => loop.stop()));
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
