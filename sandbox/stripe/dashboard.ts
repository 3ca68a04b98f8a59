import type http from 'node:http';
import type Stripe from 'stripe';
import { actionButton, escapeHtml, redirectWithNotice, type DashboardTable } from '../dashboard';
import type { Store } from '../store';
import { advanceCustomer, parseAdvanceTarget, type AdvanceTarget } from './billing/customer-clock';
import type { RequestContext } from './context';
import { randomToken } from './ids';
import { openDispute, settleDispute } from './resources/disputes';

/**
 * Stripe's part of the dashboard (sandbox/dashboard.ts lays it out): customers, payments,
 * disputes, subscriptions, invoices, test clocks, events and webhook deliveries, and the
 * Stripe-side actions a developer needs to trigger by hand: open or settle a dispute, advance a
 * test clock or one customer's time, retry a delivery. The buttons post to
 * /_sandbox/dashboard/<action>.
 */

export const DASHBOARD_ACTIONS = '/_sandbox/dashboard/';

type Row = Record<string, unknown>;

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

function table(title: string, id: string, columns: string[], rows: string[][], empty: string): DashboardTable {
  return { id, title, columns, rows, empty };
}

function button(action: string, fields: Record<string, string>, label: string, extra = ''): string {
  return actionButton(`${DASHBOARD_ACTIONS}${action}`, fields, label, extra);
}

async function latest(store: Store, type: string, limit = 25): Promise<Row[]> {
  const rows = await store.sql<{ data: Row }[]>`select data from sandbox.objects where type = ${type} order by seq desc limit ${limit}`;
  return rows.map((row) => row.data);
}

/** Stripe's tables, newest objects first. */
export async function stripeDashboard(store: Store): Promise<DashboardTable[]> {
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
    where d.provider = 'stripe'
    order by d.id desc limit 40`;

  return [
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
      await store.sql`update sandbox.deliveries set status = 'pending', next_attempt_at = now(), updated_at = now() where id = ${form.get('delivery') ?? '0'} and provider = 'stripe'`;
      onEvents([]);
      return 'Delivery queued again.';
    }
    return 'Unknown action.';
  } finally {
    if (raisedEvents.length > 0) onEvents(raisedEvents);
  }
}

/** POST /_sandbox/dashboard/<action>: runs it, then back to the dashboard with what happened. */
export async function handleDashboardAction(store: Store, request: http.IncomingMessage, response: http.ServerResponse, url: URL, onEvents: (ids: string[]) => void): Promise<void> {
  let notice: string;
  try {
    notice = await act(store, url.pathname.slice(DASHBOARD_ACTIONS.length), await readForm(request), url.origin, onEvents);
  } catch (error) {
    notice = error instanceof Error ? error.message : 'The action failed.';
  }
  redirectWithNotice(response, notice);
}
