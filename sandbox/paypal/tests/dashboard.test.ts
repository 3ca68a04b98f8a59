import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@/test/sandbox';
import { captureOf, insertCapture, openDispute, paypalReceiver, registerWebhook, type PaypalReceiver } from './hooks-support';
import { paypalSandbox } from './support';

// Deliveries give up after two quick tries, so a failed one is there to retry.
const t = paypalSandbox({ retry: { baseDelayMs: 50, maxDelayMs: 100, maxAttempts: 2, timeoutMs: 2000 } });

let receiver: PaypalReceiver;

beforeAll(async () => {
  receiver = await paypalReceiver();
  await registerWebhook(t, receiver.url);
});
afterAll(async () => {
  await receiver.close();
});

interface DashboardForm {
  action: string;
  label: string;
  fields: Record<string, string>;
}

function unescape(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The dashboard's buttons as a browser sees them: each form's action, hidden fields, first option of each select, and label. */
function formsIn(html: string): DashboardForm[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)" class="inline">([\s\S]*?)<\/form>/g)].map(([, action, inner = '']) => {
    const fields: Record<string, string> = {};
    for (const [, name, value] of inner.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[unescape(name ?? '')] = unescape(value ?? '');
    for (const [, name, options] of inner.matchAll(/<select name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) fields[name ?? ''] = unescape(/<option>([^<]*)<\/option>/.exec(options ?? '')?.[1] ?? '');
    return { action: unescape(action ?? ''), label: unescape(/<button type="submit">([^<]*)<\/button>/.exec(inner)?.[1] ?? ''), fields };
  });
}

async function dashboard(path = '/'): Promise<string> {
  const response = await fetch(`${t.server.url}${path}`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Presses a button: posts its form, follows the 303 back to the dashboard, and answers the page with the notice. */
async function press(form: DashboardForm, overrides: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${t.server.url}${form.action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form.fields, ...overrides }),
    redirect: 'manual',
  });
  expect(response.status).toBe(303);
  const location = response.headers.get('location') ?? '';
  expect(location).toMatch(/^\/\?notice=/);
  return dashboard(location);
}

function noticeOf(html: string): string {
  return unescape(/<p class="notice" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? '');
}

function findForm(html: string, label: string, field: string, value: string): DashboardForm {
  const form = formsIn(html).find((candidate) => candidate.label === label && candidate.fields[field] === value);
  if (!form) throw new Error(`no "${label}" button for ${field}=${value}`);
  return form;
}

describe('PayPal on the sandbox dashboard', () => {
  it('shows PayPal’s webhooks, events, deliveries, captures and disputes, escaping what it shows', async () => {
    // Quotes and ampersands are allowed in a URL and must be escaped in HTML.
    await registerWebhook(t, "http://127.0.0.1:9/hooks?shop='a'&x=1", ['PAYMENT.CAPTURE.REVERSED']);
    const capture = await insertCapture(t);
    const html = await dashboard();
    for (const title of ['PayPal webhooks', 'PayPal events', 'PayPal webhook deliveries', 'PayPal captures', 'PayPal disputes']) expect(html).toContain(`<h2>${title}</h2>`);
    expect(html).toContain('http://127.0.0.1:9/hooks?shop=&#39;a&#39;&amp;x=1');
    expect(html).not.toContain("shop='a'");
    expect(findForm(html, 'Open dispute', 'capture', capture.id).action).toBe('/paypal/_sandbox/dashboard/open-dispute');
  });

  it('"Open dispute" opens one on the capture, and the resolve buttons decide it (for the buyer: the capture is reversed)', async () => {
    const capture = await insertCapture(t, { value: '18.00' });
    const opened = await press(findForm(await dashboard(), 'Open dispute', 'capture', capture.id), { reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', stage: 'INQUIRY' });
    const disputeId = /Opened PayPal dispute (PP-D-\d+)/.exec(noticeOf(opened))?.[1] ?? '';
    expect(disputeId).not.toBe('');
    expect(opened).toContain(`<td>${disputeId}</td><td>${capture.id}</td>`);
    // No second dispute is offered while one is open.
    expect(formsIn(opened).some((form) => form.label === 'Open dispute' && form.fields.capture === capture.id)).toBe(false);

    const resolved = await press(findForm(opened, 'Resolve for buyer', 'dispute', disputeId));
    expect(noticeOf(resolved)).toBe(`PayPal dispute ${disputeId} is resolved: RESOLVED_BUYER_FAVOUR.`);
    expect(resolved).toMatch(new RegExp(`<td>${disputeId}</td>.*?RESOLVED_BUYER_FAVOUR`));
    expect((await captureOf(t, capture.id)).status).toBe('REFUNDED');
    expect(resolved).toMatch(new RegExp(`<td>${capture.id}</td>.*?<span class="status">REFUNDED</span>`));
    expect(formsIn(resolved).some((form) => form.fields.dispute === disputeId)).toBe(false);
  });

  it('"Resolve for seller" closes a dispute in the merchant’s favour; a stale button says why it did nothing', async () => {
    const capture = await insertCapture(t);
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'UNAUTHORISED' });
    const page = await dashboard();
    const seller = findForm(page, 'Resolve for seller', 'dispute', id);
    const buyer = findForm(page, 'Resolve for buyer', 'dispute', id);
    expect(noticeOf(await press(seller))).toBe(`PayPal dispute ${id} is resolved: RESOLVED_SELLER_FAVOUR.`);
    expect(noticeOf(await press(buyer))).toMatch(/already resolved/);
    expect((await captureOf(t, capture.id)).status).toBe('COMPLETED');
  });

  it('"Retry now" sends a failed delivery again and the table shows it delivered', async () => {
    receiver.status = 500;
    const capture = await insertCapture(t);
    const { dispute_id: id } = await openDispute(t, { capture_id: capture.id, reason: 'CREDIT_NOT_PROCESSED' });
    const [created] = (await t.events('CUSTOMER.DISPUTE.CREATED')).filter((e) => (e.resource as { dispute_id: string }).dispute_id === id);
    const rows = () => t.server.store.sql<{ id: string; status: string; attempts: number }[]>`
      select d.id, d.status, d.attempts from sandbox.deliveries d join sandbox.objects w on w.id = d.endpoint_id
      where d.provider = 'paypal' and d.event_id = ${created?.id ?? ''} and w.data->'resource'->>'url' = ${receiver.url}`;
    const [failed] = await eventually(async () => {
      const found = await rows();
      return found[0]?.status === 'failed' && found;
    });
    const page = await dashboard();
    expect(page).toMatch(new RegExp(`<td>${created?.id}</td>.*?<span class="status">failed</span></td><td>2</td><td>HTTP 500</td>`));
    receiver.status = 200;
    const after = await press(findForm(page, 'Retry now', 'delivery', failed?.id ?? ''));
    expect(noticeOf(after)).toBe(`PayPal delivery ${failed?.id} is queued to be sent now.`);
    await eventually(async () => (await rows())[0]?.status === 'succeeded');
    expect(await dashboard()).toMatch(new RegExp(`<td>${created?.id}</td>.*?<span class="status">succeeded</span></td><td>3</td>`));
    // Delivered: nothing left to retry.
    expect(noticeOf(await press(findForm(page, 'Retry now', 'delivery', failed?.id ?? '')))).toMatch(/cannot be retried/);
  });
});
