import { actionButton, escapeHtml, type DashboardTable } from '../dashboard';
import type { Store } from '../store';
import type { CaptureRecord } from './order-types';
import { DISPUTE_REASONS, openDispute, resolveDispute, type DisputeRecord } from './dispute-lifecycle';
import type { EventRecord, WebhookRecord } from './events';
import { DASHBOARD_ACTION_PATH, type PaypalDashboardPart } from './parts';

/**
 * PayPal's webhooks and disputes on the sandbox dashboard: the registered webhooks, the events
 * raised, every delivery with its attempts (and "Retry now" for one not delivered yet), the
 * disputes with PayPal's decision as buttons, and "Open dispute" beside each completed capture,
 * as a buyer would open one.
 */

function button(action: string, fields: Record<string, string>, label: string, extra = ''): string {
  // Under the module's prefix: /paypal/_sandbox/dashboard/<action>. (Read here, not at load: parts.ts imports this file.)
  return actionButton(`/paypal${DASHBOARD_ACTION_PATH}${action}`, fields, label, extra);
}

function status(value: unknown): string {
  return `<span class="status">${escapeHtml(value)}</span>`;
}

function money(amount: { value: string; currency_code: string } | undefined): string {
  return amount ? escapeHtml(`${amount.value} ${amount.currency_code}`) : '';
}

async function latest<T>(store: Store, type: string, limit = 40): Promise<T[]> {
  const rows = await store.sql<{ data: T }[]>`select data from sandbox.objects where type = ${type} order by seq desc limit ${limit}`;
  return rows.map((row) => row.data);
}

/** What an event is about: its resource's id (a dispute's is `dispute_id`). */
function resourceIdOf(event: EventRecord): string {
  const resource = event.resource.resource as { id?: unknown; dispute_id?: unknown } | null;
  return String(resource?.id ?? resource?.dispute_id ?? '');
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string | null;
  url: string | null;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}

const REASON_SELECT = `<select name="reason" aria-label="Dispute reason">${DISPUTE_REASONS.map((reason) => `<option>${escapeHtml(reason)}</option>`).join('')}</select>
<select name="stage" aria-label="Dispute stage"><option>INQUIRY</option><option>CHARGEBACK</option></select>`;

