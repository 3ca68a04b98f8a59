import type http from 'node:http';
import type Stripe from 'stripe';
import type { Store } from './store';
import type { RequestContext } from './stripe/context';
import { advanceCustomer, parseAdvanceTarget, type AdvanceTarget } from './stripe/billing/customer-clock';
import { randomToken } from './stripe/ids';
import { openDispute, settleDispute } from './stripe/resources/disputes';

/**
 * The sandbox's dashboard at `/`: what happened (customers, payments, subscriptions, invoices,
 * events, webhook deliveries), and the provider-side actions a developer needs to trigger by
 * hand: open or settle a dispute, advance a test clock or one customer's time, retry a delivery.
 */

type Row = Record<string, unknown>;

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function when(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) : '';
}

function amount(minor: unknown, currency: unknown): string {
  if (typeof minor !== 'number' || typeof currency !== 'string') return '';
  const code = currency.toUpperCase();
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${minor < 0 ? '-' : ''}${decimal} ${code}`;
}

function table(title: string, id: string, columns: string[], rows: string[][], empty: string): string {
  const body = rows.length
    ? rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${columns.length}" class="empty">${escapeHtml(empty)}</td></tr>`;
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2><div class="scroll"><table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div></section>`;
}

function button(action: string, fields: Record<string, string>, label: string, extra = ''): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="post" action="/_sandbox/dashboard/${action}" class="inline">${inputs}${extra}<button type="submit">${escapeHtml(label)}</button></form>`;
}

async function latest(store: Store, type: string, limit = 25): Promise<Row[]> {
  const rows = await store.sql<{ data: Row }[]>`select data from sandbox.objects where type = ${type} order by seq desc limit ${limit}`;
  return rows.map((row) => row.data);
}

