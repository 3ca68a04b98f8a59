import type Stripe from 'stripe';
import type { RequestContext } from './context';
import { publicView } from './expand';
import { newId, nowSeconds } from './ids';
import { API_VERSION } from './version';

export type EventType = Stripe.Event.Type;
export type EventObject<T extends EventType> = Extract<Stripe.Event, { type: T }>['data']['object'];

/**
 * Records the event Stripe would send for a state change, and queues one delivery per enabled
 * webhook endpoint that listens for it, in the request's transaction: a rolled-back change
 * never sends an event, a committed one always does.
 */
export async function emit<T extends EventType>(
  ctx: Pick<RequestContext, 'tx' | 'requestId' | 'idempotencyKey' | 'raisedEvents'>,
  type: T,
  object: EventObject<T>,
  previousAttributes?: Partial<EventObject<T>>,
): Promise<Stripe.Event> {
  const event = {
    id: newId('evt'),
    object: 'event',
    api_version: API_VERSION,
    created: nowSeconds(),
    // Webhooks carry the stored event as is: private `_…` bookkeeping must not go with it.
    data: { object: publicView(object), ...(previousAttributes ? { previous_attributes: publicView(previousAttributes) } : {}) },
    livemode: false,
    pending_webhooks: 0,
    request: { id: ctx.requestId || null, idempotency_key: ctx.idempotencyKey },
    type,
  } as Stripe.Event;
  // One round trip: the event's time, a delivery queued per listening endpoint, and the event
  // stored with its pending_webhooks count.
  const sql = ctx.tx.sql;
  const { clock, customer, invoice } = clockHints(object);
  const [row] = await sql<{ queued: number; created: string }[]>`
    with clock as (
      select (data->>'frozen_time')::bigint as frozen_time from sandbox.objects
      where type = 'test_helpers.test_clock' and id = coalesce(
        ${clock}::text,
        (select data->>'test_clock' from sandbox.objects where id = ${customer}::text and type = 'customer'),
        (select data->>'test_clock' from sandbox.objects where id = ${invoice}::text and type = 'invoice'))
    ),
    stamped as (select coalesce((select frozen_time from clock), ${event.created}) as created),
    targets as (
      select id from sandbox.objects
      where type = 'webhook_endpoint' and data->>'status' = 'enabled'
        and (data->'enabled_events' ? '*' or data->'enabled_events' ? ${type})
    ),
    queued as (insert into sandbox.deliveries (event_id, endpoint_id) select ${event.id}, id from targets returning 1),
    stored as (
      insert into sandbox.objects (id, type, created, data)
      select ${event.id}, 'event', stamped.created,
        jsonb_set(jsonb_set(${sql.json(event as never)}::jsonb, '{pending_webhooks}', to_jsonb((select count(*) from targets))), '{created}', to_jsonb(stamped.created))
      from stamped
      returning 1
    )
    select (select count(*) from targets)::int as queued, (select count(*) from stored)::int as stored, (select created from stamped) as created`;
  event.pending_webhooks = row?.queued ?? 0;
  event.created = Number(row?.created ?? event.created);
  ctx.raisedEvents.push(event.id);
  return event;
}

/**
 * What tells whose time an event happens in: an object on a test clock (or the clock itself)
 * is stamped with the clock's frozen time, as everything the clock makes is; anything else, with
 * the wall clock's. The object's own `test_clock`, else its customer's, else its invoice's.
 */
function clockHints(object: object): { clock: string | null; customer: string | null; invoice: string | null } {
  const fields = object as { id?: unknown; object?: unknown; test_clock?: unknown; customer?: unknown; invoice?: unknown };
  const idOf = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string' ? value.id : null);
  const clock = fields.object === 'test_helpers.test_clock' ? idOf(fields.id) : idOf(fields.test_clock);
  return { clock, customer: idOf(fields.customer), invoice: idOf(fields.invoice) };
}

/** The fields of `after` that differ from `before`, with their old values, as Stripe reports them. */
export function previousAttributes<T extends object>(before: T, after: T): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = before[key];
  }
  return changed;
}