export const PAYPAL_EVENTS_DASHBOARD: PaypalDashboardPart = {
  async tables({ store }): Promise<DashboardTable[]> {
    const [webhooks, events, disputes, captures, deliveries] = await Promise.all([
      latest<WebhookRecord>(store, 'paypal_webhook'),
      latest<EventRecord>(store, 'paypal_event'),
      latest<DisputeRecord>(store, 'paypal_dispute'),
      latest<CaptureRecord>(store, 'paypal_capture'),
      store.sql<DeliveryRow[]>`
        select d.id, d.event_id, e.data->'resource'->>'event_type' as event_type, w.data->'resource'->>'url' as url, d.status, d.attempts, d.last_status, d.last_error
        from sandbox.deliveries d
        left join sandbox.objects e on e.id = d.event_id and e.type = 'paypal_event'
        left join sandbox.objects w on w.id = d.endpoint_id and w.type = 'paypal_webhook'
        where d.provider = 'paypal' order by d.id desc limit 40`,
    ]);
    const disputed = new Set(disputes.filter((d) => d.resource.status !== 'RESOLVED').map((d) => d.internal.capture_id));
    return [
      {
        id: 'paypal-webhooks',
        title: 'PayPal webhooks',
        columns: ['id', 'url', 'event types'],
        rows: webhooks.map((w) => [escapeHtml(w.id), escapeHtml(w.resource.url), escapeHtml(w.resource.event_types.map((type) => type.name).join(', '))]),
        empty: 'No PayPal webhooks are registered (POST /paypal/v1/notifications/webhooks).',
      },
      {
        id: 'paypal-events',
        title: 'PayPal events',
        columns: ['id', 'type', 'created', 'resource'],
        rows: events.map((e) => [escapeHtml(e.id), escapeHtml(e.resource.event_type), escapeHtml(e.resource.create_time), `${escapeHtml(resourceIdOf(e))}${e.internal.simulated ? ' (simulated)' : ''}`]),
        empty: 'No PayPal events yet.',
      },
      {
        id: 'paypal-deliveries',
        title: 'PayPal webhook deliveries',
        columns: ['event', 'type', 'webhook', 'status', 'attempts', 'last answer', ''],
        rows: deliveries.map((d) => [
          escapeHtml(d.event_id),
          escapeHtml(d.event_type),
          escapeHtml(d.url),
          status(d.status),
          escapeHtml(d.attempts),
          escapeHtml(d.last_error ?? d.last_status ?? ''),
          d.status === 'failed' || d.status === 'pending' ? button('retry-delivery', { delivery: d.id }, 'Retry now') : '',
        ]),
        empty: webhooks.length ? 'No PayPal deliveries yet.' : 'No PayPal webhooks are registered.',
      },
      {
        id: 'paypal-captures',
        title: 'PayPal captures',
        columns: ['capture', 'order', 'amount', 'status', ''],
        rows: captures.map((c) => [
          escapeHtml(c.id),
          escapeHtml(c.resource.supplementary_data?.related_ids?.order_id),
          money(c.resource.amount),
          status(c.resource.status),
          c.resource.status === 'COMPLETED' && !disputed.has(c.id) ? button('open-dispute', { capture: c.id }, 'Open dispute', REASON_SELECT) : '',
        ]),
        empty: 'No PayPal captures yet.',
      },
      {
        id: 'paypal-disputes',
        title: 'PayPal disputes',
        columns: ['id', 'capture', 'amount', 'reason', 'stage', 'status', 'outcome', ''],
        rows: disputes.map((d) => [
          escapeHtml(d.id),
          escapeHtml(d.internal.capture_id),
          money(d.resource.dispute_amount),
          escapeHtml(d.resource.reason),
          escapeHtml(d.resource.dispute_life_cycle_stage),
          status(d.resource.status),
          escapeHtml(d.resource.dispute_outcome?.outcome_code),
          d.resource.status === 'RESOLVED'
            ? ''
            : `${button('resolve-dispute', { dispute: d.id, outcome: 'seller' }, 'Resolve for seller')} ${button('resolve-dispute', { dispute: d.id, outcome: 'buyer' }, 'Resolve for buyer')}`,
        ]),
        empty: 'No PayPal disputes.',
      },
    ];
  },
  actions: {
    async 'open-dispute'(form, services) {
      const record = await services.transaction(services.base(), (ctx) =>
        openDispute(ctx, { capture_id: form.get('capture') ?? '', reason: form.get('reason') ?? '', stage: form.get('stage') ?? 'INQUIRY' }),
      );
      return `Opened PayPal dispute ${record.id} (${record.resource.dispute_life_cycle_stage}) on capture ${record.internal.capture_id}.`;
    },
    async 'resolve-dispute'(form, services) {
      const outcome = form.get('outcome') === 'buyer' ? 'buyer' : 'seller';
      const record = await services.transaction(services.base(), (ctx) => resolveDispute(ctx, form.get('dispute') ?? '', outcome));
      return `PayPal dispute ${record.id} is resolved: ${record.resource.dispute_outcome?.outcome_code ?? ''}.`;
    },
    async 'retry-delivery'(form, services) {
      const id = form.get('delivery') ?? '';
      const retried = await services.transaction(services.base(), async (ctx) => {
        const rows = await ctx.tx.sql<{ event_id: string }[]>`
          update sandbox.deliveries set status = 'pending', next_attempt_at = now(), updated_at = now()
          where id = ${/^\d+$/.test(id) ? id : '0'} and provider = 'paypal' and status in ('pending', 'failed') returning event_id`;
        // Wakes the dispatcher after the commit, as a newly raised event does.
        for (const row of rows) ctx.raisedEvents.push(row.event_id);
        return rows.length > 0;
      });
      if (!retried) throw new Error('That PayPal delivery cannot be retried (unknown, delivered or abandoned).');
      return `PayPal delivery ${id} is queued to be sent now.`;
    },
  },
};