async function render(store: Store, notice: string | null): Promise<string> {
  const [customers, intents, charges, disputes, subscriptions, invoices, clocks, events, endpoints] = await Promise.all([
    latest(store, 'customer'),
    latest(store, 'payment_intent'),
    latest(store, 'charge'),
    latest(store, 'dispute'),
    latest(store, 'subscription'),
    latest(store, 'invoice'),
    latest(store, 'test_helpers.test_clock'),
    latest(store, 'event', 40),
    latest(store, 'webhook_endpoint'),
  ]);
  const customerTimes = new Map<string, number>();
  if (customers.length > 0) {
    const clockRows = await store.sql<{ id: string; frozen_time: string }[]>`
      select customer.id, clock.data->>'frozen_time' as frozen_time
      from sandbox.objects customer
      join sandbox.objects clock on clock.id = customer.data->>'test_clock' and clock.type = 'test_helpers.test_clock'
      where customer.type = 'customer' and customer.id in ${store.sql(customers.map((c) => String(c.id)))}`;
    for (const row of clockRows) customerTimes.set(row.id, Number(row.frozen_time));
  }
  const deliveries = await store.sql<{ id: string; event_id: string; type: string | null; url: string | null; status: string; attempts: number; last_status: number | null; last_error: string | null; next_attempt_at: Date }[]>`
    select d.id, d.event_id, e.data->>'type' as type, w.data->>'url' as url, d.status, d.attempts, d.last_status, d.last_error, d.next_attempt_at
    from sandbox.deliveries d
    left join sandbox.objects e on e.id = d.event_id
    left join sandbox.objects w on w.id = d.endpoint_id
    order by d.id desc limit 40`;

  const sections = [
    table(
      'Customers',
      'customers',
      ['id', 'email', 'name', 'created', 'their time', 'travel in time'],
      customers.map((c) => {
        const frozen = customerTimes.get(String(c.id));
        const days = `<input type="number" name="days" min="1" max="3660" value="1" aria-label="Days to advance ${escapeHtml(c.email ?? c.id)}" class="days">`;
        return [
          escapeHtml(c.id),
          escapeHtml(c.email),
          escapeHtml(c.name),
          when(c.created),
          frozen === undefined ? 'real time' : `${when(frozen)} (test clock)`,
          `${button('advance-customer', { customer: String(c.id) }, 'Advance days', days)} ${button('advance-customer', { customer: String(c.id), by: '1 month' }, '+1 month')}`,
        ];
      }),
      'No customers yet.',
    ),
    table(
      'Payments',
      'payments',
      ['PaymentIntent', 'amount', 'status', 'created', 'charge', ''],
      intents.map((pi) => {
        const charge = charges.find((ch) => ch.id === pi.latest_charge);
        const disputable = charge && charge.status === 'succeeded' && !charge.disputed;
        return [
          escapeHtml(pi.id),
          amount(pi.amount, pi.currency),
          `<span class="status">${escapeHtml(pi.status)}</span>`,
          when(pi.created),
          escapeHtml(pi.latest_charge),
          disputable ? button('dispute', { charge: String(charge.id) }, 'Open a dispute') : '',
        ];
      }),
      'No payments yet.',
    ),
    table(
      'Disputes',
      'disputes',
      ['id', 'charge', 'amount', 'reason', 'status', ''],
      disputes.map((d) => [
        escapeHtml(d.id),
        escapeHtml(d.charge),
        amount(d.amount, d.currency),
        escapeHtml(d.reason),
        `<span class="status">${escapeHtml(d.status)}</span>`,
        d.status === 'won' || d.status === 'lost' ? '' : `${button('settle-dispute', { dispute: String(d.id), outcome: 'won' }, 'Win')} ${button('settle-dispute', { dispute: String(d.id), outcome: 'lost' }, 'Lose')}`,
      ]),
      'No disputes.',
    ),
    table(
      'Subscriptions',
      'subscriptions',
      ['id', 'customer', 'status', 'cancel at period end', 'schedule', 'created'],
      subscriptions.map((s) => [escapeHtml(s.id), escapeHtml(s.customer), `<span class="status">${escapeHtml(s.status)}</span>`, escapeHtml(s.cancel_at_period_end), escapeHtml(s.schedule), when(s.created)]),
      'No subscriptions yet.',
    ),
    table(
      'Invoices',
      'invoices',
      ['id', 'number', 'customer', 'amount due', 'status', ''],
      invoices.map((i) => [
        escapeHtml(i.id),
        escapeHtml(i.number),
        escapeHtml(i.customer),
        amount(i.amount_due, i.currency),
        `<span class="status">${escapeHtml(i.status)}</span>`,
        typeof i.hosted_invoice_url === 'string' ? `<a href="${escapeHtml(i.hosted_invoice_url)}">view</a>` : '',
      ]),
      'No invoices yet.',
    ),
    table(
      'Test clocks',
      'clocks',
      ['id', 'name', 'frozen time', 'status', 'advance'],
      clocks.map((clock) => [
        escapeHtml(clock.id),
        escapeHtml(clock.name),
        when(clock.frozen_time),
        escapeHtml(clock.status),
        ['1 day', '1 month', '1 year'].map((step) => button('advance-clock', { clock: String(clock.id), by: step }, `+${step}`)).join(' '),
      ]),
      'No test clocks. Create one with stripe.testHelpers.testClocks.create().',
    ),
    table('Events', 'events', ['id', 'type', 'created', 'pending webhooks'], events.map((e) => [escapeHtml(e.id), escapeHtml(e.type), when(e.created), escapeHtml(e.pending_webhooks)]), 'No events yet.'),
    table(
      'Webhook deliveries',
      'deliveries',
      ['event', 'type', 'endpoint', 'status', 'attempts', 'last answer', ''],
      deliveries.map((d) => [
        escapeHtml(d.event_id),
        escapeHtml(d.type),
        escapeHtml(d.url),
        `<span class="status">${escapeHtml(d.status)}</span>`,
        escapeHtml(d.attempts),
        escapeHtml(d.last_error ?? d.last_status ?? ''),
        d.status === 'succeeded' ? '' : button('retry-delivery', { delivery: d.id }, 'Retry now'),
      ]),
      endpoints.length ? 'No deliveries yet.' : 'No webhook endpoints are registered.',
    ),
  ];

  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Billfold sandbox</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f7f7f5;color:#17201c}
header{background:#1b4e3e;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
main{padding:20px 28px;display:grid;gap:22px;max-width:1400px}
nav a{color:#fff;margin-right:14px;font-size:13px}
section{background:#fff;border:1px solid #e2e4e0;border-radius:12px;padding:16px 18px}
h2{font-size:15px;margin:0 0 10px}.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eef0ec;white-space:nowrap}
th{color:#5b6560;font-weight:600}td.empty{color:#7a847f}
.status{background:#eef4f1;border-radius:999px;padding:1px 8px}
form.inline{display:inline}input.days{width:4.5em;font:inherit;font-size:12px;margin-right:4px}button{font:inherit;font-size:12px;padding:3px 10px;border-radius:6px;border:1px solid #c9d0cc;background:#fff;cursor:pointer}
.notice{background:#fff8e6;border:1px solid #f2dca6;border-radius:10px;padding:10px 14px}
</style></head><body>
<header><h1>Billfold sandbox</h1><p>A local stand-in for Stripe: no real money moves. State is kept in PostgreSQL (schema <code>sandbox</code>).</p>
<nav>${['customers', 'payments', 'disputes', 'subscriptions', 'invoices', 'clocks', 'events', 'deliveries'].map((id) => `<a href="#${id}">${id}</a>`).join('')}</nav></header>
<main>${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}${sections.join('')}</main></body></html>`;
}

const STEPS: Record<string, (date: Date) => void> = {
  '1 day': (date) => date.setUTCDate(date.getUTCDate() + 1),
  '1 month': (date) => date.setUTCMonth(date.getUTCMonth() + 1),
  '1 year': (date) => date.setUTCFullYear(date.getUTCFullYear() + 1),
};

async function readForm(request: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 8192) break;
  }
  return new URLSearchParams(text);
}

/** Runs a dashboard action; returns the notice to show. */
async function act(store: Store, action: string, form: URLSearchParams, baseUrl: string, onEvents: (ids: string[]) => void): Promise<string> {
  const raisedEvents: string[] = [];
  const context = (tx: RequestContext['tx']): RequestContext => ({ tx, auth: { kind: 'secret', key: 'sk_test_dashboard' }, requestId: `req_${randomToken(14)}`, idempotencyKey: null, params: {}, path: [], raisedEvents, baseUrl });
  try {
    if (action === 'dispute') {
      const dispute = await store.tx(async (tx) => {
        const charge = await tx.getForUpdate<Stripe.Charge>('charge', form.get('charge') ?? '');
        if (!charge || charge.status !== 'succeeded' || charge.disputed) throw new Error('That charge cannot be disputed.');
        return openDispute(context(tx), charge);
      });
      return `Opened dispute ${dispute.id}.`;
    }
    if (action === 'settle-dispute') {
      const outcome = form.get('outcome') === 'won' ? 'won' : 'lost';
      const dispute = await store.tx(async (tx) => {
        const found = await tx.getForUpdate<Stripe.Dispute>('dispute', form.get('dispute') ?? '');
        if (!found || found.status === 'won' || found.status === 'lost') throw new Error('That dispute is already closed.');
        return settleDispute(context(tx), found, outcome);
      });
      return `Dispute ${dispute.id} is ${dispute.status}.`;
    }
    if (action === 'advance-clock') {
      const clockId = form.get('clock') ?? '';
      const clock = await store.reader.get<{ id: string; object: string; created: number; frozen_time: number }>('test_helpers.test_clock', clockId);
      const step = STEPS[form.get('by') ?? ''];
      if (!clock || !step) throw new Error('Unknown test clock or step.');
      const target = new Date(clock.frozen_time * 1000);
      step(target);
      // Through the public API, exactly as a test would advance it.
      const response = await fetch(`${baseUrl}/v1/test_helpers/test_clocks/${encodeURIComponent(clockId)}/advance`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sk_test_dashboard', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ frozen_time: String(Math.floor(target.getTime() / 1000)) }),
      });
      const body = (await response.json()) as { error?: { message?: string } };
      if (!response.ok) throw new Error(body.error?.message ?? `advance failed (${response.status})`);
      return `Advancing ${clockId} to ${target.toISOString()}.`;
    }
    if (action === 'advance-customer') {
      const customerId = form.get('customer') ?? '';
      let target: AdvanceTarget;
      if (form.get('by') === '1 month') {
        // A calendar month from the customer's present, as the clock buttons count it.
        const [row] = await store.sql<{ frozen_time: string | null }[]>`
          select clock.data->>'frozen_time' as frozen_time from sandbox.objects customer
          left join sandbox.objects clock on clock.id = customer.data->>'test_clock' and clock.type = 'test_helpers.test_clock'
          where customer.id = ${customerId} and customer.type = 'customer'`;
        const date = new Date((row?.frozen_time ? Number(row.frozen_time) : Date.now() / 1000) * 1000);
        STEPS['1 month']?.(date);
        target = { to: Math.floor(date.getTime() / 1000) };
      } else {
        const parsed = parseAdvanceTarget({ days: Number(form.get('days')) });
        if (typeof parsed === 'string') throw new Error(parsed);
        target = parsed;
      }
      const { clock, raisedEvents: raised } = await advanceCustomer(store, customerId, target, baseUrl);
      raisedEvents.push(...raised);
      return `${customerId} is now at ${new Date(clock.frozen_time * 1000).toISOString()} (test clock ${clock.id}).`;
    }
    if (action === 'retry-delivery') {
      await store.sql`update sandbox.deliveries set status = 'pending', next_attempt_at = now(), updated_at = now() where id = ${form.get('delivery') ?? '0'}`;
      onEvents([]);
      return 'Delivery queued again.';
    }
    return 'Unknown action.';
  } finally {
    if (raisedEvents.length > 0) onEvents(raisedEvents);
  }
}

export async function handleDashboard(store: Store, request: http.IncomingMessage, response: http.ServerResponse, url: URL, onEvents: (ids: string[]) => void): Promise<void> {
  if (request.method === 'POST' && url.pathname.startsWith('/_sandbox/dashboard/')) {
    let notice: string;
    try {
      notice = await act(store, url.pathname.slice('/_sandbox/dashboard/'.length), await readForm(request), url.origin, onEvents);
    } catch (error) {
      notice = error instanceof Error ? error.message : 'The action failed.';
    }
    response.writeHead(303, { Location: `/?notice=${encodeURIComponent(notice)}` });
    response.end();
    return;
  }
  const html = await render(store, url.searchParams.get('notice'));
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  response.end(html);
}
